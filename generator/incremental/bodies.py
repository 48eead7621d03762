"""Converted bodies in files of their own, and the body store a build's pages read them through.

A loaded explainer may hold a `StoredBody` (a file in `.explainer-cache/bodies/`, or in a build's scratch
folder) instead of its body: named by the BLAKE2 hash of its bytes and checked against that name whenever it
is read, never kept in memory. Rendering a page asks the build's `BodyStore.full(explainer)`, which reads the
file; one that is gone, damaged or not the one its name promises is removed and the body converted again from
the Markdown (`reconvert`), never shown, and the state takes the new body (`BuildState.take_bodies`).
"""
from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import cast

from .. import write
from ..errors import ExplainerError
from ..model import Body, Explainer
from . import codec
from .cache import TAG, discard

BODY_NAME = re.compile(r"[0-9a-f]{32}\.json")


class StoredBody:
    """A converted body in a file of its own, where an explainer's `Body` would be: a name, not the body.

    Nothing is kept in memory (a big site's bodies do not all fit at once): `load()` reads and checks the file
    each time. A page gets its explainer's body through the build's `BodyStore` (below), which converts the
    Markdown again when the file turns out to be gone or damaged; anything else that reaches into the body
    (a theme's list page, say) reads it afresh on every use.
    """

    __slots__ = ("folder", "name")

    def __init__(self, folder: Path, name: str):
        self.folder, self.name = folder, name     # not a Path of its own: a state holds thousands

    def __getattr__(self, name: str):
        if name.startswith("_") or name in self.__slots__:    # not set yet (while unpickling)
            raise AttributeError(name)
        return getattr(self.load(), name)

    def load(self) -> Body:
        """The body, read afresh; an error when its file is gone or damaged (see `BodyStore`)."""
        body = read_body(self.path)
        if body is None:
            raise ExplainerError(f"a converted body is missing from the build cache ({self.path.name})",
                                 hint="build again, or build with --no-cache")
        return body

    @property
    def path(self) -> Path:
        return self.folder / self.name

    def __getstate__(self):
        # Only crosses process boundaries (a worker's result); the cache files are JSON.
        return {"folder": self.folder, "name": self.name}

    def __setstate__(self, state: dict) -> None:
        self.folder, self.name = state["folder"], state["name"]


def as_body(stored: StoredBody) -> Body:
    """`stored` where a Body is expected: it reads its file on every use and answers like the Body in it."""
    return cast(Body, stored)


def _body_bytes(body: Body) -> bytes:
    return json.dumps([TAG, codec.BODY.encode(body)], separators=(",", ":")).encode("ascii")


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
    """Bodies read when a page needs them, never kept; a damaged one converted again with `reconvert`."""

    def __init__(self, reconvert: Callable[[Explainer], Body]):
        self.reconvert = reconvert
        self.rebuilt: dict[Path, Body] = {}     # explainer source → body converted again by this build

    def full(self, explainer: Explainer) -> Explainer:
        """The explainer with its body in memory, for rendering its page or its feed entry."""
        stored = explainer.body
        if not isinstance(stored, StoredBody):
            return explainer
        body = self.rebuilt.get(explainer.source) or read_body(stored.path)
        if body is None:
            discard(stored.path)
            body = self.rebuilt[explainer.source] = self.reconvert(explainer)
        return dataclasses.replace(explainer, body=body)
