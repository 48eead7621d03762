"""`explainer email SLUG`: the newsletter edition of one explainer, an email-safe HTML file and a plain-text one.

It goes the way build goes — load, select (drafts and scheduled explainers only when asked), the images
stage's plan (named, not encoded: what build publishes of this explainer's pictures depends on nothing else),
the edition's Renderer with the site's theme — and renders the theme's `email/` templates instead of the page
(render/mail.py). It writes the two files it is asked for, atomically, and nothing else: never into the
site's output folder or the content folder.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from . import content, edition
from .config import SiteConfig
from .errors import ConfigError, ContentError, ExplainerError, did_you_mean, flatten, raise_all
from .images import publish
from .model import Body, Explainer
from .render import themes
from .render.mail import CLIP_BYTES, Email, render_email
from .selection import select
from .write import atomic_write

LISTED = 20     # an unknown slug lists the explainers when there are at most this many
UNSHOWN = Body(lede_html="", lede_text="", sections=(), words=0)   # the body of an explainer the email does not show


@dataclass(frozen=True)
class EmailReport:
    """What `explainer email` wrote: the email's files and the warnings to show."""
    slug: str
    html_path: Path
    text_path: Path
    email: Email
    warnings: tuple[str, ...] = ()


def default_paths(slug: str, out: str | Path | None, text: Path | None) -> tuple[Path, Path]:
    """`<slug>.email.html` in the current folder (or in `--out` when that is a folder, or ends with a slash)
    unless `--out` names a file; the text beside it, `.txt` for `.html`, unless `--text`."""
    name = f"{slug}.email.html"
    if out is None:
        html_path = Path(name)
    elif str(out).endswith(("/", os.sep)) or Path(out).is_dir():
        html_path = Path(out) / name
    else:
        html_path = Path(out)
    return html_path, text or html_path.with_suffix(".txt")


def write_email(config: SiteConfig, slug: str, out: str | Path | None = None,
                text: Path | None = None) -> EmailReport:
    """Render explainer `slug` as an email and write its HTML and text files."""
    html_path, text_path = default_paths(slug, out, text)
    require_absolute_base(config)
    for path in (html_path, text_path):
        refuse_site_folders(path, config)
    if html_path.resolve() == text_path.resolve():
        raise ConfigError(f"the HTML and the text would both be written to {html_path}",
                          hint="give --text another file name")
    email = email_of(config, slug)
    atomic_write(html_path, email.html.encode("utf-8"))
    atomic_write(text_path, email.text.encode("utf-8"))
    warnings = (f"{html_path} is {email.html_bytes:,} bytes: Gmail clips a message after about {CLIP_BYTES:,} "
                "bytes of HTML and hides the rest behind [Message clipped] (shorten the explainer, or send "
                "fewer boxes or embeds)",) if email.clipped else ()
    return EmailReport(slug, html_path, text_path, email, warnings)


def email_of(config: SiteConfig, slug: str) -> Email:
    """The email of explainer `slug`, rendered through the edition build would publish (with the drafts and
    scheduled explainers the options let in)."""
    explainers, tree = load_for(config, slug)
    chosen = select(explainers, config)
    explainer = find(slug, explainers, chosen.published, config)
    images = publish.plan_images([explainer], config)      # the files build publishes of its pictures, named
    site = edition.prepare(config, themes.load(themes.resolve(config)), tree, chosen.published, images=images)
    return render_email(site.renderer, site.renderer.full(explainer))


def load_for(config: SiteConfig, slug: str) -> tuple[list[Explainer], content.SourceTree]:
    """Every explainer as build loads it (front matter, boxes, hero: the site's lists and translations need
    them, and their mistakes stop the email as they stop a build), but only `slug`'s Markdown converted: the
    email shows no other body. At 1,000 explainers that is the difference between seconds and a blink."""
    tree = content.discover(config.content_dir)
    converter = content.converter_for(config)
    explainers: list[Explainer] = []
    errors: list[ExplainerError] = []
    for name, source, bundle in tree.explainers:
        try:
            read = content.read_source(name, source, bundle)
            explainers.append(content.explainer_from(read, config, converter, None if name == slug else UNSHOWN))
        except ExplainerError as err:
            errors.extend(flatten(err))
    raise_all(errors)
    return explainers, tree


def find(slug: str, explainers: list[Explainer], published: list[Explainer], config: SiteConfig) -> Explainer:
    """The explainer named `slug` among those published; a draft or a scheduled one says how to include it."""
    found = next((e for e in explainers if e.slug == slug), None)
    if found is None:
        slugs = sorted(e.slug for e in explainers)
        raise ContentError(f"no explainer named '{slug}' in {config.content_dir}",
                           hint=did_you_mean(slug, slugs, "the explainers", otherwise=None if len(slugs) <= LISTED
                                             else "`explainer email` takes the slug: the folder's or the file's "
                                                  "name, e.g. rates for content/rates/index.md"))
    if found not in published:
        if found.draft and not config.drafts:
            raise ContentError(f"'{slug}' is a draft", hint="pass --drafts to make its email anyway, or set "
                                                             "`draft: false`")
        raise ContentError(f"'{slug}' is scheduled for {found.date.isoformat()}",
                           hint="pass --future (or --as-of TIME) to make its email before it goes live")
    return found


def require_absolute_base(config: SiteConfig) -> None:
    """An email is read away from the site: every address in it must be absolute, so base_url must be."""
    if config.absolute_base:
        return
    hint = ("set base_url: https://example.com/explainers/ in site.yml (or pass --base-url URL): links and "
            "pictures in an email must be absolute addresses")
    written = str(config.raw.get("base_url", "")).strip()
    if written and written.rstrip("/") == config.base_url.rstrip("/"):
        raise ConfigError(f"an email needs the site's public address, and base_url is '{written}'",
                          config.line_of("base_url"), hint=hint)
    raise ConfigError(f"an email needs the site's public address, and --base-url is '{config.base_url}'"
                      if written or config.base_url != "/" else
                      f"an email needs the site's public address, and {config.site_file.name} has no base_url",
                      hint=hint)


def refuse_site_folders(path: Path, config: SiteConfig) -> None:
    """The email is not part of the site: never written into the output folder, nor into content/ (from where
    the next build would publish it)."""
    target = path.resolve()
    for folder, what in ((config.out_dir, "the site's output folder"), (config.content_dir, "the content folder")):
        if target == folder.resolve() or folder.resolve() in target.parents:
            raise ConfigError(f"{path} is inside {what} ({folder})",
                              hint="write the email somewhere else, e.g. --out newsletter/<slug>.html")
