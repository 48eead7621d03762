"""What may be read from the content folder: files and folders whose real place is inside it, nothing else.

A symbolic link is followed when it leads to a file or folder inside the content folder. A link that leads
outside it (`notes.txt -> /etc/passwd`, `-> /proc/self/environ`), that loops, or that leads nowhere, and
anything that is neither a file nor a folder (a named pipe would block the build; devices, sockets), is an
error at its own path, and is never opened.
"""
from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path

from .errors import ContentError, ExplainerError
from .problems import Place

FILE, FOLDER = "file", "folder"
_SPECIAL = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"),
            (stat.S_ISBLK, "a device"))


def kind(path: Path, root: Path) -> str:
    """FILE or FOLDER for what may be read at `path` below the content folder `root`; ContentError otherwise."""
    try:
        info = path.stat()   # follows links, opens nothing
    except OSError as err:
        raise _unreadable(path, err) from None
    if path.is_symlink() and not is_inside(path, root):
        what = "folder" if stat.S_ISDIR(info.st_mode) else "file"
        raise ContentError((f"a link to a {what} outside ", root, f"/: {os.path.realpath(path)}"),
                           Place(path), hint=(f"copy the {what} into ", root, "/ instead"))
    if stat.S_ISDIR(info.st_mode):
        return FOLDER
    if stat.S_ISREG(info.st_mode):
        return FILE
    name = next((name for test, name in _SPECIAL if test(info.st_mode)), "something else")
    raise ContentError(f"{name}, not a file", Place(path),
                       hint=("only files and folders can be published: move it out of ", root, "/"))


def is_inside(path: Path, root: Path) -> bool:
    """Whether the real path of `path` (every link followed) is `root` or below it."""
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root))


def is_regular_file_inside(path: Path, root: Path) -> bool:
    """A plain file (or a link to one) inside `root`: what may be opened without a second thought."""
    try:
        return stat.S_ISREG(path.stat().st_mode) and is_inside(path, root)
    except (OSError, ValueError):
        return False


def entries(folder: Path, root: Path, errors: list[ExplainerError],
            ignored: Callable[[str], bool]) -> list[tuple[Path, str]]:
    """(path, FILE or FOLDER) of what `folder` holds, sorted by name, skipping `ignored` names; problems go to
    `errors`. Plain files and folders cost no system call beyond reading the folder."""
    try:
        with os.scandir(folder) as found:
            listed = sorted(found, key=lambda entry: entry.name)
    except OSError as err:
        errors.append(_unreadable(folder, err))
        return []
    kept = []
    for entry in listed:
        if ignored(entry.name):
            continue
        path = folder / entry.name
        if entry.is_dir(follow_symlinks=False):
            kept.append((path, FOLDER))
        elif entry.is_file(follow_symlinks=False):
            kept.append((path, FILE))
        else:   # a link, or something that is neither
            try:
                kept.append((path, kind(path, root)))
            except ContentError as err:
                errors.append(err)
    return kept


def walk(folder: Path, root: Path, errors: list[ExplainerError],
         ignored: Callable[[str], bool]) -> list[Path]:
    """Every file below `folder`, sorted, skipping `ignored` names; problems go to `errors`, not in the list.

    Links to folders inside `root` are followed, unless they lead to a folder they are in (a loop).
    """
    files: list[Path] = []
    pending: list[tuple[Path, tuple[str, ...]]] = [(folder, (os.path.realpath(folder),))]
    while pending:
        current, ancestors = pending.pop()
        below: list[tuple[Path, tuple[str, ...]]] = []
        for path, found in entries(current, root, errors, ignored):
            if found == FILE:
                files.append(path)
                continue
            real = os.path.join(ancestors[-1], path.name) if not path.is_symlink() else os.path.realpath(path)
            if real in ancestors or Path(ancestors[-1]).is_relative_to(real):
                errors.append(ContentError("a link to a folder it is in: the folders would repeat for ever",
                                           Place(path), hint="remove the link"))
            else:
                below.append((path, (*ancestors, real)))
        pending.extend(reversed(below))
    return sorted(files)


def _unreadable(path: Path, err: OSError) -> ContentError:
    if err.errno == errno.ELOOP:
        return ContentError("a link that leads back to itself (a loop of symbolic links)", Place(path),
                            hint="remove the link, or point it at a file")
    if path.is_symlink() and err.errno == errno.ENOENT:
        return ContentError(f"a link to something that does not exist: {os.readlink(path)}",
                            Place(path), hint="remove the link, or point it at a file")
    return ContentError(f"cannot be read: {err.strerror or err}", Place(path),
                        hint="check the file's permissions")

