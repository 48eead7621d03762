"""Pagefind's index in a stable order, so the same pages give the same bytes.

Pagefind (1.5) writes two kinds of file in the order of a Rust hash map, which changes from run to run:
the values inside each `filter/*.pf_filter` file and the list of filters in `pagefind.*.pf_meta`. Their
names are hashes of their bytes, so the names change too, and `pagefind-entry.json` names the meta file.
Here each filter's values are sorted by name and the meta file's filters (and sorts) by name, the files are
renamed with the hash Pagefind itself would give those bytes, and the entry file points at the new meta
file. The search does not depend on either order. Everything else Pagefind writes is stable already.

A file that does not read back to its own bytes (a future Pagefind format) is left as Pagefind wrote it,
and `stable_order` says so: the index still works, it just may differ between two builds.
"""
from __future__ import annotations

import gzip
import hashlib
import json
from typing import Any

from . import cbor

SIGNATURE = b"pagefind_dcd"     # what every compressed index file starts with once unpacked
ENTRY = "pagefind-entry.json"
META_FILTERS, META_SORTS = 3, 4   # fields of the meta file (MetaIndex in Pagefind's source)


class Unstable(Exception):
    """The files are not in the format this module knows."""


def stable_order(files: dict[str, bytes]) -> tuple[dict[str, bytes], bool]:
    """Pagefind's output (paths relative to its folder) in a stable order; False when it could not be."""
    try:
        return _reorder(files), True
    except (Unstable, cbor.CborError, ValueError, KeyError, TypeError, OSError, EOFError):
        return files, False


def _reorder(files: dict[str, bytes]) -> dict[str, bytes]:
    files = dict(files)
    entry = json.loads(files[ENTRY])
    for language, about in entry["languages"].items():
        meta_name = f"pagefind.{about['hash']}.pf_meta"
        meta = _read(files.pop(meta_name))
        if len(meta) <= META_SORTS:
            raise Unstable("meta file of another shape")
        renamed: dict[str, str] = {}
        for name, old_hash in meta[META_FILTERS]:
            data = _read(files.pop(f"filter/{old_hash}.pf_filter"))
            if len(data) != 2:
                raise Unstable("filter file of another shape")
            data[1] = sorted(data[1], key=lambda value: value[0])
            raw = cbor.encode(data)
            new_hash = _unique(_short_hash(language, raw), raw, language, renamed.values())
            renamed[name] = new_hash
            files[f"filter/{new_hash}.pf_filter"] = _pack(raw)
        meta[META_FILTERS] = sorted([name, renamed[name]] for name, _ in meta[META_FILTERS])
        meta[META_SORTS] = sorted(meta[META_SORTS], key=lambda sort: sort[0])
        raw_meta = cbor.encode(meta)
        about["hash"] = f"{language}_{_full_hash(raw_meta)[:len(language) + 8]}"
        files[f"pagefind.{about['hash']}.pf_meta"] = _pack(raw_meta)
    files[ENTRY] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return dict(sorted(files.items()))


def _read(packed: bytes) -> list[Any]:
    """An index file's record (a CBOR array), checked to encode back to the very same bytes."""
    raw = gzip.decompress(packed)
    if not raw.startswith(SIGNATURE):
        raise Unstable("no signature")
    value = cbor.decode(raw[len(SIGNATURE):])
    if not isinstance(value, list) or cbor.encode(value) != raw[len(SIGNATURE):]:
        raise Unstable("not an array that reads back to its own bytes")
    return value


def _pack(raw: bytes) -> bytes:
    return gzip.compress(SIGNATURE + raw, compresslevel=9, mtime=0)


def _full_hash(data: bytes) -> str:
    """Pagefind's hash: SHA-1 with each byte in hex without its leading zero, as its Rust code prints it."""
    return "".join(f"{byte:x}" for byte in hashlib.sha1(data).digest())


def _short_hash(language: str, data: bytes) -> str:
    return f"{language}_{_full_hash(data)}"[:len(language) + 8]


def _unique(short: str, data: bytes, language: str, taken) -> str:
    """Longer when another file already has the short name, as Pagefind does."""
    whole = f"{language}_{_full_hash(data)}"
    taken = set(taken)
    while short in taken and len(short) < len(whole):
        short = whole[:len(short) + 1]
    return short
