"""Themes: a chain of folders (site-local override → chosen theme → default) behind one Jinja2 environment."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import SiteConfig
from ..errors import ConfigError

if TYPE_CHECKING:
    import jinja2

DEFAULT_THEME = "default"
FINGERPRINTED = (".css", ".js")


def packaged_themes_dir() -> Path:
    """Themes shipped with the package: inside it when installed from a wheel, beside it in a checkout."""
    here = Path(__file__).resolve().parent.parent     # generator/, which holds themes/ when installed
    installed = here / "themes"
    return installed if installed.is_dir() else here.parent / "themes"


@dataclass(frozen=True)
class ThemeChain:
    """The theme folders a site renders with, most specific first."""
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


def environment(chain: ThemeChain) -> jinja2.Environment:
    """The chain's Jinja2 environment (render/environment.py); `default/x.html` names the packaged default's
    template. Jinja2 is imported here, by a build that renders: one that finds nothing changed resolves the
    chain for its stamps and never needs it."""
    from .environment import environment as make
    return make(chain.template_dirs, {DEFAULT_THEME: str(packaged_themes_dir() / DEFAULT_THEME / "templates")})


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
