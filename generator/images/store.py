"""The content-addressed store of encoded images: `.explainer-cache/images/<key>-<digest>.<ext>`.

The key names what was made (the source's bytes, every encoder parameter, the encoder's version: see
`derivatives.Output.key`); the digest is `write.digest` of the file's bytes. A stored file is data, checked
whenever it is read — its bytes against the digest in its name, and its signature and end mark against its
format — and anything that fails is removed and made again, never published. Files no build has used for a
day are pruned.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from .. import write
from ..incremental import cache
from .derivatives import EXTENSION, looks_whole

_NAME = re.compile(r"([0-9a-f]{32})-([0-9a-f]{32})\.(avif|webp|jpg|png)")
_FORMAT_OF = {extension: fmt for fmt, extension in EXTENSION.items()}
SOURCES_FILE = "sources.json"
KEEP_UNUSED = 86400      # seconds: a draft previewed yesterday (or a concurrent build's file) is not re-encoded


@dataclass(frozen=True)
class Stored:
    """A file in the store, known by its name."""
    path: Path
    digest: str              # write.digest of its bytes, as its name says

    @property
    def format(self) -> str:
        return _FORMAT_OF[self.path.suffix.lstrip(".")]


class Store:
    """The folder of encoded images: what it holds (one listing), reads that check, atomic writes."""

    def __init__(self, folder: Path, scan: bool = True):
        self.folder = folder
        self.found: dict[str, Stored] = {}
        if scan:
            self.rescan()

    def rescan(self) -> None:
        """List the folder again (after workers wrote into it)."""
        self.found = {}
        try:
            entries = list(os.scandir(self.folder))
        except OSError:
            entries = []
        for entry in sorted(entries, key=lambda e: e.name):
            name = _NAME.fullmatch(entry.name)
            if name and name.group(1) not in self.found:
                self.found[name.group(1)] = Stored(Path(entry.path), name.group(2))

    def get(self, key: str) -> Stored | None:
        return self.found.get(key)

    def read(self, key: str) -> bytes | None:
        """The bytes stored under `key` if they are whole and what the name says; a damaged file is removed."""
        stored = self.found.get(key)
        if stored is None:
            return None
        try:
            data = stored.path.read_bytes()
        except OSError:
            data = b""
        if write.digest(data) == stored.digest and looks_whole(data, stored.format):
            return data
        cache.discard(stored.path)
        del self.found[key]
        return None

    def put(self, key: str, extension: str, data: bytes) -> Stored:
        stored = Stored(self.folder / f"{key}-{write.digest(data)}.{extension}", write.digest(data))
        write.atomic_write(stored.path, data)
        self.found[key] = stored
        return stored

    def prune(self, used: set[str], older_than: float = KEEP_UNUSED) -> None:
        """Remove the files no build has wanted for a while (images of explainers edited or gone)."""
        cutoff = time.time() - older_than
        for key, stored in list(self.found.items()):
            if key in used:
                continue
            try:
                if stored.path.stat().st_mtime < cutoff:
                    stored.path.unlink(missing_ok=True)
                    del self.found[key]
            except FileNotFoundError:
                del self.found[key]      # a concurrent build pruned it first
