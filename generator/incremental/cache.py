"""What one build leaves for the next, in `.explainer-cache/` beside the content folder.

Everything in it is data: JSON read with `json` and checked value by value against the schema in `codec`,
and PNG files; nothing in it is ever run (no pickles, no compiled templates). For each pair of content and
output folders there are two files:

- `build-<key>.json`, the state: the loaded explainers with the stamps of the files they came from, the
  names of their converted bodies, a digest of what each page was rendered from, and the manifest of the
  files and folders the build left in the output folder;
- `build-<key>.record.json`, the record: a digest of everything the build read (options, site.yml's bytes,
  theme and content file stamps), the time window in which its selection of explainers holds (from the
  newest published date to the next scheduled one), and the output files and folders as it left them. A
  build that finds all of that unchanged has nothing to do.

Converted bodies sit in `bodies/<hash>.json`, named by the BLAKE2 hash of their bytes and read only when a
page needs them; social cards in `cards/` (see `images/cards.py`). Every file carries the version and schema that
wrote it and the folders it belongs to, and each body is checked against its name whenever it is read.
Anything unreadable, from another version, for other folders or not matching its name is a miss: rebuilt,
never an error, never published. Files are written atomically, so concurrent builds at worst redo each
other's work. A `.explainer-cache` that is not a folder we can write is left alone: the build warns once and
runs without it.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import markdown

from .. import __version__, write
from ..errors import ExplainerError
from ..model import Body, Explainer
from ..write import Entry
from . import codec
from .codec import CacheDataError

CACHE_DIR = ".explainer-cache"
BODIES = "bodies"
CARDS = "cards"
TAG = (f"explainer {__version__} python {sys.version_info[0]}.{sys.version_info[1]} "
       f"markdown {markdown.__version__} schema {codec.SCHEMA}")
BODY_NAME = re.compile(r"[0-9a-f]{32}\.json")
Stamp = tuple
Folders = dict[str, tuple[int, int]]     # output folder ("" for the top) → (inode, mtime_ns)


class CacheUnavailable(Exception):
    """The cache folder cannot be used; the message says why, for the build's one warning."""


def folder_of(content_dir: Path) -> Path:
    return content_dir.resolve().parent / CACHE_DIR


def open_folder(content_dir: Path) -> Path:
    """The cache folder, made if missing; CacheUnavailable when it is not a folder we can read and write."""
    folder = folder_of(content_dir)
    try:
        folder.mkdir(exist_ok=True)
        for path in (folder, folder / BODIES, folder / CARDS):
            if (path.is_symlink() and not path.exists()) or (path.exists() and not path.is_dir()):
                raise CacheUnavailable(f"{path} is not a folder")
            if path.exists() and not os.access(path, os.R_OK | os.W_OK | os.X_OK):
                raise CacheUnavailable(f"{path} is not writable")
        gitignore = folder / ".gitignore"
        if not gitignore.exists():
            write.atomic_write(gitignore, b"*\n")
    except OSError as err:
        raise CacheUnavailable(f"{folder} cannot be used ({err.strerror or err})") from None
    return folder


def digest_of(value: Any) -> str:
    """A short digest of a value made of tuples, strings, numbers and paths (whose repr is stable)."""
    return hashlib.blake2b(repr(value).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _key(content_dir: Path, out_dir: Path) -> str:
    return hashlib.blake2b(f"{content_dir.resolve()}\0{out_dir.resolve()}".encode("utf-8", "surrogatepass"),
                           digest_size=8).hexdigest()


def state_path(folder: Path, content_dir: Path, out_dir: Path) -> Path:
    return folder / f"build-{_key(content_dir, out_dir)}.json"


def legacy_state_path(content_dir: Path, out_dir: Path) -> Path:
    """Where versions before the JSON cache kept their state (only looked at, never read)."""
    return content_dir.resolve().parent / CACHE_DIR / f"build-{_key(content_dir, out_dir)}.pickle"


def record_path(folder: Path, content_dir: Path, out_dir: Path) -> Path:
    return folder / f"build-{_key(content_dir, out_dir)}.record.json"


def _owner(content_dir: Path, out_dir: Path) -> list[str]:
    return [str(content_dir.resolve()), str(out_dir.resolve())]


def _read(path: Path, content_dir: Path, out_dir: Path) -> dict | None:
    """A cache file's data, when it is ours: this version, these folders. None for anything else."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    if type(data) is not dict or data.get("tag") != TAG or data.get("for") != _owner(content_dir, out_dir):
        return None
    return data


def _write(path: Path, data: dict, content_dir: Path, out_dir: Path) -> None:
    data = {"tag": TAG, "for": _owner(content_dir, out_dir), **data}
    write.atomic_write(path, json.dumps(data, separators=(",", ":")).encode("ascii"))


def output_folders(out_dir: Path, files: Iterable[str]) -> Folders:
    """The output folder and every folder holding our files, by inode and mtime: a file that anyone adds to
    or removes from any of them changes one of these."""
    folders = {""}
    for rel in files:
        parent = rel.rpartition("/")[0]
        while parent not in folders:
            folders.add(parent)
            parent = parent.rpartition("/")[0]
    stamps = {}
    for rel in sorted(folders):
        try:
            st = os.stat(out_dir / rel)
            stamps[rel] = (st.st_ino, st.st_mtime_ns)
        except OSError:
            stamps[rel] = (0, 0)
    return stamps


def folders_unchanged(out_dir: Path, folders: Any) -> bool:
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


# Bodies -------------------------------------------------------------------------------------------------

class StoredBody:
    """A converted body in a file of its own, read and checked on first use; quacks like `Body`.

    A file that is gone, damaged or not the one its name promises is replaced by converting the Markdown
    again (`rebuild`, set by the builder), so a damaged cache never reaches a page.
    """

    def __init__(self, folder: Path, name: str):
        self.folder, self.name = folder, name     # not a Path of its own: a state holds thousands
        self.rebuild: Callable[[], Body] | None = None
        self._body: Body | None = None
        self._rebuilt: Body | None = None

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        if self._body is None:
            self._body = self.load()
        return getattr(self._body, name)

    def load(self) -> Body:
        """The body, read afresh (and not kept: a big site's bodies do not all fit in memory at once)."""
        if self._rebuilt is not None:
            return self._rebuilt
        body = read_body(self.path)
        if body is not None:
            return body
        if self.rebuild is None:
            raise ExplainerError(f"a converted body is missing from the build cache ({self.path.name})",
                                 hint="build again, or build with --no-cache")
        discard(self.path)
        self._rebuilt = self.rebuild()
        return self._rebuilt

    @property
    def path(self) -> Path:
        return self.folder / self.name

    @property
    def intact(self) -> bool:
        return self._rebuilt is None

    def __getstate__(self):
        # Only crosses process boundaries (a worker's result); the cache files are JSON.
        return {"folder": self.folder, "name": self.name, "rebuild": None, "_body": None, "_rebuilt": None}


def as_body(stored: StoredBody) -> Body:
    """`stored` where a Body is expected: it reads its file on first use and answers like the Body in it."""
    return cast(Body, stored)


def discard(path: Path) -> None:
    """Remove a damaged entry of the cache (whatever it turned out to be), so it is written anew."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


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


def with_body(explainer: Explainer) -> Explainer:
    """The explainer with its body in memory, for rendering its page."""
    if isinstance(explainer.body, StoredBody):
        return dataclasses.replace(explainer, body=explainer.body.load())
    return explainer


def bodies_folder(folder: Path) -> Path:
    return folder / BODIES


# The record ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Summary:
    """The numbers a build printed, for the report of a build that had nothing to do."""
    explainers: int
    pages: int
    drafts: int
    next_slug: str | None
    next_date: datetime | None


SUMMARY = codec.record(Summary, explainers=codec.INT, pages=codec.INT, drafts=codec.INT,
                       next_slug=codec.optional(codec.TEXT), next_date=codec.optional(codec.MOMENT))
WINDOW = codec.row(codec.optional(codec.MOMENT), codec.optional(codec.MOMENT))


@dataclass(frozen=True)
class Record:
    """What a finished build saw and wrote, small enough to check before loading anything else."""
    inputs: str                              # digest of the options, site.yml, theme and content stamps
    outputs: dict[str, Any]                  # output file → [size, mtime_ns] as written
    folders: Any                             # output folders as left (see `output_folders`)
    since: datetime | None                   # the newest published date (None: any time will do)…
    until: datetime | None                   # …and the next scheduled one: the selection holds in between
    summary: Summary

    def holds_at(self, now: datetime) -> bool:
        return (self.since is None or self.since <= now) and (self.until is None or now < self.until)

    def output_intact(self, out_dir: Path) -> bool:
        """The output folder holds exactly the files this build left, as it left them."""
        top = os.fspath(out_dir)
        for rel, entry in self.outputs.items():
            try:
                st = os.stat(f"{top}/{rel}")
            except (OSError, ValueError):
                return False
            if [st.st_size, st.st_mtime_ns] != entry:
                return False
        return folders_unchanged(out_dir, self.folders)


def load_record(path: Path, content_dir: Path, out_dir: Path) -> Record | None:
    data = _read(path, content_dir, out_dir)
    if data is None:
        return None
    try:
        since, until = WINDOW.decode(data["window"])
        inputs, outputs = codec.TEXT.decode(data["inputs"]), data["outputs"]
        if type(outputs) is not dict:
            return None
        return Record(inputs, outputs, data["folders"], since, until, SUMMARY.decode(data["summary"]))
    except (KeyError, CacheDataError):
        return None


def save_record(path: Path, record: Record, content_dir: Path, out_dir: Path) -> None:
    _write(path, {"inputs": record.inputs, "outputs": record.outputs, "folders": record.folders,
                  "window": WINDOW.encode((record.since, record.until)),
                  "summary": SUMMARY.encode(record.summary)}, content_dir, out_dir)


def forget_record(path: Path) -> None:
    """Remove a record that may no longer be true (its build's state could not be saved)."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


# The state ----------------------------------------------------------------------------------------------

@dataclass
class BuildState:
    config_key: str | None = None
    theme_stamp: Stamp = ()
    loaded: dict[Path, tuple[Stamp, Explainer]] = field(default_factory=dict)
    bodies: dict[str, Body] = field(default_factory=dict)
    manifest: dict[str, Entry] = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)     # page → digest of the inputs it was rendered from
    folders: Folders = field(default_factory=dict)          # the output folders as the last build left them
    # Not saved: each explainer read from the state file with its JSON, which is saved again as it was
    # while the explainer stays the same object (most of them, in a build where one file changed).
    as_read: dict[Path, tuple[Explainer, list]] = field(default_factory=dict)


ENTRY = codec.row(codec.TEXT, codec.INT, codec.INT)


def load_state(path: Path, content_dir: Path, out_dir: Path) -> BuildState:
    """The state saved by the previous build; an empty one when there is none we can trust."""
    data = _read(path, content_dir, out_dir)
    if data is None:
        return BuildState()
    bodies_dir = bodies_folder(path.parent)
    present = set(os.listdir(bodies_dir)) if bodies_dir.is_dir() else set()
    stored: dict[str, StoredBody] = {}

    def body_file(name: Any) -> StoredBody:
        if type(name) is not str or not BODY_NAME.fullmatch(name):
            raise CacheDataError(f"not a body file name: {name!r}")
        if name not in stored:
            stored[name] = StoredBody(bodies_dir, name)
        return stored[name]

    explainer_kind = codec.explainer_kind(codec.Kind("body file", str, body_file), memo={})
    loaded_kind = codec.row(codec.STAMP, explainer_kind)
    try:
        items = _items(data["loaded"], list)
        loaded = [loaded_kind.decode(item) for item in items]
        state = BuildState(
            config_key=codec.TEXT.decode(data["config_key"]),
            theme_stamp=codec.STAMP.decode(data["theme_stamp"]),
            # Explainers and bodies whose file is gone (pruned by another build) are simply loaded again.
            loaded={e.source: (stamp, e) for stamp, e in loaded if e.body.name in present},
            bodies={codec.TEXT.decode(key): as_body(body_file(name))
                    for key, name in _items(data["bodies"], dict).items() if name in present},
            manifest={codec.TEXT.decode(rel): ENTRY.decode(entry)
                      for rel, entry in _items(data["manifest"], dict).items()},
            shown={rel: codec.TEXT.decode(key) for rel, key in _items(data["shown"], dict).items()},
            folders={rel: codec.row(codec.INT, codec.INT).decode(stamp)
                     for rel, stamp in _items(data["folders"], dict).items()},
            as_read={e.source: (e, item[1]) for (_, e), item in zip(loaded, items)})
    except (KeyError, CacheDataError):
        return BuildState()
    return state


def _items(value: Any, kind: type) -> Any:
    if type(value) is not kind:
        raise CacheDataError(f"expected a {kind.__name__}")
    return value


def save_state(path: Path, state: BuildState, content_dir: Path, out_dir: Path) -> None:
    """Write the state; bodies not yet on disk go to `bodies/` first, named by the hash of their bytes."""
    bodies_dir = bodies_folder(path.parent)
    bodies_dir.mkdir(exist_ok=True)
    stored: dict[int, StoredBody] = {}
    names: set[str] = set()

    def store(body: Any) -> str:
        if isinstance(body, StoredBody) and body.intact:
            names.add(body.name)
            return body.name
        body = body.load() if isinstance(body, StoredBody) else body
        if id(body) not in stored:
            stored[id(body)] = spill_body(body, bodies_dir)
        names.add(stored[id(body)].name)
        return stored[id(body)].name

    explainer_kind = codec.explainer_kind(codec.Kind("body file", store, str))

    def encode(explainer: Explainer) -> list:
        as_read = state.as_read.get(explainer.source)
        if as_read and as_read[0] is explainer and isinstance(explainer.body, StoredBody) and explainer.body.intact:
            names.add(explainer.body.name)
            return as_read[1]
        return explainer_kind.encode(explainer)

    loaded = [[codec.STAMP.encode(stamp), encode(e)] for stamp, e in state.loaded.values()]
    bodies = {key: store(body) for key, body in state.bodies.items()}
    _write(path, {"config_key": state.config_key, "theme_stamp": codec.STAMP.encode(state.theme_stamp),
                  "loaded": loaded, "bodies": bodies,
                  "manifest": {rel: list(entry) for rel, entry in state.manifest.items()},
                  "shown": state.shown, "folders": {rel: list(s) for rel, s in state.folders.items()}},
           content_dir, out_dir)
    for legacy in (path.with_suffix(".pickle"), path.with_suffix(".record")):   # left by earlier versions
        legacy.unlink(missing_ok=True)
    _prune(bodies_dir, names)


def _prune(bodies_dir: Path, keep: set[str], older_than: float = 3600) -> None:
    """Remove body files nothing refers to, once they are old enough not to belong to a concurrent build."""
    cutoff = time.time() - older_than
    for entry in os.scandir(bodies_dir):
        try:
            if entry.name not in keep and entry.stat().st_mtime < cutoff:
                Path(entry.path).unlink(missing_ok=True)
        except FileNotFoundError:
            continue        # a concurrent build pruned it first
