"""What one build leaves for the next, in `.explainer-cache/` beside the content folder.

One pickle per (content folder, output folder): the loaded explainers with the file stamps they came from,
the content addresses of their converted Markdown bodies, and the manifest of output files. The bodies
themselves (most of the bytes) sit in `bodies/`, one file each, read only when a page needs one: a build
where little changed never unpickles them. Anything unreadable, from another version, or half-written is
ignored and rebuilt; files are written atomically, so concurrent builds at worst redo each other's work.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .errors import ExplainerError
from .model import Body, Explainer
from . import write
from .write import Entry

CACHE_DIR = ".explainer-cache"
Stamp = tuple


@dataclass
class BuildState:
    config_key: Any = None
    theme_stamp: Stamp = ()
    loaded: dict[Path, tuple[Stamp, Explainer]] = field(default_factory=dict)
    bodies: dict[str, Body] = field(default_factory=dict)
    manifest: dict[str, Entry] = field(default_factory=dict)
    shown: dict[str, Any] = field(default_factory=dict)   # page → the inputs it was rendered from


class StoredBody:
    """A converted body in the cache folder, unpickled on first use; quacks like `Body`."""

    def __init__(self, path: Path):
        self.path = path
        self._body: Body | None = None

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        if self._body is None:
            self._body = self.load()
        return getattr(self._body, name)

    def load(self) -> Body:
        """The body, read afresh (and not kept: a big site's bodies do not all fit in memory at once)."""
        try:
            with self.path.open("rb") as handle:
                return pickle.load(handle)
        except Exception as err:  # noqa: BLE001 - report any damage the same way
            raise ExplainerError(f"the build cache is damaged ({self.path.name}: {err})",
                                 hint="delete .explainer-cache/ or build with --no-cache") from None

    def __getstate__(self):
        return {"path": self.path, "_body": None}


def spill_body(body: Body, bodies_dir: Path) -> StoredBody:
    """Put a body on disk, named by the hash of its bytes, and return its stand-in."""
    data = pickle.dumps(body, protocol=pickle.HIGHEST_PROTOCOL)
    target = bodies_dir / (hashlib.blake2b(data, digest_size=16).hexdigest() + ".pickle")
    if not target.exists():
        write.atomic_write(target, data)
    return StoredBody(target)


def with_body(explainer: Explainer) -> Explainer:
    """The explainer with its body in memory, for rendering its page."""
    if isinstance(explainer.body, StoredBody):
        return dataclasses.replace(explainer, body=explainer.body.load())
    return explainer


@dataclass(frozen=True)
class Record:
    """What a finished build saw and wrote, small enough to check before loading anything else."""
    inputs: Any                                  # options, theme and content file stamps
    outputs: dict[str, tuple[int, int]]          # output file → (size, mtime_ns) as written
    due: Any                                     # when the next scheduled explainer goes live, or None
    summary: dict                                # the numbers the build printed


def record_path(content_dir: Path, out_dir: Path) -> Path:
    return state_path(content_dir, out_dir).with_suffix(".record")


def load_record(path: Path) -> Record | None:
    try:
        with path.open("rb") as handle:
            tag, record = pickle.load(handle)
        return record if tag == _tag() and isinstance(record, Record) else None
    except Exception:  # noqa: BLE001 - no usable record just means the full check
        return None


def save_record(path: Path, record: Record) -> None:
    write.atomic_write(path, pickle.dumps((_tag(), record), protocol=pickle.HIGHEST_PROTOCOL))


def state_path(content_dir: Path, out_dir: Path) -> Path:
    key = hashlib.blake2b(f"{content_dir.resolve()}\0{out_dir.resolve()}".encode(), digest_size=8)
    return content_dir.resolve().parent / CACHE_DIR / f"build-{key.hexdigest()}.pickle"


def _tag() -> str:
    return f"explainer {__version__} python {sys.version_info[:2]}"


def load_state(path: Path) -> BuildState:
    try:
        with path.open("rb") as handle:
            tag, state = pickle.load(handle)
        if tag == _tag() and isinstance(state, BuildState):
            return _without_missing_bodies(state)
    except FileNotFoundError:
        pass
    except Exception:  # noqa: BLE001 - any damage to a cache file just means a cold build
        pass
    return BuildState()


def _without_missing_bodies(state: BuildState) -> BuildState:
    """Forget explainers and bodies whose body file is gone (another build may have pruned it)."""
    present = {p.name for p in _bodies_dir_of(state).iterdir()} if _bodies_dir_of(state).is_dir() else set()

    def ok(body) -> bool:
        return not isinstance(body, StoredBody) or body.path.name in present

    state.loaded = {k: v for k, v in state.loaded.items() if ok(v[1].body)}
    state.bodies = {k: b for k, b in state.bodies.items() if ok(b)}
    return state


def _bodies_dir_of(state: BuildState) -> Path:
    for _, explainer in state.loaded.values():
        if isinstance(explainer.body, StoredBody):
            return explainer.body.path.parent
    return Path("/nonexistent")


def bodies_folder(state_file: Path) -> Path:
    return state_file.parent / "bodies"


def save_state(path: Path, state: BuildState) -> None:
    """Write the state; bodies not yet on disk go to `bodies/` first, named by the hash of their bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    gitignore = path.parent / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text("*\n", encoding="utf-8")
    bodies_dir = bodies_folder(path)
    stored: dict[int, StoredBody] = {}

    def store(body) -> StoredBody:
        if isinstance(body, StoredBody):
            return body
        if id(body) not in stored:
            stored[id(body)] = spill_body(body, bodies_dir)
        return stored[id(body)]

    on_disk = BuildState(
        config_key=state.config_key, theme_stamp=state.theme_stamp, manifest=state.manifest, shown=state.shown,
        bodies={key: store(body) for key, body in state.bodies.items()},
        loaded={src: (stamp, dataclasses.replace(e, body=store(e.body)))
                for src, (stamp, e) in state.loaded.items()})
    write.atomic_write(path, pickle.dumps((_tag(), on_disk), protocol=pickle.HIGHEST_PROTOCOL))
    _prune(bodies_dir, {e.body.path.name for _, e in on_disk.loaded.values()} |
           {b.path.name for b in on_disk.bodies.values()})


def _prune(bodies_dir: Path, keep: set[str], older_than: float = 3600) -> None:
    """Remove body files nothing refers to, once they are old enough not to belong to a concurrent build."""
    cutoff = time.time() - older_than
    for entry in os.scandir(bodies_dir):
        if entry.name not in keep and entry.stat().st_mtime < cutoff:
            Path(entry.path).unlink(missing_ok=True)
