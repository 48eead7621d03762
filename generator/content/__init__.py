"""Reading content/: the files an explainer is made of, its front matter and typed fields.

discover lists the explainers and other files; load reads one explainer (front matter, fields, body).
"""
from .discover import SourceTree, discover
from .load import body_cache_key, converter_for, load_all, load_explainer, split_front_matter

__all__ = ["SourceTree", "body_cache_key", "converter_for", "discover", "load_all", "load_explainer",
           "split_front_matter"]
