"""Themes: a chain of folders (site-local override → chosen theme → default) behind one Jinja2 environment."""
from __future__ import annotations

import hashlib
import posixpath
from dataclasses import dataclass
from pathlib import Path

import jinja2

from ..config import SiteConfig
from ..errors import ConfigError, TemplateError
from ..problems import Place
from .filters import FILTERS

DEFAULT_THEME = "default"
FINGERPRINTED = (".css", ".js")


def packaged_themes_dir() -> Path:
    """Themes shipped with the package: inside it when installed from a wheel, beside it in a checkout."""
    here = Path(__file__).resolve().parent.parent     # generator/, which holds themes/ when installed
    installed = here / "themes"
    return installed if installed.is_dir() else here.parent / "themes"


@dataclass(frozen=True)
class ThemeChain:
    folders: tuple[Path, ...]    # most specific first; the packaged default theme is always last

    @property
    def template_dirs(self) -> list[str]:
        return [str(f / "templates") for f in self.folders if (f / "templates").is_dir()]

    @property
    def static_dirs(self) -> list[Path]:
        return [f / "static" for f in self.folders if (f / "static").is_dir()]


def resolve(config: SiteConfig) -> ThemeChain:
    """Find the theme folders for a site; a `themes/<name>/` beside the content overrides templates one by one."""
    builtin = packaged_themes_dir()
    local_root = config.content_dir.resolve().parent / "themes"
    name = config.theme
    folders: list[Path] = []
    as_path = Path(name).expanduser()
    if "/" in name or name.startswith("."):
        candidate = as_path if as_path.is_absolute() else (Path.cwd() / as_path)
        if not candidate.is_dir():
            raise ConfigError(f"theme folder not found: {name}", _where(config),
                              hint="give a theme name or the path of a folder with templates/")
        folders.append(candidate.resolve())
    else:
        for root in (local_root, builtin):
            if (root / name).is_dir():
                folders.append((root / name).resolve())
        if not folders:
            known = sorted({p.name for root in (local_root, builtin) if root.is_dir()
                            for p in root.iterdir() if p.is_dir()})
            raise ConfigError(f"unknown theme '{name}'", _where(config),
                              hint="known themes: " + ", ".join(known))
    if name != DEFAULT_THEME and (local_root / DEFAULT_THEME).is_dir():
        folders.append((local_root / DEFAULT_THEME).resolve())
    folders.append((builtin / DEFAULT_THEME).resolve())
    return ThemeChain(tuple(dict.fromkeys(folders)))


def _where(config: SiteConfig):
    return config.line_of("theme") if "theme" in config.raw else None


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


def environment(chain: ThemeChain) -> jinja2.Environment:
    """Autoescaping, strict Jinja2 environment; `default/x.html` always names the packaged default's template.

    The filters of `filters.FILTERS` are registered here, once; nothing else is ever added to it (what a page
    shows, its language's gettext callables included, is passed to its render call), so one environment
    serves any number of builds.
    Templates are not re-checked on every use (the builder makes a new environment when they change).
    Compiled templates are never kept on disk: loading them back would run code from the cache folder.
    """
    loader = jinja2.ChoiceLoader([
        TemplateFolders(chain.template_dirs),
        jinja2.PrefixLoader({DEFAULT_THEME: TemplateFolders(
            str(packaged_themes_dir() / DEFAULT_THEME / "templates"))}),
    ])
    env = jinja2.Environment(loader=loader, autoescape=jinja2.select_autoescape(["html", "xml"]),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True, auto_reload=False,
                             extensions=["jinja2.ext.i18n"])
    # {% trans %} and _() call the page's own gettext callables (render/i18n.py passes them with each page).
    env.newstyle_gettext = True   # type: ignore[attr-defined]
    env.filters.update(FILTERS)
    return env


def static_files(chain: ThemeChain) -> dict[str, Path]:
    """Theme static files by output path ('static/style.css'); earlier folders win."""
    files: dict[str, Path] = {}
    for folder in reversed(chain.static_dirs):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                files["static/" + path.relative_to(folder).as_posix()] = path
    return dict(sorted(files.items()))


def fingerprint(static: dict[str, Path]) -> dict[str, str]:
    """Output name per theme asset: CSS and JS get a content hash so they can be cached for ever."""
    names = {}
    for rel, path in static.items():
        if rel.endswith(FINGERPRINTED):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
            stem, _, ext = rel.rpartition(".")
            names[rel] = f"{stem}.{digest}.{ext}"
        else:
            names[rel] = rel
    return names


@dataclass(frozen=True)
class Theme:
    """A theme ready to render with: its folders, its environment, its static files and their output names."""
    chain: ThemeChain
    env: jinja2.Environment
    static: dict[str, Path]     # 'static/style.css' → the file
    assets: dict[str, str]      # 'static/style.css' → its name on the site ('static/style.<hash>.css')


def load(chain: ThemeChain, env: jinja2.Environment | None = None, fingerprinted: bool = True) -> Theme:
    """The theme of `chain`, with `env` when one is at hand (the preview keeps its compiled templates);
    `fingerprinted=False` keeps assets at their own names (the preview swaps a changed stylesheet in place)."""
    static = static_files(chain)
    assets = fingerprint(static) if fingerprinted else {rel: rel for rel in static}
    return Theme(chain, env or environment(chain), static, assets)
