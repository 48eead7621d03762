"""The interface catalogs as compiled .mo bytes in `.explainer-cache/catalogs/`, so that a build reads each
language's merged catalog with the standard library's gettext instead of parsing the theme's .po text with
Babel again (render/i18n keys each one by the bytes of the .po files it was made from).

An entry is data: a first line naming the version that wrote it and the BLAKE2 hash of the bytes after it,
then the .mo bytes, which gettext parses (never runs). One from another version, or whose bytes do not match
their hash, is a miss: compiled again from the .po files and written anew, atomically.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from .. import write
from .cache import CATALOGS, TAG, discard


class CompiledCatalogs:
    """`render.i18n.CompiledCatalogs` on the cache folder."""

    def __init__(self, cache_folder: Path):
        self.folder = cache_folder / CATALOGS

    def read(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        head, newline, body = data.partition(b"\n")
        if not newline or head != _head(body):
            discard(path)
            return None
        return body

    def keep(self, key: str, data: bytes) -> None:
        try:
            write.atomic_write(self._path(key), _head(data) + b"\n" + data)
        except OSError:
            pass        # an unwritable cache costs the next build the parse, nothing else

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.mo"


def _head(body: bytes) -> bytes:
    return f"{TAG} blake2b {hashlib.blake2b(body, digest_size=16).hexdigest()}".encode()
