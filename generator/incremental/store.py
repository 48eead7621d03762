"""One build's view of the cache: the cache folder, and the state and record of this pair of content and
output folders, loaded and saved together."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..config import SiteConfig
from .cache import CARDS, IMAGES, CacheUnavailable, bodies_folder, open_folder, record_path, state_path
from .codec import CacheDataError
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

    def unchanged(self, inputs: str, now: datetime) -> Record | None:
        """The record of the previous build when nothing it read has changed, the clock is still in the
        window where it publishes the same explainers, and its output is as it left it."""
        record = load_record(self.record_path, self.content_dir, self.out_dir)
        if record is None or record.inputs != inputs or not record.holds_at(now):
            return None
        return record if record.output_intact(self.out_dir) else None

    def load_state(self, known_paths: Iterable[Path] = ()) -> BuildState:
        return load_state(self.state_path, self.content_dir, self.out_dir, known_paths)

    def save(self, state: BuildState | None, record: Record) -> str | None:
        """Keep the state (None: it did not change) and the record for the next build; a cache we cannot
        write is a warning, and the next build starts from scratch."""
        try:
            if state is not None:
                save_state(self.state_path, state, self.content_dir, self.out_dir)
            save_record(self.record_path, record, self.content_dir, self.out_dir)
        except (OSError, CacheDataError) as err:
            forget_record(self.record_path)
            reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
            return f"could not save the build cache in {self.folder} ({reason}); the next build starts from scratch"
        return None


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
