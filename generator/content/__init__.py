"""Reading content/: the files an explainer is made of, its front matter and typed fields.

discover lists the explainers and other files; load reads one explainer (front matter, fields, body);
batch loads many at once, in worker processes when that pays.

`load`'s names come from it when first asked for (`content.load_all`): the scan of a build that finds
nothing changed imports this package for `discover` and never needs Markdown.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .discover import BUNDLE_INDEX, SourceTree, discover

if TYPE_CHECKING:
    from .load import (
                       SourceFile,
                       body_cache_key,
                       converter_for,
                       explainer_from,
                       load_all,
                       load_explainer,
                       read_source,
                       split_front_matter,
    )

__all__ = ["BUNDLE_INDEX", "SourceFile", "SourceTree", "body_cache_key", "converter_for", "discover",
           "explainer_from", "load_all", "load_explainer", "read_source", "split_front_matter"]
LOADED = frozenset(__all__) - {"BUNDLE_INDEX", "SourceTree", "discover"}


def __getattr__(name: str) -> Any:
    if name not in LOADED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(".load", __name__), name)
