"""What one build leaves for the next, in `.explainer-cache/` beside the content folder.

Everything in it is data: JSON read with `json` and checked value by value against the schema in `codec`,
and PNG files; nothing in it is ever run (no pickles, no compiled templates). For each pair of content and
output folders there are three files:

- `build-<key>.json`, the state: the loaded explainers' listing records with the stamps of the files they came from, the
  names of their converted bodies, a digest of what each page was rendered from, and the manifest of the
  files and folders the build left in the output folder. It is JSON lines: a first line of the small values
  (with how many lines follow, and how many each mapping takes), then each big mapping (bodies, the
  manifest's digests and its outputs, page keys, cards, output folders, related explainers) as lines of
  CHUNK entries, then one line per explainer. A build saves the lines of the explainers it did not load
  again, and every line of entries that are as it read them, as it read them (`mapping_chunks`); the
  record and the no-op record take their output files and folders from the bytes of the state's `outputs`
  and `folders`;
- `build-<key>.record.json`, the record: a digest of everything the build read (options, site.yml's bytes,
  theme and content file stamps), the time window in which its selection of explainers holds (from the
  newest published date to the next scheduled one), and the output files and folders as it left them. A
  build that finds all of that unchanged has nothing to do;
- `noop-<key>.json`, the no-op record: what the command line checks before it imports the pipeline, so a
  build with nothing to do stops there (see `noop.py`).

Converted bodies, and the sidebars of each explainer the state lists (the state keeps its listing record),
sit in `bodies/<hash>.json`, named by the BLAKE2 hash of their bytes and read only when a page needs them;
social cards in `cards/` (see `images/cards.py`); the interface catalogs compiled in `catalogs/`
(`catalogs.py`). Every file carries the version and schema that wrote it
and the folders it belongs to, and each body is checked against its name whenever it is read.
Anything unreadable, from another version, for other folders or not matching its name is a miss: rebuilt,
never an error, never published. Files are written atomically (the state and the record are renamed to a
free name, their old file removed just before: a reader that finds none takes it for a miss), so concurrent
builds at worst redo each other's work. A `.explainer-cache` that is not a folder we can write is left
alone: the build warns once and runs without it.

This module is the folder and how its files are tagged, owned and written; beside it `state`, `record` and
`bodies` say what is in each kind of file, and `store` is one build's view of them.
"""
from __future__ import annotations

import hashlib
import importlib.util
import itertools
import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .. import __version__, write
from . import codec
from .noop import CACHE_DIR, folders_key

BODIES = "bodies"
CARDS = "cards"
IMAGES = "images"
CATALOGS = "catalogs"
JSON_RUN = 200           # list items written at a time (json_pieces)
CHUNK = 256              # a big mapping's entries on one line of a state file (mapping_chunks)

# A run of a mapping's items and the bytes of their compact JSON object: kept from the last time the mapping
# was read or written, so a mapping that changed in a few entries is encoded again a few runs at a time.
Chunk = tuple[list, bytes]


def markdown_version() -> str:
    """Python-Markdown's version, read from its `__meta__.py` instead of importing the package (which loads
    every processor it has): a build that finds nothing changed never needs Python-Markdown itself."""
    spec = importlib.util.find_spec("markdown")
    folder = Path(spec.origin).parent if spec and spec.origin else None
    try:
        text = (folder / "__meta__.py").read_text(encoding="utf-8") if folder else ""
    except OSError:
        text = ""
    found = re.search(r"^__version_info__ = (\([^)\n]*\))", text, re.MULTILINE)
    if found:
        return found[1]
    import markdown  # a Python-Markdown laid out otherwise: its own word, at the cost of importing it
    return markdown.__version__


TAG = (f"explainer {__version__} python {sys.version_info[0]}.{sys.version_info[1]} "
       f"markdown {markdown_version()} schema {codec.SCHEMA}")


class CacheUnavailable(Exception):
    """The cache folder cannot be used; the message says why, for the build's one warning."""


def folder_of(content_dir: Path) -> Path:
    return content_dir.resolve().parent / CACHE_DIR


def open_folder(content_dir: Path) -> Path:
    """The cache folder, made if missing; CacheUnavailable when it is not a folder we can read and write."""
    folder = folder_of(content_dir)
    try:
        folder.mkdir(exist_ok=True)
        for path in (folder, folder / BODIES, folder / CARDS, folder / IMAGES, folder / CATALOGS):
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


def state_path(folder: Path, content_dir: Path, out_dir: Path) -> Path:
    return folder / f"build-{folders_key(content_dir, out_dir)}.json"


def legacy_state_path(content_dir: Path, out_dir: Path) -> Path:
    """Where versions before the JSON cache kept their state (only looked at, never read)."""
    return content_dir.resolve().parent / CACHE_DIR / f"build-{folders_key(content_dir, out_dir)}.pickle"


def record_path(folder: Path, content_dir: Path, out_dir: Path) -> Path:
    return folder / f"build-{folders_key(content_dir, out_dir)}.record.json"


def _owner(content_dir: Path, out_dir: Path) -> list[str]:
    return [str(content_dir.resolve()), str(out_dir.resolve())]


def read_data(path: Path, content_dir: Path, out_dir: Path) -> dict | None:
    """A cache file's data, when it is ours: this version, these folders. None for anything else."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    return data if _ours(data, content_dir, out_dir) else None


def _ours(data: Any, content_dir: Path, out_dir: Path) -> bool:
    return type(data) is dict and data.get("tag") == TAG and data.get("for") == _owner(content_dir, out_dir)


def write_data(path: Path, data: dict, content_dir: Path, out_dir: Path, encoded: dict[str, bytes] | None = None
               ) -> None:
    """`encoded`: the bytes of some of `data`'s values, already encoded (see `json_pieces`)."""
    data = {"tag": TAG, "for": _owner(content_dir, out_dir), **data}
    write.atomic_write_pieces(path, json_pieces(data, encoded), unlink_first=True)


def read_lines(path: Path, content_dir: Path, out_dir: Path) -> tuple[dict, list[bytes]] | None:
    """A file `write_lines` wrote, when it is ours: the data of its first line, and its other lines (each one
    JSON value, not yet read). None for anything else."""
    try:
        first, *lines = path.read_bytes().split(b"\n")
        data = json.loads(first)
    except (OSError, ValueError, RecursionError):
        return None
    if not _ours(data, content_dir, out_dir) or data.get("lines") != len(lines) - 1 or lines[-1] != b"":
        return None                 # not ours, or cut short
    return data, lines[:-1]


def first_lines_of(path: Path, following: Callable[[dict], int]) -> tuple[dict, list[bytes]] | None:
    """The data of the first line of a file `write_lines` wrote with this version, for whichever folders
    (bodies are shared by all of them), and the `following(data)` lines after it; None for anything else."""
    try:
        with path.open("rb") as file:
            data = json.loads(file.readline())
            if type(data) is not dict or data.get("tag") != TAG:
                return None
            count, lines = following(data), list[bytes]()
            if type(count) is not int:
                return None
            while len(lines) < count:
                line = file.readline()
                if not line.endswith(b"\n"):
                    return None     # cut short
                lines.append(line[:-1])
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None
    return data, lines


def write_lines(path: Path, data: dict, count: int, lines: Iterable[bytes], content_dir: Path,
                out_dir: Path) -> None:
    """`data` on a first line, then `count` lines, each one value's compact JSON (never a line break in it:
    JSON escapes those in strings)."""
    data = {"tag": TAG, "for": _owner(content_dir, out_dir), **data, "lines": count}
    write.atomic_write_pieces(path, itertools.chain(json_pieces(data), (b"\n" + line for line in lines), [b"\n"]),
                              unlink_first=True)


def compact_line(value: Any) -> bytes:
    """A value's line of a `write_lines` file."""
    return _compact(value).encode("ascii")


def json_pieces(data: dict, encoded: dict[str, bytes] | None = None) -> Iterator[bytes]:
    """The bytes of `json.dumps(data, separators=(",", ":"))`, a value at a time and a long list's items a run
    at a time: the text of a 10,000-explainer state (14 MB, and as many again encoded) is never whole in
    memory, which was the peak of a cold build of that size. `encoded` gives the bytes of some keys' values,
    encoded already (the caller vouches that they are that value's)."""
    yield b"{"
    for number, (key, value) in enumerate(data.items()):
        yield (("," if number else "") + _compact(key) + ":").encode("ascii")
        if encoded and key in encoded:
            yield encoded[key]
        elif isinstance(value, list) and len(value) > JSON_RUN:
            yield b"["
            for start in range(0, len(value), JSON_RUN):
                yield (("," if start else "") + _compact(value[start:start + JSON_RUN])[1:-1]).encode("ascii")
            yield b"]"
        else:
            yield _compact(value).encode("ascii")
    yield b"}"


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def mapping_chunks(mapping: dict, previous: Sequence[Chunk] = ()) -> list[Chunk]:
    """`mapping` as runs of CHUNK items in its order, each with the bytes of its compact JSON object; a run
    equal to the run in the same place of `previous` keeps that run's bytes, so a mapping that changed in a
    few entries is encoded a few runs at a time. Its keys are text and its values of the JSON types a schema
    fixes (equal values encode alike: never 1 in one and True in the other)."""
    items = list(mapping.items())
    chunks = []
    for number, start in enumerate(range(0, len(items), CHUNK)):
        run = items[start:start + CHUNK]
        if number < len(previous) and previous[number][0] == run:
            chunks.append(previous[number])
        else:
            chunks.append((run, _compact(dict(run)).encode("ascii")))
    return chunks


def joined_object(chunks: Iterable[Chunk]) -> bytes:
    """The compact JSON object of the whole mapping `chunks` were made from."""
    return b"{" + b",".join(data[1:-1] for _, data in chunks) + b"}"


def line_value(line: bytes) -> Any:
    """The JSON value of a line as `compact_line` writes it (ASCII, no space around it): what `json.loads`
    gives, without its look for a byte order mark and for spaces on each of thousands of lines. ValueError
    for anything else (a byte beyond ASCII, a second value after the first)."""
    text = line.decode("ascii")
    value, end = _decode_json(text)
    if end != len(text):
        raise ValueError("more than one JSON value on a line")
    return value


_decode_json = json.JSONDecoder().raw_decode


def bodies_folder(folder: Path) -> Path:
    return folder / BODIES


def discard(path: Path) -> None:
    """Remove a damaged entry of the cache (whatever it turned out to be), so it is written anew."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass
