"""The only module that writes the site.

A full build writes into a staging folder beside the output and swaps it in at the end, so readers and the
previous site never see half a build. An incremental build (nothing but a few explainers changed, checked
against the manifest of what we wrote last time) updates the output folder in place, one atomic file at a
time. Either way, every check has passed before the first byte is written, and files whose bytes did not
change are left alone (same inode, same modification time).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError

Entry = tuple[str, int, int]    # (digest of the bytes, size, mtime_ns) of an output file as we left it


@dataclass(frozen=True)
class WriteReport:
    written: int                    # files whose bytes changed (or are new)
    unchanged: int                  # files kept as they were
    deleted: int                    # files of the previous build that are gone
    changed_paths: tuple[str, ...]  # written and deleted files, relative to the output folder
    manifest: dict[str, Entry] = field(default_factory=dict)


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def check_output_folder(out_dir: Path, content_dir: Path) -> None:
    """Refuse output folders whose replacement would destroy the user's work."""
    out, content = out_dir.resolve(), content_dir.resolve()
    if out == content or out in content.parents or content in out.parents:
        raise ConfigError(f"the output folder {out_dir} overlaps the content folder {content_dir}",
                          hint="pass --out with a separate folder, e.g. --out site")
    if out == Path.home().resolve() or out == Path(out.anchor) or out == Path.cwd().resolve():
        raise ConfigError(f"refusing to replace {out_dir} with the built site",
                          hint="pass --out with a folder of its own, e.g. --out site")
    if out.is_dir() and any(out.iterdir()) and not (out / "index.html").is_file():
        raise ConfigError(f"{out_dir} is not empty and does not look like a built site",
                          hint="choose another --out folder, or empty this one first")


class SiteWriter:
    """Receives the files of one build, one at a time, and puts the whole site in place at `finish`."""

    def __init__(self, out_dir: Path, previous: dict[str, Entry] | None = None, in_place: bool = False):
        self.out_dir = out_dir.resolve()
        self.previous = previous or {}
        self.in_place = in_place and self.out_dir.is_dir()
        self.manifest: dict[str, Entry] = {}
        self.written: list[str] = []
        self.unchanged = 0
        self._dirs: set[Path] = set()
        # Creating files and folders waits on the filesystem, not the CPU: a few threads hide that wait
        # (on some disks a mkdir takes half a millisecond), the way Hugo writes in parallel.
        self._io = ThreadPoolExecutor(max_workers=4, thread_name_prefix="explainer-write")
        self._pending: list[Future] = []
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        self.root = self.out_dir if self.in_place else Path(
            tempfile.mkdtemp(prefix=f".{self.out_dir.name}.new-", dir=self.out_dir.parent))

    def page(self, rel: str, data: bytes) -> None:
        self._put(rel, digest(data), data)

    def file(self, rel: str, source: Path) -> None:
        data = source.read_bytes()
        self._put(rel, digest(data), data)

    def keep(self, rel: str) -> bool:
        """Carry the previous build's file over without re-rendering it; False when it cannot be trusted."""
        entry = self._previous_entry(rel)
        if entry is None:
            return False
        self._reuse(rel, entry)
        return True

    def finish(self) -> WriteReport:
        self._wait_for_writes()
        stale = sorted(self._stale())
        if self.in_place:
            for rel in stale:
                (self.out_dir / rel).unlink(missing_ok=True)
                _remove_empty_parents(self.out_dir / rel, self.out_dir)
        else:
            self.root.chmod(0o755)   # mkdtemp makes it private; a web server must read the site
            _swap(self.root, self.out_dir)
        return WriteReport(len(self.written), self.unchanged, len(stale),
                           tuple(self.written) + tuple(stale), dict(sorted(self.manifest.items())))

    def abort(self) -> None:
        self._io.shutdown(wait=True, cancel_futures=True)
        if not self.in_place:
            shutil.rmtree(self.root, ignore_errors=True)

    def _put(self, rel: str, data_digest: str, data: bytes) -> None:
        entry = self._previous_entry(rel)
        if entry is not None and entry[0] == data_digest:
            self._reuse(rel, entry)
        elif entry is None and rel not in self.previous and _same_bytes(self.out_dir / rel, data):
            self._reuse(rel, None, data_digest)
        else:
            self._pending.append(self._io.submit(self._write_new, rel, data_digest, data))
            self.written.append(rel)

    def _write_new(self, rel: str, data_digest: str, data: bytes) -> tuple[str, Entry]:
        target = self.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if self.in_place:
            atomic_write(target, data)
        else:
            target.write_bytes(data)
        st = target.stat()
        return rel, (data_digest, st.st_size, st.st_mtime_ns)

    def _wait_for_writes(self) -> None:
        try:
            for future in self._pending:
                rel, entry = future.result()
                self.manifest[rel] = entry
        finally:
            self._io.shutdown(wait=True)

    def _previous_entry(self, rel: str) -> Entry | None:
        """The manifest entry for `rel`, if the file on disk is still the one we wrote."""
        entry = self.previous.get(rel)
        if entry is None:
            return None
        try:
            st = (self.out_dir / rel).stat()
        except OSError:
            return None
        return entry if (st.st_size, st.st_mtime_ns) == (entry[1], entry[2]) else None

    def _reuse(self, rel: str, entry: Entry | None, data_digest: str = "") -> None:
        old = self.out_dir / rel
        if not self.in_place:
            target = self.root / rel
            self._mkdir(target.parent)
            try:
                os.link(old, target)
            except OSError:
                shutil.copy2(old, target)   # a filesystem without hard links
        if entry is None:
            st = old.stat()
            entry = (data_digest, st.st_size, st.st_mtime_ns)
        self.manifest[rel] = entry
        self.unchanged += 1

    def _stale(self) -> list[str]:
        """Files of the previous build that this one did not produce."""
        if self.previous:
            return [rel for rel in self.previous if rel not in self.manifest]
        if not self.out_dir.is_dir():
            return []
        return [rel for p in self.out_dir.rglob("*")
                if p.is_file() and (rel := p.relative_to(self.out_dir).as_posix()) not in self.manifest]

    def _mkdir(self, folder: Path) -> None:
        if folder not in self._dirs:
            folder.mkdir(parents=True, exist_ok=True)
            self._dirs.add(folder)


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def atomic_write(path: Path, data: bytes) -> None:
    """Write a file so that readers see the old bytes or the new ones, never half of them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _remove_empty_parents(path: Path, top: Path) -> None:
    folder = path.parent
    while folder != top and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _swap(staging: Path, out_dir: Path) -> None:
    if not out_dir.exists():
        os.replace(staging, out_dir)
        return
    trash = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    os.replace(out_dir, trash / out_dir.name)
    os.replace(staging, out_dir)
    shutil.rmtree(trash, ignore_errors=True)
