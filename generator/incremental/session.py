"""What a builder keeps from one build to the next: the state (in memory, and in `.explainer-cache/` when it
persists), the theme's environment with its compiled templates, the Markdown converter, the related
explainers it chose (kept in the state too), and a scratch folder of its own. The preview server keeps one
session for all its rebuilds; a command-line build has its own.
"""
from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import content, outfolder
from ..config import SiteConfig
from ..markdown.embedconfig import site_providers
from ..render import related, themes
from .cache import digest_of
from .noop import folders_unchanged
from .stamps import Job, Snapshot
from .state import BuildState
from .store import BuildCache

if TYPE_CHECKING:
    import jinja2

    from ..markdown.sections import Converter

# Not part of the key: the clock (the record's time window covers it), site.yml's parsed form (its bytes are),
# how the work is done, and the folders as spelled (their resolved paths are).
NOT_IN_CONFIG_KEY = frozenset({"now", "raw", "use_cache", "jobs", "content_dir", "out_dir"})


def config_key(config: SiteConfig, fingerprinted: bool, search_index: bool = True) -> str:
    """Everything in the configuration that can change the output, as one digest (site.yml by its bytes):
    a build without the search index (the preview's) is never taken for one with it."""
    settings = [(f.name, getattr(config, f.name)) for f in dataclasses.fields(config)
                if f.name not in NOT_IN_CONFIG_KEY]
    return digest_of((settings, config.content_dir.resolve(), config.out_dir.resolve(), fingerprinted,
                      config.search and search_index))


@dataclass
class Session:
    """`persist`: the state lives in `.explainer-cache/` between processes, not only in this session.
    `own_output`: the output folder is this session's alone (the preview's private temporary folder, made
    empty for it): what its builds left there is taken as they left it, without a stat of every file and
    folder to see whether someone else changed it."""
    persist: bool
    own_output: bool = False
    state: BuildState | None = None
    chain: themes.ThemeChain | None = None
    env: jinja2.Environment | None = None
    converter: Converter | None = None
    scratch: tempfile.TemporaryDirectory | None = None     # removed when the session closes
    related: related.Memo = dataclasses.field(default_factory=related.Memo)   # the last related explainers
    snapshot: Snapshot | None = None       # the last scan of the inputs, while no change can have been missed
    made: object | None = None             # the last build's edition with what it was made from (edition.Made)
    loaded_from: Snapshot | None = None    # the scan the state's explainers were last loaded from

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *_) -> None:
        self.close()

    def close(self) -> None:
        if self.scratch is not None:
            self.scratch.cleanup()
            self.scratch = None

    def state_for(self, config: SiteConfig, key: str, cache: BuildCache | None,
                  known_paths: Iterable[Path] = ()) -> BuildState:
        """The previous build's state (from `cache` the first time, taking `known_paths` for the equal paths in
        it), emptied of what a changed site.yml or option invalidates."""
        if self.state is None:
            self.state = cache.load_state(known_paths) if cache is not None else BuildState()
            self.related = self.state.related       # one memo: the session's is the one the state saves
        if self.state.config_key != key:
            self.state.config_key = key
            self.state.loaded, self.state.shown, self.state.cards = {}, {}, {}
            self.loaded_from = None
        return self.state

    def restamped(self, previous: Snapshot | None, snap: Snapshot) -> tuple[Job, ...] | None:
        """The explainers that can have changed since the state's were loaded: those `snap` stamped again
        when it was made from `previous`, the scan they were loaded from. None when that is not known (a
        whole scan, or a build since then that failed before its explainers were loaded)."""
        if previous is None or previous is not self.loaded_from:
            return None
        return snap.restamped

    def converter_for(self, config: SiteConfig) -> Converter:
        """The Markdown converter for the site's settings (axioms, raw_html, markdown_extensions, embed providers),
        made again only when they change."""
        if self.converter is None or (self.converter.axioms, self.converter.raw_html, self.converter.extensions,
                                      self.converter.providers) != (config.axioms, config.raw_html,
                                                                    config.markdown_extensions,
                                                                    site_providers(config)):
            self.converter = content.converter_for(config)
        return self.converter

    def environment(self, chain: themes.ThemeChain, templates_changed: bool) -> jinja2.Environment:
        """The theme's environment, kept while the chain and its templates stay the same."""
        if self.env is None or chain != self.chain or templates_changed:
            self.chain, self.env = chain, themes.environment(chain)
        return self.env

    def bodies_folder(self, cache: BuildCache | None, out_dir: Path) -> Path:
        """Where converted bodies wait until their page is rendered: the cache when the state persists there,
        or a folder of our own."""
        return cache.bodies if self.persist and cache is not None else self.scratch_folder(out_dir)

    def cards_folder(self, cache: BuildCache | None, out_dir: Path) -> Path:
        """Social cards are kept in the cache (the preview's too), or in a folder of our own."""
        return cache.cards if cache is not None else self.scratch_folder(out_dir) / "cards"

    def images_folder(self, cache: BuildCache | None, out_dir: Path) -> Path:
        """Encoded images are kept in the cache (the preview's too), or in a folder of our own."""
        return cache.images if cache is not None else self.scratch_folder(out_dir) / "images"

    def scratch_folder(self, out_dir: Path) -> Path:
        if self.scratch is None:
            # Beside the output, named like a staging folder: the next build removes it if this one is killed.
            self.scratch = outfolder.scratch_folder(out_dir, "bodies")
        return Path(self.scratch.name)


def forget_changed_output(state: BuildState, out_dir: Path, own_output: bool = False) -> None:
    """Someone else (a build without the cache, a person) changed the output folder: the manifest no longer
    lists every file in it, so the writer writes it anew rather than update it in place. Not looked at in a
    folder nobody else writes (`Session.own_output`)."""
    if state.manifest and not own_output and not folders_unchanged(out_dir, state.folders):
        state.manifest, state.shown = {}, {}
