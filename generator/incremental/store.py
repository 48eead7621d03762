"""One build's view of the cache: the cache folder, and the state and record of this pair of content and
output folders, loaded and saved together."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..config import SiteConfig
from ..write import atomic_write_pieces
from .cache import (
    CARDS,
    IMAGES,
    CacheUnavailable,
    bodies_folder,
    joined_object,
    json_pieces,
    mapping_chunks,
    open_folder,
    record_path,
    state_path,
)
from .codec import CacheDataError
from .noop import record_path as noop_path
from .record import Record, forget_record, load_record, save_record
from .state import BuildState, load_state, save_state


@dataclass(frozen=True)
class BuildCache:
    """The cache of one build: the cache folder, and the files of this pair of content and output folders."""
    folder: Path
    content_dir: Path
    out_dir: Path

    @property
    def state_path(self) -> Path:
        return state_path(self.folder, self.content_dir, self.out_dir)

    @property
    def record_path(self) -> Path:
        return record_path(self.folder, self.content_dir, self.out_dir)

    @property
    def bodies(self) -> Path:
        return bodies_folder(self.folder)

    @property
    def cards(self) -> Path:
        return self.folder / CARDS

    @property
    def images(self) -> Path:
        return self.folder / IMAGES

    @property
    def noop_path(self) -> Path:
        return noop_path(self.content_dir, self.out_dir)

    def unchanged(self, inputs: str, now: datetime) -> Record | None:
        """The record of the previous build when nothing it read has changed, the clock is still in the
        window where it publishes the same explainers, and its output is as it left it."""
        record = load_record(self.record_path, self.content_dir, self.out_dir)
        if record is None or record.inputs != inputs or not record.holds_at(now):
            return None
        return record if record.output_intact(self.out_dir) else None

    def load_state(self, known_paths: Iterable[Path] = ()) -> BuildState:
        return load_state(self.state_path, self.content_dir, self.out_dir, known_paths)

    def save(self, state: BuildState | None, record: Record, noop: dict | None = None) -> str | None:
        """Keep the state (None: it did not change), the record and the no-op record (None: there is none for
        this build, see noop.py) for the next build; a cache we cannot write is a warning, and the next build
        starts from scratch."""
        try:
            forget_record(self.noop_path)       # first: no moment where it describes what is being replaced
            if state is not None:
                save_state(self.state_path, state, self.content_dir, self.out_dir)
            encoded = _encoded(record, state)
            save_record(self.record_path, record, self.content_dir, self.out_dir, encoded)
            if noop is not None:
                atomic_write_pieces(self.noop_path, json_pieces(noop, {
                    key: encoded[name] for key, name in (("outputs", "outputs"), ("out_folders", "folders"))
                    if noop.get(key) is getattr(record, name)}))
        except (OSError, CacheDataError) as err:
            forget_record(self.record_path)
            forget_record(self.noop_path)
            reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
            return f"could not save the build cache in {self.folder} ({reason}); the next build starts from scratch"
        return None

    def save_noop(self, noop: dict | None) -> None:
        """The no-op record alone, when the build found everything else up to date."""
        try:
            if noop is None:
                forget_record(self.noop_path)
            else:
                atomic_write_pieces(self.noop_path, json_pieces(noop))
        except OSError:
            forget_record(self.noop_path)


def _encoded(record: Record, state: BuildState | None) -> dict[str, bytes]:
    """The bytes of the record's output files and folders, which the no-op record holds too: made from the
    runs of the state's `outputs` and `folders` (the same entries, unless the state was not saved) where they
    are equal, so only the runs that changed are encoded again."""
    chunks = state.chunks if state is not None else {}
    return {"outputs": joined_object(mapping_chunks(record.outputs, chunks.get("outputs", ()))),
            "folders": joined_object(mapping_chunks(record.folders, chunks.get("folders", ())))}


def open_for(config: SiteConfig) -> tuple[BuildCache | None, str | None]:
    """This build's cache, and the warning when there is one we cannot use.

    `--no-cache` never looks at it; one that is a file, a dangling link or unwritable is left alone.
    """
    if not config.use_cache:
        return None, None
    try:
        return BuildCache(open_folder(config.content_dir), config.content_dir, config.out_dir), None
    except CacheUnavailable as err:
        return None, f"building without the cache: {err}"
