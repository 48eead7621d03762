"""What goes on the site: the explainers published (drafts and scheduled ones aside) and the files
copied beside the pages. build and check both ask here, so they agree.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import content, write
from .config import SiteConfig
from .errors import raise_all
from .model import Explainer


@dataclass(frozen=True)
class Selection:
    """The explainers a build publishes, and how many it left out (drafts, scheduled)."""
    published: list[Explainer]
    drafts: int
    scheduled: list[Explainer]          # dated after `now`, soonest first


def select(explainers: list[Explainer], config: SiteConfig) -> Selection:
    """Drafts only with --drafts; explainers dated in the future only with --future."""
    published, scheduled, drafts = [], [], 0
    for explainer in explainers:
        if explainer.draft and not config.drafts:
            drafts += 1
        elif explainer.date > config.now and not config.future:
            scheduled.append(explainer)
        else:
            published.append(explainer)
    return Selection(published, drafts, sorted(scheduled, key=lambda e: (e.date, e.slug)))


def files_to_copy(config: SiteConfig, static: dict[str, Path], assets: dict[str, str],
                  tree: content.SourceTree, published: list[Explainer], generated=(),
                  withheld: frozenset[str] = frozenset()) -> dict[str, Path]:
    """Output path → source file: theme assets, content files outside bundles, published explainers' bundles,
    except the `withheld` pictures (published as derivatives only, see images/publish.py).

    A content file whose output path is one of the `generated` files (or a folder of them, or inside one)
    would silently replace a page: that is an error at the file.
    """
    files = {assets[rel]: path for rel, path in static.items()}
    from_content = {}
    for path in tree.static_files:
        from_content[path.relative_to(config.content_dir).as_posix()] = path   # a link's own name
    for explainer in published:
        for path in explainer.files:
            assert explainer.bundle is not None   # only a page bundle has files of its own
            from_content[f"{explainer.slug}/{path.relative_to(explainer.bundle).as_posix()}"] = path
    from_content = {rel: path for rel, path in from_content.items() if rel not in withheld}
    raise_all(write.clashes(from_content, [*generated, *files]))
    files.update(from_content)
    return dict(sorted(files.items()))
