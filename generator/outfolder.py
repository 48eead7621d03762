"""The output folder: which one a build may replace, how it is swapped in, and what killed builds leave.

Every build writes `MARKER` into its output folder. A build accepts a missing or empty folder, one holding
the marker, or one the previous build's manifest proves is ours (sites built before the marker existed);
anything else is refused unless `--force`. Files, devices, pipes and symlinks are never replaced. Staging
folders beside the output are named `.<name>.<kind>-<pid>-<random>`, so the next build can tell those of
dead processes from those of a build still running, and remove them. A full build's new tree replaces the
old one with one atomic exchange (Linux renameat2), so there is never a moment without a site.
"""
from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from .errors import ConfigError

MARKER = ".explainer-site"
MARKER_TEXT = b"Made by explainer build: the next build replaces this folder and everything in it.\n"
TEMP_SUFFIX = ".explainer-tmp"        # the end of every temporary file name explainer writes
SCRATCH_KINDS = ("new", "old", "bodies", "search")
STALE_AFTER = 24 * 3600               # seconds; then even a folder whose pid is alive (reused) is removed
RENAME_EXCHANGE = 2             # renameat2 flag (linux/fs.h)
AT_FDCWD = -100
RENAMEAT2_SYSCALL = {"x86_64": 316, "aarch64": 276, "armv7l": 382, "ppc64le": 357, "s390x": 347,
                     "riscv64": 276, "i686": 353}

# What an interrupted build may leave: `.site.new-1234-abcd_123` beside the output (before the pid was in
# the name: `.site.new-abcd_123`); inside it, `.index.html.abcd_123` from the in-place writes of old versions.
_RANDOM = r"[a-z0-9_]{8}"
_OLD_TEMP_FILE = re.compile(rf"^\..+\.{_RANDOM}$")


def scratch_prefix(out_dir: Path, kind: str) -> str:
    """The name start of a staging folder beside `out_dir` (mkdtemp adds the random part)."""
    return f".{Path(os.path.abspath(out_dir)).name}.{kind}-{os.getpid()}-"


def make_scratch(out_dir: Path, kind: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=scratch_prefix(out_dir, kind), dir=make_parent(out_dir)))


def scratch_folder(out_dir: Path, kind: str) -> tempfile.TemporaryDirectory:
    """A staging folder beside `out_dir` that is removed when dropped (or, if the build is killed, by the next)."""
    try:
        return tempfile.TemporaryDirectory(prefix=scratch_prefix(out_dir, kind), dir=make_parent(out_dir))
    except OSError as err:
        raise cannot_write(err, out_dir) from None


def make_parent(out_dir: Path) -> Path:
    """The folder the output folder is in, made if needed (staging folders go there, beside it)."""
    parent = Path(os.path.abspath(out_dir)).parent
    parent.mkdir(parents=True, exist_ok=True)
    return parent


def is_scratch_name(name: str) -> bool:
    """A file name inside a site that is explainer's bookkeeping, never part of what is published."""
    return name == MARKER or name.endswith(TEMP_SUFFIX) or bool(_OLD_TEMP_FILE.match(name))


def check_output_folder(out_dir: Path, content_dir: Path) -> None:
    """Refuse an output path that is not a folder, or whose replacement would destroy the user's work."""
    out_abs = Path(os.path.abspath(out_dir))
    _check_parents(out_dir, out_abs)
    try:
        mode = os.lstat(out_abs).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and stat.S_ISLNK(mode):
        target = os.path.realpath(out_abs)
        raise ConfigError(f"{out_dir} is a symlink (to {target}): a build never replaces what a link points to",
                          hint=f"build into the folder itself with --out {target}, or remove the link")
    if mode is not None and not stat.S_ISDIR(mode):
        raise ConfigError(f"{out_dir} is {_kind(mode)}, not a folder: a build never replaces it",
                          hint="pass --out with a folder of its own, e.g. --out site")
    out, content = out_abs.resolve(), content_dir.resolve()
    if out == content or out in content.parents or content in out.parents:
        raise ConfigError(f"the output folder {out_dir} overlaps the content folder {content_dir}",
                          hint="pass --out with a separate folder, e.g. --out site")
    if out == Path.home().resolve() or out == Path(out.anchor) or out == Path.cwd().resolve():
        raise ConfigError(f"refusing to replace {out_dir} with the built site",
                          hint="pass --out with a folder of its own, e.g. --out site")


def claim_output_folder(out_dir: Path, made_before: Callable[[], bool], force: bool = False) -> bool:
    """Accept the output folder if explainer made it; True when it is taken over by `force` instead.

    `made_before()` (asked only for a folder without the marker) says the previous build's records prove
    it wrote the folder: a site built before the marker existed, whose stray temporary files are removed.
    """
    out = Path(os.path.abspath(out_dir))
    if not out.is_dir() or (out / MARKER).is_file() or not any(out.iterdir()):
        return False
    if made_before():
        _remove_old_temp_files(out)
        return False
    if force:
        return True
    raise ConfigError(f"{out_dir} was not made by explainer build (it has no {MARKER} file); "
                      "a build deletes everything in its output folder",
                      hint="choose another --out folder or empty this one; --force to replace it anyway")


def cannot_write(err: OSError, out_dir: Path) -> ConfigError:
    """The error for a failed write into (or beside) the output folder: the user can fix it, no traceback."""
    name = err.filename2 or err.filename       # for a rename: where it was going
    where = Path(os.fsdecode(name)) if name else out_dir
    return ConfigError(("cannot write the site into ", out_dir, ": ", where, f": {err.strerror or err}"),
                       hint="check that the folder and the one it is in are writable and not full; "
                       "nothing in it was changed")


def remove_leftovers(out_dir: Path, now: float | None = None) -> None:
    """Remove the staging folders of earlier builds into `out_dir` that were killed before cleaning up."""
    out = Path(os.path.abspath(out_dir))
    pattern = re.compile(rf"^\.{re.escape(out.name)}\.(?:{'|'.join(SCRATCH_KINDS)})-(?:(\d+)-)?{_RANDOM}$")
    now = time.time() if now is None else now
    try:
        entries = list(os.scandir(out.parent))
    except OSError:
        return          # no parent folder yet: nothing was ever built here
    for entry in entries:
        match = pattern.match(entry.name)
        if not match or not entry.is_dir(follow_symlinks=False):
            continue
        pid = int(match.group(1)) if match.group(1) else None
        if pid == os.getpid():
            continue        # this process's own folders (a preview builds again and again)
        if pid is None or not _alive(pid) or now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER:
            remove_tree(Path(entry.path))


def remove_tree(folder: Path) -> None:
    """Delete a folder we made, even one whose sub-folders were made read-only."""
    def retry_writable(function, path, _error) -> None:
        try:
            os.chmod(os.path.dirname(path), 0o755)
            function(path)
        except OSError:
            pass    # not ours to fix (another owner, a read-only filesystem): the next build tries again
    if sys.version_info >= (3, 12):
        shutil.rmtree(folder, onexc=retry_writable)
    else:
        shutil.rmtree(folder, onerror=retry_writable)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True     # this process's own folders (the preview builds many times in one process)
    if os.name == "nt":
        return True     # os.kill there would end the process: such folders go once they are a day old
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True     # alive, but another user's
    return True


def _remove_old_temp_files(out: Path) -> None:
    for folder, _, names in os.walk(out):
        for name in names:
            if name != MARKER and is_scratch_name(name):
                Path(folder, name).unlink(missing_ok=True)


def _check_parents(out_dir: Path, out_abs: Path) -> None:
    """`--out notes.txt/site` names a folder that cannot exist: say which part is in the way."""
    for parent in reversed(out_abs.parents):
        try:
            mode = os.stat(parent).st_mode
        except FileNotFoundError:
            return
        if not stat.S_ISDIR(mode):
            raise ConfigError(f"cannot make the output folder {out_dir}: {parent} is {_kind(mode)}, not a folder",
                              hint="pass --out with a folder path, e.g. --out site")


def _kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a folder"


def swap(staging: Path, out_dir: Path) -> None:
    """Put the staging folder where the output folder is, with no moment where there is none."""
    if not os.path.lexists(out_dir):
        os.replace(staging, out_dir)
        return
    if exchange(staging, out_dir):
        remove_tree(staging)            # it now holds the previous site
        return
    trash = make_scratch(out_dir, "old")
    old = trash / out_dir.name
    try:
        os.replace(out_dir, old)
        os.replace(staging, out_dir)
    except BaseException:
        if os.path.lexists(old) and not os.path.lexists(out_dir):
            os.replace(old, out_dir)
        if not os.path.lexists(old):
            trash.rmdir()
        raise
    remove_tree(trash)


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 with RENAME_EXCHANGE); False where that is unavailable."""
    call = _renameat2()
    if call is None:
        return False
    if call(os.fsencode(a), os.fsencode(b)) == 0:
        return True
    import ctypes
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
        return False    # an old kernel, or a filesystem without exchange (some network ones)
    raise OSError(code, os.strerror(code), str(b))


def _renameat2():
    """renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) from libc, or through syscall(2) for a libc
    older than glibc 2.28; None off Linux."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # here, not at the top: only a build that swaps folders needs it (and platform)
    import platform
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    if hasattr(libc, "renameat2"):
        function = libc.renameat2
        function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        function.restype = ctypes.c_int
        return lambda a, b: function(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)
    number = RENAMEAT2_SYSCALL.get(platform.machine())
    if number is None or not hasattr(libc, "syscall"):
        return None
    syscall = libc.syscall
    syscall.restype = ctypes.c_long
    return lambda a, b: syscall(ctypes.c_long(number), ctypes.c_int(AT_FDCWD), ctypes.c_char_p(a),
                                ctypes.c_int(AT_FDCWD), ctypes.c_char_p(b), ctypes.c_uint(RENAME_EXCHANGE))
