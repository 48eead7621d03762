"""The state one build leaves for the next: the loaded explainers with the stamps of their files (each as its
listing record, on a line of the file of its own: its body and sidebars are files of their own, named in it),
the names of their converted bodies, a digest of what each page was rendered from (the page-skip rule's), the
related explainers it chose (by slug, with a digest of what they were chosen from), and the manifest of the
files and folders the build left in the output folder.
"""
from __future__ import annotations

import dataclasses
import itertools
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from .. import write
from ..model import Body, Explainer
from ..render.related import Memo
from ..write import Entry
from . import codec
from .bodies import BODY_NAME, StoredBody, StoredSidebars, as_body, as_sidebars, spill_body, spill_sidebars
from .cache import (
    Chunk,
    bodies_folder,
    compact_line,
    first_lines_of,
    legacy_state_path,
    line_value,
    mapping_chunks,
    read_lines,
    write_lines,
)
from .codec import CacheDataError
from .stamps import Folders, Stamp


@dataclass
class BuildState:
    """What the last build left for the next one: loaded explainers, bodies, page keys, the manifest."""
    config_key: str | None = None
    theme_stamp: Stamp = ()
    loaded: dict[Path, tuple[Stamp, Explainer]] = field(default_factory=dict)
    bodies: dict[str, Body] = field(default_factory=dict)
    manifest: dict[str, Entry] = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)     # page → digest of the inputs it was rendered from
    cards: dict[str, tuple[str, str]] = field(default_factory=dict)   # source → (stamp digest, card digest)
    folders: Folders = field(default_factory=dict)          # the output folders as the last build left them
    related: Memo = field(default_factory=Memo)             # the related explainers the last build chose
    # Not saved: each explainer read from the state file with its stamp and their line of the file, which is
    # saved again as it was while the explainer stays the same object and its stamp the same (most of them,
    # in a build where one file changed).
    as_read: dict[Path, tuple[Stamp, Explainer, bytes]] = field(default_factory=dict)
    # Not saved either: each explainer's stamp with its digest (pageskip), while a builder's session lasts;
    # from the state file, the digest `cards` keeps with each explainer's card (made from the stamp saved with
    # it), so a build where one file changed does not digest every stamp again.
    stamp_digests: dict[Path, tuple[Stamp, str]] = field(default_factory=dict)
    # Nor this: what each page's key was digested from, with the key (pageskip), while the session lasts.
    page_inputs: dict[str, tuple[tuple | None, str]] = field(default_factory=dict)
    # Nor these: each mapping's runs of entries with their bytes as the state file has them (read or last
    # saved: a save encodes only the runs that changed), and the body files' names when the state was read
    # (the prune looks among those).
    chunks: dict[str, list[Chunk]] = field(default_factory=dict)
    listing: set[str] | None = None

    def take_bodies(self, rebuilt: dict[Path, Explainer]) -> None:
        """Explainers loaded again (their cached body or sidebars were damaged): their body and sidebars
        replace those files in the state."""
        for source, again in rebuilt.items():
            stamp, explainer = self.loaded[source]
            damaged, body = explainer.body, again.body
            self.loaded[source] = (stamp, dataclasses.replace(explainer, body=body, sidebars=again.sidebars))
            self.bodies = {key: body if old is damaged else old for key, old in self.bodies.items()}


CARD = codec.row(codec.TEXT, codec.TEXT)
CHOSEN = codec.tuple_of(codec.TEXT)
FOLDER = codec.row(codec.INT, codec.INT)


def _output(value: Any) -> list:
    """An output file's [size, mtime_ns], kept a list: the record's `outputs` are the same values."""
    if type(value) is not list or len(value) != 2 or type(value[0]) is not int or type(value[1]) is not int:
        raise CacheDataError("expected [size, mtime]")
    return value


# The mappings of the state, each saved as lines of CHUNK entries after the first line (cache.mapping_chunks),
# in this order, with how each entry's value is read. The manifest is two of them: `outputs` (each file's
# size and mtime) is, entry for entry, the record's and the no-op record's, which take its bytes.
SECTIONS: dict[str, Callable[[Any], Any]] = {
    "bodies": codec.TEXT.decode,        # the body's key → its file's name
    "digests": codec.TEXT.decode,       # output file → the digest of its bytes…
    "outputs": _output,                 # …and its [size, mtime_ns]
    "shown": codec.TEXT.decode,
    "cards": CARD.decode,
    "folders": FOLDER.decode,
    "related": CHOSEN.decode,
}


def load_state(path: Path, content_dir: Path, out_dir: Path, known_paths: Iterable[Path] = ()) -> BuildState:
    """The state saved by the previous build; an empty one when there is none we can trust. `known_paths`
    are paths the caller has made already (the scan's sources and bundles), taken for equal ones."""
    found = read_lines(path, content_dir, out_dir)
    if found is None:
        return BuildState()
    data, lines = found
    bodies_dir = bodies_folder(path.parent)
    present = set(os.listdir(bodies_dir)) if bodies_dir.is_dir() else set()
    stored: dict[str, StoredBody] = {}

    def file_name(name: Any) -> str:
        if type(name) is not str or not BODY_NAME.fullmatch(name):
            raise CacheDataError(f"not a body file name: {name!r}")
        return name

    def body_file(name: Any) -> StoredBody:
        if name not in stored:
            stored[name] = StoredBody(bodies_dir, file_name(name))
        return stored[name]

    def sidebars_file(name: Any) -> tuple:
        return as_sidebars(StoredSidebars(bodies_dir, file_name(name)))

    explainer_kind = codec.explainer_kind(codec.Kind("body file", str, body_file),
                                          memo=codec.seed_paths({}, known_paths),
                                          sidebars=codec.Kind("sidebars file", str, sidebars_file))
    loaded_kind = codec.row(codec.STAMP, explainer_kind)
    try:
        mappings, chunks, explainer_lines = _sections(_items(data["sections"], dict), lines)
        digests, outputs = mappings["digests"], mappings["outputs"]
        if list(digests) != list(outputs):
            raise CacheDataError("the manifest's digests and outputs differ")
        loaded = [loaded_kind.decode(line_value(line)) for line in explainer_lines]
        state = BuildState(
            config_key=codec.TEXT.decode(data["config_key"]),
            theme_stamp=codec.STAMP.decode(data["theme_stamp"]),
            # Explainers and bodies whose file is gone (pruned by another build) are simply loaded again.
            loaded={e.source: (stamp, e) for stamp, e in loaded
                    if e.body.name in present and cast(StoredSidebars, e.sidebars).name in present},
            bodies={key: as_body(body_file(name)) for key, name in mappings["bodies"].items() if name in present},
            manifest={rel: (digest, size, mtime) for (rel, digest), (size, mtime) in zip(digests.items(),
                                                                                      outputs.values())},
            shown=mappings["shown"], cards=mappings["cards"], folders=mappings["folders"],
            related=Memo(codec.TEXT.decode(data["related"]), mappings["related"]),
            as_read={e.source: (stamp, e, line) for (stamp, e), line in zip(loaded, explainer_lines)},
            chunks=chunks, listing=present)
    except (KeyError, ValueError, RecursionError, CacheDataError):      # ValueError: a line that is not JSON
        return BuildState()
    state.stamp_digests = _saved_stamp_digests(state)
    return state


def _sections(counts: dict, lines: list[bytes]) -> tuple[dict[str, dict], dict[str, list[Chunk]], list[bytes]]:
    """The state's mappings from the lines after the first (`counts`: how many lines each takes), each line's
    entries with the bytes it was read from; and the explainers' lines, which follow them."""
    mappings: dict[str, dict] = {}
    chunks: dict[str, list[Chunk]] = {}
    at = 0
    for name, decode in SECTIONS.items():
        count = counts[name]
        if type(count) is not int or not 0 <= count <= len(lines) - at:
            raise CacheDataError(f"not a count of lines: {count!r}")
        mapping: dict[str, Any] = {}
        runs: list[Chunk] = []
        for line in lines[at:at + count]:
            run = [(codec.TEXT.decode(key), decode(value)) for key, value in _items(line_value(line), dict).items()]
            mapping.update(run)
            runs.append((run, line))
        mappings[name], chunks[name] = mapping, runs
        at += count
    return mappings, chunks, lines[at:]


def _saved_stamp_digests(state: BuildState) -> dict[Path, tuple[Stamp, str]]:
    """Each loaded explainer's stamp with its digest as the state file's `cards` keep it: the build that saved
    them made each card's entry from the digest of the stamp it saved with the explainer (pageskip)."""
    cards = state.cards
    return {source: (stamp, cards[key][0]) for source, (stamp, _) in state.loaded.items()
            if (key := str(source)) in cards}


def converted_bodies(folder: Path) -> dict[str, Body]:
    """The converted bodies that the builds' states in the cache `folder` name, by key (the content address
    `content.load.body_cache_key` gives the Markdown they were converted from): each read from its file, and
    checked against its name, when used, so a body whose file is gone or damaged raises as it is read. Empty
    when there is no cache."""
    bodies_dir = bodies_folder(folder)
    try:
        present = set(os.listdir(bodies_dir))
        states = sorted(path for path in folder.glob("build-*.json") if not path.name.endswith(".record.json"))
    except OSError:
        return {}
    found: dict[str, Body] = {}
    for path in states:
        head = first_lines_of(path, lambda data: data["sections"]["bodies"])   # the bodies' lines come first
        for line in head[1] if head is not None else ():
            try:
                bodies = line_value(line)
            except ValueError:
                break
            for key, name in bodies.items() if type(bodies) is dict else ():
                if type(key) is str and type(name) is str and name in present and key not in found:
                    found[key] = as_body(StoredBody(bodies_dir, name))
    return found


def _items(value: Any, kind: type) -> Any:
    if type(value) is not kind:
        raise CacheDataError(f"expected a {kind.__name__}")
    return value


def save_state(path: Path, state: BuildState, content_dir: Path, out_dir: Path) -> None:
    """Write the state; bodies not yet on disk go to `bodies/` first, named by the hash of their bytes. Its
    mappings keep the bytes of every run of entries that is as it was read or last saved (`state.chunks`)."""
    bodies_dir = bodies_folder(path.parent)
    bodies_dir.mkdir(exist_ok=True)
    stored: dict[int, StoredBody] = {}
    names: set[str] = set()

    def store(body: Any) -> str:
        if isinstance(body, StoredBody):
            names.add(body.name)
            return body.name
        if id(body) not in stored:
            stored[id(body)] = spill_body(body, bodies_dir)
        names.add(stored[id(body)].name)
        return stored[id(body)].name

    def store_sidebars(sidebars: Any) -> str:
        stored_sidebars = sidebars if isinstance(sidebars, StoredSidebars) else spill_sidebars(sidebars, bodies_dir)
        names.add(stored_sidebars.name)
        return stored_sidebars.name

    explainer_kind = codec.explainer_kind(codec.Kind("body file", store, str),
                                          sidebars=codec.Kind("sidebars file", store_sidebars, str))
    as_read = state.as_read

    def encode(stamp: Stamp, explainer: Explainer) -> bytes:
        read = as_read.get(explainer.source)
        if read and read[1] is explainer and read[0] == stamp and isinstance(explainer.body, StoredBody) \
                and isinstance(explainer.sidebars, StoredSidebars):
            names.add(explainer.body.name)
            names.add(explainer.sidebars.name)
            return read[2]
        return compact_line([codec.STAMP.encode(stamp), explainer_kind.encode(explainer)])

    loaded = [encode(stamp, e) for stamp, e in state.loaded.values()]
    manifest = state.manifest
    mappings: dict[str, dict] = {"bodies": {key: store(body) for key, body in state.bodies.items()},
                                 "digests": {rel: entry[0] for rel, entry in manifest.items()},
                                 "outputs": {rel: [size, mtime] for rel, (_, size, mtime) in manifest.items()},
                                 "shown": state.shown, "cards": state.cards, "folders": state.folders,
                                 "related": state.related.chosen}
    chunks = state.chunks = {name: mapping_chunks(mapping, state.chunks.get(name, ()))
                             for name, mapping in mappings.items()}
    counts = {name: len(runs) for name, runs in chunks.items()}
    write_lines(path, {"config_key": state.config_key, "theme_stamp": codec.STAMP.encode(state.theme_stamp),
                       "related": state.related.digest, "sections": counts},
                sum(counts.values()) + len(loaded),
                itertools.chain((data for name in SECTIONS for _, data in chunks[name]), loaded),
                content_dir, out_dir)
    for legacy in (path.with_suffix(".pickle"), path.with_suffix(".record")):   # left by earlier versions
        legacy.unlink(missing_ok=True)
    listing = state.listing if state.listing is not None else set(os.listdir(bodies_dir))
    state.listing = None        # a later save (a builder's) lists the folder again
    _prune(bodies_dir, listing - names)


def _prune(bodies_dir: Path, unreferenced: set[str], older_than: float = 3600) -> None:
    """Remove the body files nothing refers to once they are old enough not to belong to a concurrent build.
    Those are among the files the folder held when the state was read (its listing then): any other was
    written since, by this build or one beside it, and is younger than that."""
    cutoff = time.time() - older_than
    for name in unreferenced:
        path = bodies_dir / name
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except FileNotFoundError:
            continue        # a concurrent build pruned it first


def made_here(out_dir: Path, content_dir: Path, state: BuildState) -> bool:
    """Whether an output folder without the marker (made before it existed) was written by explainer:
    a file is still as the previous build's manifest says it left it, or that build's cache is there."""
    return legacy_state_path(content_dir, out_dir).is_file() or any(
        write.as_written(out_dir, rel, entry) for rel, entry in state.manifest.items())
