"""The no-op build: a small record, `noop-<key>.json` in `.explainer-cache/`, of everything the last
build's output depends on, checked before the command line imports any of the pipeline (YAML, the model,
Markdown, Jinja2). When all of it is as the record says, `explainer build` prints what that build's warm
run prints and stops; anything else (or a record that is damaged, foreign, of another version) takes the
normal path, which checks the same things again in its own way.

What the record holds, as JSON (data only, every value checked as it is read):

- the command's options that change the output (the folders resolved, the working folder, --theme,
  --drafts, --future, --base-url, --as-of), the interpreter's version and `sys.path`, as one digest;
- site.yml's SHA-256 (the digest the configuration keys the cache on);
- the stamps of the generator's own files and of every folder on `sys.path` (a library installed,
  upgraded or removed changes one);
- every input folder by inode and modification time, stamped before its files were listed (a file added,
  removed or renamed in it changes that), and every input file by modification time and size, as the
  build's scan stamped them (`stamps.Snapshot`): the same promise as the normal path's stamps;
- the clock window in which the selection of explainers holds (the newest published date to the next
  scheduled one; with --as-of, the moment it named), the only input that is time;
- the output folder's files (size, mtime) and folders (inode, mtime) as the build left them;
- what the warm build prints: the numbers of its summary and its warnings.

This module is the bottom of `incremental/`: the standard library only, so the check costs little more
than starting Python. It also holds the output stamps both paths check (`files_unchanged`,
`folders_unchanged`) and the cache's file key.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .. import __version__

CACHE_DIR = ".explainer-cache"
SCHEMA = 2
TAG = f"explainer {__version__} python {sys.version} noop {SCHEMA}"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MICROSECOND = timedelta(microseconds=1)

FolderStamps = list[list]     # [path, inode, mtime_ns]; [path, None, None]: the path did not exist


def folders_key(content_dir: Path, out_dir: Path) -> str:
    """The part of a cache file's name that says which content and output folders it belongs to."""
    return hashlib.blake2b(f"{content_dir.resolve()}\0{out_dir.resolve()}".encode("utf-8", "surrogatepass"),
                           digest_size=8).hexdigest()


def record_path(content_dir: Path, out_dir: Path) -> Path:
    return content_dir.resolve().parent / CACHE_DIR / f"noop-{folders_key(content_dir, out_dir)}.json"


def options_key(content_dir: Path, out_dir: Path, theme: str | None, drafts: bool, future: bool,
                base_url: str | None, as_of: datetime | None) -> str:
    """The command's options that can change the output, and where and with what it runs, as one digest."""
    options = [os.getcwd(), str(content_dir.resolve()), str(out_dir.resolve()), theme, bool(drafts), bool(future),
               base_url, as_of.isoformat() if as_of else None, sys.path, sys.version]
    return hashlib.blake2b(repr(options).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def site_digest(site_file: Path) -> str | None:
    """site.yml's digest as the configuration takes it (config.site_digest): "" when there is none; None for
    anything but a plain file (the normal path says what is wrong with it)."""
    try:
        mode = os.lstat(site_file).st_mode
    except FileNotFoundError:
        return ""
    except OSError:
        return None
    if not stat.S_ISREG(mode):
        return None
    try:
        return hashlib.sha256(site_file.read_bytes()).hexdigest()
    except OSError:
        return None


# The stamps. ---------------------------------------------------------------------------------------------

def folder_stamps(tops: Iterable[Path], skip_at_top: Callable[[os.DirEntry], bool] = lambda entry: False
                  ) -> FolderStamps | None:
    """Every folder below (and with) `tops`, each stamped before it is listed, so that whatever is added to,
    removed from or renamed in it after this changes its stamp; a missing top is stamped as missing. The
    entries `skip_at_top` says are stamped elsewhere or never read are not entered at the first level. None
    when a link is found (a link's target can change without any folder here changing): such a site always
    takes the normal path."""
    stamps: FolderStamps = []
    for top in tops:
        pending = [(os.fspath(top), True)]
        while pending:
            folder, first = pending.pop()
            try:
                st = os.stat(folder)
            except FileNotFoundError:
                if first:
                    stamps.append([folder, None, None])
                    continue
                return None
            except OSError:
                return None
            stamps.append([folder, st.st_ino, st.st_mtime_ns])
            try:
                with os.scandir(folder) as entries:
                    for entry in entries:
                        if (first and skip_at_top(entry)) or entry.name == "__pycache__":
                            continue
                        if entry.is_symlink():
                            return None
                        if entry.is_dir(follow_symlinks=False):
                            pending.append((entry.path, False))
            except OSError:
                return None
    return stamps


def code_stamps() -> list[list] | None:
    """The generator's own folders and files, and the folders on sys.path: a package installed, upgraded or
    removed there (the libraries' versions) changes one of these."""
    here = Path(__file__).resolve().parent.parent
    folders = folder_stamps([here])
    if folders is None:
        return None
    stamps = list(folders)
    try:
        files: list[str] = []
        for folder, _, _ in folders:
            with os.scandir(folder) as entries:
                files += [e.path for e in entries if e.is_file(follow_symlinks=False)]
        for entry in sys.path:
            try:
                st = os.stat(entry or ".")
                stamps.append([entry or ".", st.st_ino, st.st_mtime_ns])
            except FileNotFoundError:
                stamps.append([entry or ".", None, None])
        for path in sorted(files):
            st = os.stat(path)
            stamps.append([path, st.st_size, st.st_mtime_ns])
    except OSError:
        return None
    return stamps


def _files_now(stamps: object) -> list[list] | None:
    """Each file's [path, size, mtime_ns] as stat says now, in the order of `stamps` (the record's); None when
    they are not a list of such stamps (a file gone raises FileNotFoundError: not as it was)."""
    if type(stamps) is not list:
        return None
    stat_of = os.stat
    now = []
    for path, _, _ in stamps:
        if type(path) is not str:
            return None
        st = stat_of(path)
        now.append([path, st.st_size, st.st_mtime_ns])
    return now


def _folders_hold(stamps: object) -> bool:
    """Each [path, inode, mtime_ns] is as stat says; [path, None, None]: the path still does not exist."""
    if type(stamps) is not list:
        return False
    stat_of = os.stat
    for path, inode, mtime in stamps:
        try:
            st = stat_of(path)
        except FileNotFoundError:
            if inode is None and mtime is None:
                continue
            return False
        if st.st_mtime_ns != mtime or st.st_ino != inode:
            return False
    return True


def _stamps_hold(stamps: object) -> bool:
    """Each [path, a, b] is as stat says: (inode, mtime) of a folder, (size, mtime) of a file; [path, None,
    None] for a path that must not exist."""
    if type(stamps) is not list:
        return False
    for stamp in stamps:
        path, first, second = stamp
        try:
            st = os.stat(path)
        except FileNotFoundError:
            if first is None and second is None:
                continue
            return False
        except (OSError, TypeError, ValueError):
            return False
        if stat.S_ISDIR(st.st_mode):
            if st.st_ino != first or st.st_mtime_ns != second:
                return False
        elif st.st_size != first or st.st_mtime_ns != second:
            return False
    return True


def files_unchanged(out_dir: Path, outputs: object) -> bool:
    """The output files are as the build left them: output file → [size, mtime_ns]."""
    if type(outputs) is not dict:
        return False
    top = os.fspath(out_dir)
    for rel, entry in outputs.items():
        try:
            st = os.stat(f"{top}/{rel}")
        except (OSError, TypeError, ValueError):
            return False
        if [st.st_size, st.st_mtime_ns] != entry:
            return False
    return True


def folders_unchanged(out_dir: Path, folders: object) -> bool:
    """The output folders are as the build left them: folder ("" for the top) → [inode, mtime_ns]."""
    if not folders or type(folders) is not dict:
        return False
    top = os.fspath(out_dir)
    for rel, stamp in folders.items():
        try:
            st = os.stat(f"{top}/{rel}" if rel else top)    # not Path: this runs on every warm build
        except (OSError, TypeError, ValueError):
            return False
        if not isinstance(stamp, (list, tuple)) or (st.st_ino, st.st_mtime_ns) != tuple(stamp):
            return False
    return True


def microseconds(moment: datetime | None) -> int | None:
    """A moment as whole microseconds since 1970 (exact, unlike a float); it must know its time zone."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("a moment without a time zone")
    return (moment - EPOCH) // MICROSECOND


# The record and its check. --------------------------------------------------------------------------------

class Next:
    """The next explainer to go live, as the summary names it."""

    def __init__(self, slug: str, date: datetime):
        self.slug, self.date = slug, date


class Restat:
    """What the check found when every input folder is as the record says (so each lists the files it listed
    for the last build) and only input files' stamps may differ: the last build's scan (the record's `scan`)
    and every input file's stamp as stat gave it now, before the build reads any. The build takes these for
    its own scan of the inputs (stamps.from_record) instead of listing every folder again."""

    def __init__(self, scan: object, folders: FolderStamps, files: list[list], changed: tuple[str, ...]):
        self.scan, self.folders, self.files = scan, folders, files
        self.changed = changed      # the files whose stamp differs from the record's, as the record spells them


class Unchanged:
    """The report of a build that found, from the record alone, nothing to do: what the CLI prints."""
    written = deleted = images_encoded = 0

    def __init__(self, explainers: int, pages: int, unchanged: int, drafts: int, next_scheduled: Next | None,
                 warnings: tuple[str, ...], seconds: float):
        self.explainers, self.pages, self.unchanged, self.drafts_skipped = explainers, pages, unchanged, drafts
        self.next_scheduled, self.warnings, self.seconds = next_scheduled, warnings, seconds
        self.timings = {"no-op": seconds}


def record_data(key: str, content_dir: Path, out_dir: Path, site_file: Path, site_sha: str,
                folders: FolderStamps, files: Iterable[tuple], code: list, window: tuple[int | None, int | None],
                as_of: int | None, outputs: dict, out_folders: dict, printed: dict, scan: dict | None = None) -> dict:
    """The record's JSON value. `files` are the scan's stamps, (path, mtime_ns, size); `scan`, how they make
    the scan (stamps.scan_record), for a build that finds only files changed (`Restat`)."""
    return {"tag": TAG, "for": [str(content_dir.resolve()), str(out_dir.resolve())], "key": key,
            "site": [str(site_file), site_sha], "code": code, "folders": folders, "scan": scan,
            "files": [[path, size, mtime] for path, mtime, size in files], "window": list(window),
            "as_of": as_of, "outputs": outputs, "out_folders": out_folders, "printed": printed}


def up_to_date(content_dir: Path, out_dir: Path, key: str, as_of: bool) -> Unchanged | Restat | None:
    """The report of this build when the record says nothing it depends on changed; a `Restat` when only
    input files (not folders, site.yml or the code) may have changed; None otherwise (the normal path then
    runs, as if there were no record)."""
    started = time.perf_counter()
    try:
        path = record_path(content_dir, out_dir)
        data = json.loads(path.read_bytes())
        return _check(data, content_dir, out_dir, key, as_of, started)
    except (OSError, ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError):
        return None


def _check(data: object, content_dir: Path, out_dir: Path, key: str, as_of: bool, started: float
           ) -> Unchanged | Restat | None:
    if type(data) is not dict or data.get("tag") != TAG or data.get("key") != key or \
            data.get("for") != [str(content_dir.resolve()), str(out_dir.resolve())]:
        return None
    site_file, sha = data["site"]
    if type(sha) is not str or site_digest(Path(site_file)) != sha:
        return None
    if not (_folders_hold(data["folders"]) and _stamps_hold(data["code"])):
        return None
    files = _files_now(data["files"])
    if files is None:
        return None
    changed = tuple(now[0] for now, before in zip(files, data["files"]) if now != before)
    restat = Restat(data.get("scan"), data["folders"], files, changed)
    if changed:
        return restat
    since, until = data["window"]
    now = data["as_of"] if as_of else time.time_ns() // 1000
    if type(now) is not int or not (since is None or since <= now) or not (until is None or now < until):
        return restat
    try:
        out_mode = os.lstat(out_dir).st_mode
    except OSError:
        return restat
    if not stat.S_ISDIR(out_mode) or _leftovers_beside(out_dir):
        return restat
    if not (files_unchanged(out_dir, data["outputs"]) and folders_unchanged(out_dir, data["out_folders"])):
        return restat
    printed = data["printed"]
    scheduled = printed["next"]
    warnings = printed["warnings"]
    if type(warnings) is not list or not all(type(w) is str for w in warnings):
        return None
    numbers = [printed["explainers"], printed["pages"], printed["drafts"]]
    if not all(type(n) is int for n in numbers):
        return None
    next_scheduled = None
    if scheduled is not None:
        slug, date = scheduled
        if type(slug) is not str:
            return None
        next_scheduled = Next(slug, datetime.fromisoformat(date))
    return Unchanged(numbers[0], numbers[1], len(data["outputs"]), numbers[2], next_scheduled, tuple(warnings),
                     time.perf_counter() - started)


def _leftovers_beside(out_dir: Path) -> bool:
    """Staging folders of a killed build may lie beside the output: the normal path removes them."""
    out = os.path.abspath(out_dir)
    prefix = "." + os.path.basename(out) + "."
    with os.scandir(os.path.dirname(out)) as entries:
        return any(entry.name.startswith(prefix) for entry in entries)
