"""`explainer serve`: a live-reload preview built on the `livereload` package (the `serve` extra).

server.py runs a session; preview.py rebuilds and decides what the open pages do; watch.py turns file-system
events into rebuilds; reload.py speaks livereload's protocol; handlers.py and paths.py serve the files.
"""
from __future__ import annotations

from ..errors import ConfigError


def require_extra() -> None:
    """The preview's packages are optional: say how to install them instead of failing on an import."""
    try:
        import livereload  # noqa: F401
        import tornado  # noqa: F401
        import watchfiles  # noqa: F401
    except ImportError as err:
        raise ConfigError(f"`explainer serve` needs the {err.name or 'livereload'} package",
                          hint="install the preview extra: pip install 'explainer[serve]'") from None
