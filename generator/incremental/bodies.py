"""Converted bodies and sidebars in files of their own, and the body store a build's pages read them through.

A loaded explainer may hold a `StoredBody` (a file in `.explainer-cache/bodies/`, or in a build's scratch
folder) instead of its body, and one from the state holds `StoredSidebars` instead of its sidebar boxes: each
named by the BLAKE2 hash of its bytes and checked against that name whenever it is read, never kept in memory.
So the state is each explainer's listing record (what cards, lists, feeds' choice, the sitemap, related
explainers and series need) and a build reads the rest of an explainer only for the pages that show it whole.
Rendering a page asks the build's `BodyStore.full(explainer)`, which reads the files; one that is gone, damaged
or not the one its name promises is removed and the explainer loaded again from its files (`reload`), never
shown, and the state takes the new body and sidebars (`BuildState.take_bodies`).
"""
from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

from .. import write
from ..errors import ExplainerError
from ..model import Body, Explainer, Sidebar
from . import codec
from .cache import TAG, discard

BODY_NAME = re.compile(r"[0-9a-f]{32}\.json")


class _CachedFile:
    """A file of `.explainer-cache/bodies/` (or a build's scratch folder) by name: what a stand-in holds in
    place of the data, so nothing is kept in memory and a state of thousands stays small."""

    __slots__ = ("folder", "name")

    def __init__(self, folder: Path, name: str):
        self.folder, self.name = folder, name     # not a Path of its own: a state holds thousands

    @property
    def path(self) -> Path:
        return self.folder / self.name

    def _read(self, reader: Callable[[Path], Any], what: str) -> Any:
        """The file's data, read afresh; an error when it is gone or damaged (see `BodyStore`)."""
        data = reader(self.path)
        if data is None:
            raise ExplainerError(f"{what} missing from the build cache ({self.path.name})",
                                 hint="build again, or build with --no-cache")
        return data

    def __getstate__(self):
        # Only crosses process boundaries (a worker's result); the cache files are JSON.
        return {"folder": self.folder, "name": self.name}

    def __setstate__(self, state: dict) -> None:
        self.folder, self.name = state["folder"], state["name"]


class StoredBody(_CachedFile):
    """A converted body in a file of its own, where an explainer's `Body` would be: a name, not the body.

    Nothing is kept in memory (a big site's bodies do not all fit at once): `load()` reads and checks the file
    each time. A page gets its explainer's body through the build's `BodyStore` (below), which converts the
    Markdown again when the file turns out to be gone or damaged; anything else that reaches into the body
    (a theme's list page, say) reads it afresh on every use.
    """

    __slots__ = ()

    def __getattr__(self, name: str):
        if name.startswith("_") or name in _CachedFile.__slots__:    # not set yet (while unpickling)
            raise AttributeError(name)
        return getattr(self.load(), name)

    def load(self) -> Body:
        """The body, read afresh; an error when its file is gone or damaged (see `BodyStore`)."""
        return self._read(read_body, "a converted body is")


def as_body(stored: StoredBody) -> Body:
    """`stored` where a Body is expected: it reads its file on every use and answers like the Body in it."""
    return cast(Body, stored)


class StoredSidebars(_CachedFile, Sequence):
    """An explainer's sidebar boxes in a file of their own, where the tuple of them would be: a name.

    Like `StoredBody`, nothing is kept in memory: a page gets them through `BodyStore.full`, and anything else
    that reaches into them reads the file afresh on every use.
    """

    __slots__ = ()

    def load(self) -> tuple[Sidebar, ...]:
        """The boxes, read afresh; an error when their file is gone or damaged (see `BodyStore`)."""
        return self._read(read_sidebars, "an explainer's sidebars are")

    def __getitem__(self, index: Any) -> Any:
        return self.load()[index]

    def __len__(self) -> int:
        return len(self.load())

    def __iter__(self) -> Iterator[Sidebar]:
        return iter(self.load())


def as_sidebars(stored: StoredSidebars) -> tuple[Sidebar, ...]:
    """`stored` where an explainer's sidebars are expected: it reads its file on every use."""
    return cast(tuple, stored)


SIDEBARS = codec.sidebars_kind()


def _body_bytes(body: Body) -> bytes:
    return json.dumps([TAG, codec.BODY.encode(body)], separators=(",", ":")).encode("ascii")


def _sidebars_bytes(sidebars: tuple[Sidebar, ...]) -> bytes:
    return json.dumps([TAG, "sidebars", SIDEBARS.encode(sidebars)], separators=(",", ":")).encode("ascii")


def _name_of(data: bytes) -> str:
    return write.digest(data) + ".json"


def read_body(path: Path) -> Body | None:
    """The body in `path`, if its bytes match its name and the schema; None otherwise."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if _name_of(data) != path.name:
        return None
    try:
        tag, body = json.loads(data)
        return codec.BODY.decode(body) if tag == TAG else None
    except (ValueError, TypeError, RecursionError):
        return None


def read_sidebars(path: Path) -> tuple[Sidebar, ...] | None:
    """The sidebars in `path`, if its bytes match its name and the schema; None otherwise."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if _name_of(data) != path.name:
        return None
    try:
        tag, what, sidebars = json.loads(data)
        return SIDEBARS.decode(sidebars) if tag == TAG and what == "sidebars" else None
    except (ValueError, TypeError, RecursionError):
        return None


def spill_sidebars(sidebars: tuple[Sidebar, ...], bodies_dir: Path) -> StoredSidebars:
    """Put an explainer's sidebars on disk, named by the hash of their bytes, and return their stand-in."""
    data = _sidebars_bytes(sidebars)
    target = bodies_dir / _name_of(data)
    if not target.is_file():
        write.atomic_write(target, data)
    return StoredSidebars(bodies_dir, target.name)


def spill_body(body: Body, bodies_dir: Path) -> StoredBody:
    """Put a body on disk, named by the hash of its bytes, and return its stand-in."""
    data = _body_bytes(body)
    target = bodies_dir / _name_of(data)
    if not target.is_file():
        write.atomic_write(target, data)
    return StoredBody(bodies_dir, target.name)


def spilled(bodies_dir: Path, body: Body) -> Body:
    """`body` put on disk, as the stand-in that takes its place in an explainer (what worker processes return)."""
    return as_body(spill_body(body, bodies_dir))


class BodyStore:
    """Bodies and sidebars read when a page needs them, never kept; a damaged one read again with `reload`
    (the explainer loaded from its files)."""

    def __init__(self, reload: Callable[[Explainer], Explainer]):
        self.reload = reload
        self.rebuilt: dict[Path, Explainer] = {}     # explainer source → loaded again by this build

    def full(self, explainer: Explainer) -> Explainer:
        """The explainer with its body and sidebars in memory, for rendering its page or its feed entry."""
        stored_body, stored_sidebars = explainer.body, explainer.sidebars
        body_file, sidebars_file = isinstance(stored_body, StoredBody), isinstance(stored_sidebars, StoredSidebars)
        if not body_file and not sidebars_file:
            return explainer
        again = self.rebuilt.get(explainer.source)
        body = again.body if again else read_body(cast(StoredBody, stored_body).path) if body_file else stored_body
        sidebars = again.sidebars if again else \
            read_sidebars(cast(StoredSidebars, stored_sidebars).path) if sidebars_file else stored_sidebars
        if body is None or sidebars is None:
            for damaged, stored in ((body is None, stored_body), (sidebars is None, stored_sidebars)):
                if damaged:
                    discard(cast(StoredBody, stored).path)
            again = self.rebuilt[explainer.source] = self.reload(explainer)
            body, sidebars = again.body, again.sidebars
        return dataclasses.replace(explainer, body=body, sidebars=sidebars)
