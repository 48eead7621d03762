"""Loading the explainers of a build: those whose files changed are loaded again (`content/batch`: each file
read and keyed once, in worker processes when there are many), their bodies taken from the state when it
knows the key, converted otherwise; every other explainer comes from the state as the last build left it.
"""
from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..config import SiteConfig
from ..content import batch
from ..content.fields import FACTS_FILE
from ..errors import ExplainerError, flatten, raise_all
from ..markdown.sections import Converter
from ..model import Explainer
from .bodies import StoredBody, spilled
from .stamps import Job, Snapshot, Stamp
from .state import BuildState

PARALLEL_FROM = 48     # explainers to convert before a process pool pays for itself
SPILL_FROM = 2000      # explainers loaded at once whose bodies go to disk until rendered (~15 kB each)


@dataclass(frozen=True)
class Workers:
    """How many explainers are converted at once, and how: the caller's choices, passed down."""
    count: int
    start_method: str | None                           # see parallel
    spill_folder: Callable[[], Path]                   # where bodies wait when thousands are converted at once
    progress: batch.Progress | None = None


def load_changed(config: SiteConfig, state: BuildState, snap: Snapshot, converter: Converter,
                 workers: Workers, restamped: tuple[Job, ...] | None = None) -> tuple[list[Explainer], int]:
    """Every explainer of the snapshot, in its order, and how many were read from their files; the state
    keeps them (and their bodies) for the next build. All the explainers' errors are raised together.
    `restamped`, when known (`Session.restamped`): the only explainers whose stamps can differ from those the
    state holds; the others are taken as they are, without comparing thousands of stamps."""
    if restamped is not None:
        return _load_restamped(config, state, snap, restamped, converter, workers)
    stale = [(slug, source, bundle) for slug, source, bundle in snap.tree.explainers
             if source not in state.loaded or state.loaded[source][0] != snap.stamps[source]]
    fresh = _load_stale(config, state, stale, converter, workers)
    state.loaded = {source: (snap.stamps[source], fresh[source] if source in fresh else state.loaded[source][1])
                    for _, source, _ in snap.tree.explainers}
    live = {id(e.body) for _, e in state.loaded.values()}    # by identity: hashing a Body hashes all its HTML
    state.bodies = {key: body for key, body in state.bodies.items() if id(body) in live}
    return [e for _, e in state.loaded.values()], len(stale)


def _load_restamped(config: SiteConfig, state: BuildState, snap: Snapshot, restamped: tuple[Job, ...],
                    converter: Converter, workers: Workers) -> tuple[list[Explainer], int]:
    """`load_changed` when every explainer but the `restamped` ones has the stamp the state loaded it with
    (the preview's one-save rebuild)."""
    stale = [job for job in restamped if state.loaded[job[1]][0] != snap.stamps[job[1]]]
    fresh = _load_stale(config, state, stale, converter, workers)
    loaded = state.loaded = dict(state.loaded)     # a new mapping, as a whole load makes: the caller keeps the last
    replaced = set()
    for source, explainer in fresh.items():
        replaced.add(id(loaded[source][1].body))
        loaded[source] = (snap.stamps[source], explainer)
    replaced -= {id(e.body) for e in fresh.values()}     # a body each explainer had before and has now is kept
    if replaced:      # a body belongs to one explainer (its key names the slug)
        state.bodies = {key: body for key, body in state.bodies.items() if id(body) not in replaced}
    return [e for _, e in loaded.values()], len(stale)


def _load_stale(config: SiteConfig, state: BuildState, stale: list[batch.Job], converter: Converter,
                workers: Workers) -> dict[Path, Explainer]:
    """Load the explainers whose files changed, in worker processes when many; bodies whose key the state
    knows are taken from it, the others converted (and kept in the state under their key)."""
    if len(stale) >= PARALLEL_FROM and workers.count >= 2:
        spill = workers.spill_folder() if len(stale) >= SPILL_FROM else None
        results = batch.load_in_workers(stale, config, frozenset(state.bodies), workers.count, workers.start_method,
                                        functools.partial(spilled, spill) if spill else None, workers.progress)
    else:
        results = [batch.load(job, config, converter, state.bodies) for job in stale]
    fresh: dict[Path, Explainer] = {}
    errors: list[ExplainerError] = []
    for job, loaded in zip(stale, results):
        if loaded.known:
            loaded = _with_held_body(loaded, state, job, config, converter)
        if loaded.error is not None:
            errors.extend(flatten(loaded.error))
        elif loaded.explainer is not None:
            if not loaded.known:
                state.bodies[loaded.key] = loaded.explainer.body
            fresh[job[1]] = loaded.explainer
    raise_all(errors)       # every explainer's problems, in the files' order
    return fresh


def _with_held_body(loaded: batch.Loaded, state: BuildState, job: batch.Job, config: SiteConfig,
                    converter: Converter) -> batch.Loaded:
    """An explainer loaded without its body (the state holds one under its key: the text was converted
    before) with that body, and the pictures and links its images stage and `check` take from the body; loaded
    and converted again when the body's file turns out to be gone or damaged."""
    assert loaded.explainer is not None
    held = state.bodies[loaded.key]
    try:
        body = held.load() if isinstance(held, StoredBody) else held       # a stored body: one read
    except ExplainerError:
        del state.bodies[loaded.key]
        return batch.load(job, config, converter, ())
    return dataclasses.replace(loaded, explainer=batch.with_body(loaded.explainer, held, body))


def text_edits(changed: Iterable[str], last: dict[Path, tuple[Stamp, Explainer]],
               now: dict[Path, tuple[Stamp, Explainer]]) -> list[tuple[Explainer, Explainer]] | None:
    """Each explainer loaded again, as the last build had it and as it is now, when every input file that
    changed since that build (`changed`, from the no-op record) is one these explainers are read from: an
    explainer's Markdown file or its bundle's facts.yml. None when any other file changed (a picture, a file a
    body embeds, a theme or content file of no explainer's), or an explainer came or went."""
    if now.keys() != last.keys():
        return None
    edited = {source: (last[source][1], explainer) for source, (_, explainer) in now.items()
              if explainer is not last[source][1]}
    texts = set(edited) | \
        {bundle / FACTS_FILE for _, explainer in edited.values() if (bundle := explainer.bundle) is not None}
    if not all(Path(path) in texts for path in changed):
        return None
    return list(edited.values())
