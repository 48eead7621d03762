"""The only module that writes the site.

Every build writes into a staging folder beside the output first, so nothing in the output changes until
every page has been rendered and written. A full build then swaps the staging folder in with one atomic
exchange: readers and the previous site never see half a build, and there is always a site. An incremental
build (nothing but a few explainers changed, checked against the manifest of what we wrote last time) moves
just the changed files in, one atomic rename each, and puts the old ones back if any of them cannot be
moved. Files whose bytes did not change are left alone (same inode, same modification time).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .errors import ContentError, ExplainerError
from .outfolder import MARKER, MARKER_TEXT, TEMP_SUFFIX, cannot_write, is_scratch_name, make_scratch, remove_tree, swap
from .problems import Place

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

Entry = tuple[str, int, int]    # (digest of the bytes, size, mtime_ns) of an output file as we left it
INLINE_WRITES = 8               # new files a writer writes itself before it starts its threads


class _Done:
    """A file written in the calling thread, answering as the Future of one the threads wrote would: its
    result, or the error writing it raised, when asked (so errors reach the writer where they always did)."""

    def __init__(self, write: Callable[..., tuple[str, Entry]], *args: Any):
        self.value: tuple[str, Entry] | None = None
        self.error: Exception | None = None
        try:
            self.value = write(*args)
        except Exception as err:
            self.error = err

    def result(self) -> tuple[str, Entry]:
        if self.error is not None:
            raise self.error
        return cast(tuple, self.value)


@dataclass(frozen=True)
class WriteReport:
    """What the writer did to the output folder: files written, kept and removed, and its manifest."""
    written: int                    # files whose bytes changed (or are new)
    unchanged: int                  # files kept as they were
    deleted: int                    # files of the previous build that are gone
    changed_paths: tuple[str, ...]  # written and deleted files, relative to the output folder
    manifest: dict[str, Entry] = field(default_factory=dict)


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def as_written(out_dir: Path, rel: str, entry: Entry) -> bool:
    """The output file is still the one the manifest entry describes (same size and modification time)."""
    try:
        st = os.stat(f"{out_dir}/{rel}")        # not Path: this runs for every page a build carries over
    except OSError:
        return False
    return (st.st_size, st.st_mtime_ns) == (entry[1], entry[2])


class SiteWriter:
    """Receives the files of one build, one at a time, and puts the whole site in place at `finish`."""

    def __init__(self, out_dir: Path, previous: dict[str, Entry] | None = None, in_place: bool = False,
                 trusted: bool = False):
        """`previous`: the manifest of the last build into `out_dir`; each file it lists is checked (size and
        modification time) before it is carried over, unless `trusted` (a folder nobody else writes)."""
        out = Path(os.path.abspath(out_dir))
        self.out_dir = out.parent.resolve() / out.name     # never through a symlink at the end: see outfolder
        self.previous = previous or {}
        self.in_place = in_place and self.out_dir.is_dir()
        self.trusted = trusted
        self.manifest: dict[str, Entry] = {}
        self.written: list[str] = []
        self.unchanged = 0
        self._dirs: set[Path] = set()
        # Creating files and folders waits on the filesystem, not the CPU: a few threads hide that wait
        # (on some disks a mkdir takes half a millisecond), the way Hugo writes in parallel. They start after
        # the writer's first INLINE_WRITES new files: a build that writes a few (one edit) writes them itself.
        self._io: ThreadPoolExecutor | None = None
        self._pending: list[Future | _Done] = []
        try:
            self.root = make_scratch(self.out_dir, "new")    # new bytes wait here, beside the output
        except OSError as err:
            raise cannot_write(err, self.out_dir) from None

    def page(self, rel: str, data: bytes) -> None:
        data_digest = digest(data)
        self._put(rel, data_digest, lambda path: _same_bytes(path, data), self._write_new, rel, data_digest, data)

    def file(self, rel: str, source: Path) -> None:
        try:
            data = source.read_bytes()
        except OSError as err:
            raise ContentError(f"cannot read this file: {err.strerror or err}", Place(source),
                               hint="check that it is a readable file") from None
        self.page(rel, data)

    def known_file(self, rel: str, data_digest: str, read: Callable[[], bytes]) -> None:
        """A file whose digest is known without reading it (an encoded image, named by it in the cache):
        the previous build's copy is kept when it is that file, else `read` gives the bytes."""
        entry = self._previous_entry(rel)
        if entry is not None and data_digest and entry[0] == data_digest:
            self._reuse(rel, entry)
        else:
            self.page(rel, read())

    def cached_file(self, rel: str, source: Path, data_digest: str) -> None:
        """A file of the build's own cache (a social card) whose digest its name gives, hard-linked into the
        site rather than copied: the cache never changes a file in place and checks each against its digest
        before using it, so the two may share it; and a new file costs far more than a link (benchmarks/README.md,
        "Social cards: where the system time went")."""
        self._put(rel, data_digest, lambda path: _same_contents(path, source), self._link_new, rel, source,
                  data_digest)

    def keep(self, rel: str) -> bool:
        """Carry the previous build's file over without re-rendering it; False when it cannot be trusted."""
        entry = self._previous_entry(rel)
        if entry is None:
            return False
        self._reuse(rel, entry)
        return True

    def source_of(self, rel: str) -> Path:
        """The file holding `rel` as this build publishes it: staged when written (or, in a full build, kept)
        by this build, else the output folder's."""
        for future in self._pending:
            future.result()    # written through; finish collects the results again
        staged = self.root / rel
        return staged if staged.is_file() else self.out_dir / rel

    def finish(self) -> WriteReport:
        self.page(MARKER, MARKER_TEXT)
        try:
            self._wait_for_writes()
            stale = sorted(self._stale())
            if self.in_place:
                self._move_in(stale)
            else:
                self.root.chmod(0o755)   # mkdtemp makes it private; a web server must read the site
                swap(self.root, self.out_dir)
        except OSError as err:
            self.abort()
            raise cannot_write(err, self.out_dir) from None
        return WriteReport(len(self.written), self.unchanged, len(stale),
                           tuple(self.written) + tuple(stale), dict(sorted(self.manifest.items())))

    def abort(self) -> None:
        if self._io is not None:
            self._io.shutdown(wait=True, cancel_futures=True)
        if self.root.exists():
            remove_tree(self.root)

    def _put(self, rel: str, data_digest: str, holds_it: Callable[[Path], bool],
             make: Callable[..., tuple[str, Entry]], *args: Any) -> None:
        """Keep the previous build's file when it is this one (by its digest; a file the manifest does not
        list, when `holds_it`); else `make(*args)` puts it in the staging folder: the first INLINE_WRITES
        files in this thread, the others in the writer's threads."""
        entry = self._previous_entry(rel)
        if entry is not None and entry[0] == data_digest:
            self._reuse(rel, entry)
        elif entry is None and rel not in self.previous and holds_it(self.out_dir / rel):
            self._reuse(rel, None, data_digest)
        elif self._io is None and len(self._pending) < INLINE_WRITES:
            self._pending.append(_Done(make, *args))
            self.written.append(rel)
        else:
            if self._io is None:
                from concurrent.futures import ThreadPoolExecutor  # (with logging) for a build that writes many
                self._io = ThreadPoolExecutor(max_workers=4, thread_name_prefix="explainer-write")
            self._pending.append(self._io.submit(make, *args))
            self.written.append(rel)

    def _write_new(self, rel: str, data_digest: str, data: bytes) -> tuple[str, Entry]:
        target = self.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        st = target.stat()     # a rename keeps the inode: still true once the file is in the output folder
        return rel, (data_digest, st.st_size, st.st_mtime_ns)

    def _link_new(self, rel: str, source: Path, data_digest: str) -> tuple[str, Entry]:
        target = self.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            _link_or_copy(source, target)
        except OSError as err:
            raise ContentError(f"cannot read this file: {err.strerror or err}", Place(source),
                               hint="build again: the cache is checked and made again where it is damaged") from None
        st = target.stat()
        return rel, (data_digest, st.st_size, st.st_mtime_ns)

    def _wait_for_writes(self) -> None:
        try:
            for future in self._pending:
                rel, entry = future.result()
                self.manifest[rel] = entry
        finally:
            if self._io is not None:
                self._io.shutdown(wait=True)

    def _move_in(self, stale: list[str]) -> None:
        """Move the new files into the output folder and delete the stale ones, or, if any step fails,
        put everything back as it was."""
        moves = _Moves(self.out_dir, make_scratch(self.out_dir, "old"))
        try:
            for rel in sorted(self.written, key=_reader_order):
                moves.replace(rel, self.root / rel)
            for rel in stale:
                moves.delete(rel)
        except BaseException:
            moves.undo()
            raise
        finally:
            remove_tree(moves.backup)
            remove_tree(self.root)
        for rel in stale:
            _remove_empty_parents(self.out_dir / rel, self.out_dir)

    def _previous_entry(self, rel: str) -> Entry | None:
        """The manifest entry for `rel`, if the file on disk is still the one we wrote."""
        entry = self.previous.get(rel)
        return entry if entry is not None and (self.trusted or as_written(self.out_dir, rel, entry)) else None

    def _reuse(self, rel: str, entry: Entry | None, data_digest: str = "") -> None:
        if not self.in_place or entry is None:     # in place, a file the manifest describes stays as it is
            old = self.out_dir / rel
            if not self.in_place:
                target = self.root / rel
                self._mkdir(target.parent)
                _link_or_copy(old, target)
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
                if p.is_file() and not is_scratch_name(p.name)
                and (rel := p.relative_to(self.out_dir).as_posix()) not in self.manifest]

    def _mkdir(self, folder: Path) -> None:
        if folder not in self._dirs:
            folder.mkdir(parents=True, exist_ok=True)
            self._dirs.add(folder)


class _Moves:
    """Changes to the output folder that can be undone: each replaced or deleted file is first hard-linked
    into `backup` (same inode, so putting it back restores its bytes and modification time)."""

    def __init__(self, out_dir: Path, backup: Path):
        self.out_dir, self.backup = out_dir, backup
        self.saved: list[str] = []          # files now in the backup folder
        self.created: list[str] = []        # files that did not exist before
        self.folders: list[Path] = []       # folders made for new files

    def replace(self, rel: str, new: Path) -> None:
        target = self.out_dir / rel
        existed = self._save(rel)
        self._make_parents(target.parent)
        os.replace(new, target)
        if not existed:
            self.created.append(rel)

    def delete(self, rel: str) -> None:
        self._save(rel)
        (self.out_dir / rel).unlink(missing_ok=True)

    def undo(self) -> None:
        for rel in reversed(self.created):
            (self.out_dir / rel).unlink(missing_ok=True)
        for folder in reversed(self.folders):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        for rel in reversed(self.saved):
            target = self.out_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.backup / rel, target)

    def _save(self, rel: str) -> bool:
        target = self.out_dir / rel
        if not target.is_file():
            return False
        saved = self.backup / rel
        saved.parent.mkdir(parents=True, exist_ok=True)
        _link_or_copy(target, saved)
        self.saved.append(rel)
        return True

    def _make_parents(self, folder: Path) -> None:
        missing = []
        while not folder.is_dir() and folder != self.out_dir:
            missing.append(folder)
            folder = folder.parent
        for folder in reversed(missing):
            folder.mkdir()
            self.folders.append(folder)


def _reader_order(rel: str) -> tuple[int, str]:
    """Assets first, then pages, then the pages and feeds that link to them: a reader of the live site
    never follows a link to a file that is not there yet."""
    if rel in ("index.html", "404.html") or rel.endswith((".xml", "pagefind-entry.json")):   # it names the index files
        return 2, rel
    return (1 if rel.endswith(".html") else 0), rel


def _link_or_copy(old: Path, new: Path) -> None:
    try:
        os.link(old, new)
    except OSError:
        shutil.copy2(old, new)   # a filesystem without hard links


def _same_contents(path: Path, source: Path) -> bool:
    try:
        return path.stat().st_size == source.stat().st_size and path.read_bytes() == source.read_bytes()
    except OSError:
        return False


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def clashes(from_content: dict[str, Path], generated: list[str]) -> list[ExplainerError]:
    """Errors for the content files (output path → source) that would replace a generated file, or need a
    folder where one is, or a file where its folder is; compared without case, as macOS and Windows do.
    A generated path ending in `/` is a folder the build fills whole (`pagefind/`): nothing may go in it."""
    if not from_content:
        return []           # most builds: bundles whose pictures are published as derivatives only
    taken = {rel.casefold(): rel for rel in generated}
    folders = {folder.casefold(): rel for rel in generated for folder in _folders_of(rel)}
    owned = [rel for rel in generated if rel.endswith("/")]
    errors: list[ExplainerError] = []
    for rel, path in from_content.items():
        key = rel.casefold()
        other = taken.get(key) or folders.get(key) or next(
            (taken[f] for f in map(str.casefold, _folders_of(rel)) if f in taken), None) or next(
            (folder for folder in owned if key.startswith(folder.casefold())), None)
        if other is not None:
            errors.append(ContentError(
                f"this file would be published as {rel}, which clashes with {other}, written by the build itself",
                Place(path), hint="rename or move it; to change a generated page, override its "
                "template in themes/, as the README's Themes section shows"))
    return errors


def _folders_of(rel: str) -> list[str]:
    parts = rel.split("/")[:-1]
    return ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]


def atomic_write(path: Path, data: bytes) -> None:
    """Write a file so that readers see the old bytes or the new ones, never half of them."""
    atomic_write_pieces(path, (data,))


def atomic_write_pieces(path: Path, pieces: Iterable[bytes], *, unlink_first: bool = False) -> None:
    """`atomic_write` of the pieces one after the other, made as they are written (never all in memory).

    `unlink_first` (the build cache's big files, which a reader that finds none takes for a miss): the old
    file is removed just before the new one is renamed into its place, so there may be a moment without
    either. A rename over an existing file makes ext4 write the new file's blocks out there and then
    (auto_da_alloc: 11-13 ms for a 4.6 MB file here); a rename to a free name does not."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            for piece in pieces:
                handle.write(piece)
        os.chmod(tmp, 0o644)
        if unlink_first:
            path.unlink(missing_ok=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _remove_empty_parents(path: Path, top: Path) -> None:
    folder = path.parent
    while folder != top and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
