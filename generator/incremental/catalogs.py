"""The interface catalogs as compiled .mo bytes in `.explainer-cache/catalogs/`, so that a build reads each
language's merged catalog with the standard library's gettext instead of parsing the theme's .po text with
Babel again (render/i18n keys each one by the bytes of the .po files it was made from).

An entry, `<language>-<key>.mo`, is data: a first line naming the version that wrote it and the BLAKE2 hash of
the bytes after it, then the .mo bytes, which gettext parses (never runs). One from another version, or whose
bytes do not match their hash, is a miss: compiled again from the .po files and written anew, atomically. A
language keeps one entry: the one its .po files last made.
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

    def read(self, tag: str, key: str) -> bytes | None:
        path = self._path(tag, key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        head, newline, body = data.partition(b"\n")
        if not newline or head != _head(body):
            discard(path)
            return None
        return body

    def keep(self, tag: str, key: str, data: bytes) -> None:
        path = self._path(tag, key)
        try:
            write.atomic_write(path, _head(data) + b"\n" + data)
            for old in self.folder.glob(f"{tag}-*.mo"):
                if old != path and old.name.count("-") == tag.count("-") + 1:     # not pt-BR's for pt
                    old.unlink(missing_ok=True)
        except OSError:
            pass        # an unwritable cache costs the next build the parse, nothing else

    def _path(self, tag: str, key: str) -> Path:
        return self.folder / f"{tag}-{key}.mo"


def _head(body: bytes) -> bytes:
    return f"{TAG} blake2b {hashlib.blake2b(body, digest_size=16).hexdigest()}".encode()
