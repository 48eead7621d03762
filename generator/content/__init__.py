"""Reading content/: the files an explainer is made of, its front matter and typed fields.

discover lists the explainers and other files; load reads one explainer (front matter, fields, body);
batch loads many at once, in worker processes when that pays.
"""
from .discover import BUNDLE_INDEX, SourceTree, discover
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
