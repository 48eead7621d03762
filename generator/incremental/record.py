"""The record of a finished build: a digest of everything it read, the time window in which its selection
of explainers holds, its output files and folders as it left them, and the numbers it printed. A build that
finds all of that unchanged has nothing to do.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..write import Entry
from . import codec
from .cache import read_data, write_data
from .codec import CacheDataError
from .noop import files_unchanged, folders_unchanged
from .stamps import Folders


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
        return files_unchanged(out_dir, self.outputs) and folders_unchanged(out_dir, self.folders)


def record_of(inputs: str, manifest: dict[str, Entry], folders: Folders, summary: Summary,
              published: Iterable[datetime], future: bool) -> Record:
    """The record of a finished build that published explainers of these dates."""
    # Without --future, the same explainers are published from the newest one's date until the next
    # scheduled one's: a build at any other time (a later --as-of, or now after one) must start over.
    since = None if future else max(published, default=None)
    return Record(inputs=inputs, outputs={rel: [size, mtime] for rel, (_, size, mtime) in manifest.items()},
                  folders=dict(folders),    # (inode, mtime) pairs: the state's, whose bytes it takes
                  since=since, until=summary.next_date, summary=summary)


def load_record(path: Path, content_dir: Path, out_dir: Path) -> Record | None:
    data = read_data(path, content_dir, out_dir)
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


def save_record(path: Path, record: Record, content_dir: Path, out_dir: Path,
                encoded: dict[str, bytes] | None = None) -> None:
    """`encoded`: the bytes of the record's `outputs` and `folders`, when the caller has them."""
    write_data(path, {"inputs": record.inputs, "outputs": record.outputs, "folders": record.folders,
                  "window": WINDOW.encode((record.since, record.until)),
                  "summary": SUMMARY.encode(record.summary)}, content_dir, out_dir, encoded)


def forget_record(path: Path) -> None:
    """Remove a record that may no longer be true (its build's state could not be saved)."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass
