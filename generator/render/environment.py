"""The one Jinja2 environment of a theme: its template folders, autoescaping, StrictUndefined, the i18n
extension and the filters of `filters.FILTERS` (themes.environment makes it for a theme chain)."""
from __future__ import annotations

import posixpath
from collections.abc import Mapping
from pathlib import Path

import jinja2

from ..errors import TemplateError
from ..problems import Place
from .filters import FILTERS


class TemplateFolders(jinja2.FileSystemLoader):
    """Jinja2's file loader, with a file:line error for a template that is not UTF-8 text."""

    def get_source(self, environment: jinja2.Environment, template: str):
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as err:
            path = self._file_of(template)
            line = path.read_bytes()[:err.start].count(b"\n") + 1 if path else None
            raise TemplateError(f"template is not UTF-8 text (byte {err.start} of the file)",
                                Place(path or Path(template), line),
                                hint="save it as UTF-8") from None

    def _file_of(self, template: str) -> Path | None:
        pieces = jinja2.loaders.split_template_path(template)
        for folder in self.searchpath:
            path = Path(posixpath.join(folder, *pieces))
            if path.is_file():
                return path
        return None


def environment(template_dirs: list[str], prefixed: Mapping[str, str]) -> jinja2.Environment:
    """Autoescaping, strict Jinja2 environment over `template_dirs` (most specific first); `prefixed` names
    folders reached by a prefix (`default/x.html`: the packaged default theme's template).

    The filters of `filters.FILTERS` are registered here, once; nothing else is ever added to it (what a page
    shows, its language's gettext callables included, is passed to its render call), so one environment
    serves any number of builds.
    Templates are not re-checked on every use (the builder makes a new environment when they change).
    Compiled templates are never kept on disk: loading them back would run code from the cache folder.
    """
    loader = jinja2.ChoiceLoader([
        TemplateFolders(template_dirs),
        jinja2.PrefixLoader({prefix: TemplateFolders(folder) for prefix, folder in prefixed.items()}),
    ])
    env = jinja2.Environment(loader=loader, autoescape=jinja2.select_autoescape(["html", "xml"]),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True, auto_reload=False,
                             extensions=["jinja2.ext.i18n"])
    # {% trans %} and _() call the page's own gettext callables (render/i18n.py passes them with each page).
    env.newstyle_gettext = True   # type: ignore[attr-defined]
    env.filters.update(FILTERS)
    return env
