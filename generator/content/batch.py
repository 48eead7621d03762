"""Loading many explainers: each file read and keyed once, its body converted unless the cache already holds
it, in worker processes when that pays.

No state lives in the workers between chunks: a chunk carries the settings it needs, and its converter is
made for it (building one costs about a millisecond, converting a chunk hundreds).
"""
from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from .. import parallel
from ..config import SiteConfig
from ..errors import ExplainerError
from ..markdown.sections import Converter
from ..model import Body, Explainer
from .load import body_cache_key, converter_for, explainer_from, read_source

PROGRESS_FROM = 400    # explainers that take long enough (about 2 s on one core) to show a progress bar
PROGRESS_EVERY = 25
CHUNKS_PER_WORKER = 8  # small enough to share the work out evenly, big enough to keep the pipes quiet
# What a loaded explainer carries while its body is one the caller already holds (by its key).
LEFT_OUT = Body(lede_html=Markup(""), lede_text="", sections=(), words=0)

Job = tuple[str, Path, Path | None]       # slug, Markdown file, bundle folder
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Loaded:
    """One explainer as loaded: its body's cache key, and the explainer or what is wrong with it. With
    `known`, its body is `LEFT_OUT`: the caller holds that body under `key`."""
    key: str
    explainer: Explainer | None
    error: ExplainerError | None = None
    known: bool = False


def with_body(explainer: Explainer, body: Body, whole: Body | None = None) -> Explainer:
    """An explainer loaded with `LEFT_OUT` (`Loaded.known`) with the body the caller holds under its key, and
    that body's pictures and links, which the images stage and check read from the explainer (`whole`: the
    body's data when `body` is a stand-in that reads a file on every use)."""
    whole = whole or body
    return dataclasses.replace(explainer, body=body, pictures=whole.pictures, links=whole.links)


def load(job: Job, config: SiteConfig, converter: Converter, known: Collection[str],
         keep: Callable[[Body], Body] | None = None) -> Loaded:
    """Read the file, key its body, and convert it unless its key is `known`; `keep` takes each converted
    body (the build puts a big site's bodies on disk with it, so no process holds them all)."""
    try:
        read = read_source(*job)
        key = body_cache_key(read, config, converter)
        if key in known:
            return Loaded(key, explainer_from(read, config, converter, LEFT_OUT), known=True)
        explainer = explainer_from(read, config, converter)
    except ExplainerError as err:
        return Loaded("", None, err)
    if keep is not None:
        explainer = dataclasses.replace(explainer, body=keep(explainer.body))
    return Loaded(key, explainer)


def load_in_workers(jobs: list[Job], config: SiteConfig, known: frozenset[str], workers: int, start_method: str | None,
                    keep: Callable[[Body], Body] | None = None, progress: Progress | None = None) -> list[Loaded]:
    """`load` for each job, in order, by `workers` processes started with `start_method` (see parallel).
    `keep` must be picklable (a module function, or a partial of one)."""
    size = max(1, len(jobs) // (workers * CHUNKS_PER_WORKER))
    chunks = [jobs[start:start + size] for start in range(0, len(jobs), size)]
    show = progress if len(jobs) >= PROGRESS_FROM else None
    results: list[Loaded] = []
    with parallel.process_pool(workers, start_method) as pool:
        for loaded in pool.map(functools.partial(load_chunk, config, known, keep), chunks):
            before = len(results)
            results.extend(loaded)
            done = len(results)
            if show and (done // PROGRESS_EVERY > before // PROGRESS_EVERY or done == len(jobs)):
                show(done, len(jobs))
    return results


def load_chunk(config: SiteConfig, known: frozenset[str], keep: Callable[[Body], Body] | None,
               chunk: list[Job]) -> list[Loaded]:
    """Runs in a worker: one chunk of explainers, with one converter for all of them."""
    converter = converter_for(config)
    return [load(job, config, converter, known, keep) for job in chunk]
