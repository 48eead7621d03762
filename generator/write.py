"""The only module that writes the site: a staging folder beside the output, then a swap."""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError


@dataclass(frozen=True)
class WriteReport:
    written: int        # files whose bytes changed (or are new)
    unchanged: int      # files kept as they were (same bytes, same mtime)
    deleted: int        # files of the previous build that are gone
    changed_paths: tuple[str, ...]


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


def replace_tree(out_dir: Path, pages: dict[str, bytes], files: dict[str, Path]) -> WriteReport:
    """Make `out_dir` hold exactly `pages` and `files`, in one swap; files with unchanged bytes keep their mtime."""
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    try:
        written, unchanged = [], 0
        made_dirs: set[Path] = set()
        for rel, data in pages.items():
            if _stage(staging / rel, out_dir / rel, made_dirs, data=data):
                unchanged += 1
            else:
                written.append(rel)
        for rel, source in files.items():
            if _stage(staging / rel, out_dir / rel, made_dirs, source=source):
                unchanged += 1
            else:
                written.append(rel)
        deleted = _count_stale(out_dir, set(pages) | set(files))
        _swap(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return WriteReport(len(written), unchanged, deleted, tuple(written))


def update_tree(out_dir: Path, pages: dict[str, bytes], files: dict[str, Path],
                previous_pages: dict[str, bytes], previous_files: dict[str, Path]) -> WriteReport:
    """Update a folder this process wrote before, in place: only changed files are rewritten (each atomically).

    For the preview server's private folder, where a swap of the whole tree would be wasted work.
    """
    out_dir = out_dir.resolve()
    written: list[str] = []
    for rel, data in pages.items():
        if previous_pages.get(rel) != data or not (out_dir / rel).is_file():
            _atomic_write(out_dir / rel, data)
            written.append(rel)
    for rel, source in files.items():
        target = out_dir / rel
        if previous_files.get(rel) != source or not _same(target, None, source):
            _atomic_write(target, source.read_bytes())
            written.append(rel)
    stale = (set(previous_pages) | set(previous_files)) - set(pages) - set(files)
    for rel in sorted(stale):
        (out_dir / rel).unlink(missing_ok=True)
        _remove_empty_parents(out_dir / rel, out_dir)
    unchanged = len(pages) + len(files) - len(written)
    return WriteReport(len(written), unchanged, len(stale), tuple(written) + tuple(sorted(stale)))


def _atomic_write(path: Path, data: bytes) -> None:
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


def _stage(dest: Path, old: Path, made_dirs: set[Path], data: bytes | None = None,
           source: Path | None = None) -> bool:
    """Put one file into the staging folder; True when the previous build's file was reused."""
    if dest.parent not in made_dirs:
        dest.parent.mkdir(parents=True, exist_ok=True)
        made_dirs.add(dest.parent)
    if _same(old, data, source):
        try:
            os.link(old, dest)
            return True
        except OSError:
            pass   # a filesystem without hard links: write a copy below
    if data is not None:
        dest.write_bytes(data)
    else:
        shutil.copyfile(source, dest)
    return False


def _same(old: Path, data: bytes | None, source: Path | None) -> bool:
    try:
        size = old.stat().st_size
    except OSError:
        return False
    if data is not None:
        return size == len(data) and old.read_bytes() == data
    return size == source.stat().st_size and old.read_bytes() == source.read_bytes()


def _count_stale(out_dir: Path, keep: set[str]) -> int:
    if not out_dir.is_dir():
        return 0
    return sum(1 for p in out_dir.rglob("*") if p.is_file() and p.relative_to(out_dir).as_posix() not in keep)


def _swap(staging: Path, out_dir: Path) -> None:
    staging.chmod(0o755)   # mkdtemp makes it private; a web server must read the site
    if not out_dir.exists():
        os.replace(staging, out_dir)
        return
    trash = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    os.replace(out_dir, trash / out_dir.name)
    os.replace(staging, out_dir)
    shutil.rmtree(trash, ignore_errors=True)
