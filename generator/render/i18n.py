"""The interface in each page's language: the theme's gettext catalogs, Babel's dates, numbers and lists.

Catalogs are `.po` text in a theme, `locales/<language>/LC_MESSAGES/messages.po`, read with Babel when a site
is built, and only for the languages it uses; a build with a cache keeps each language's merged catalog
compiled (`CompiledCatalogs`, keyed by the bytes of the .po files it was made from), and the next build reads
that with the standard library's gettext instead of parsing .po text again. Every folder of the theme chain
may have one: a message found in a more specific folder (a site's `themes/default/locales/es/…`) wins over the
same message below it, so a site changes one string without copying a catalog. Templates use Jinja2's i18n
extension (`{% trans %}`, `_()`, `ngettext`) with new-style gettext: the callables are passed with each page,
never installed in the shared environment.
"""
from __future__ import annotations

import dataclasses
import gettext as gettext_module
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import babel
import jinja2
from babel import Locale
from babel.lists import format_list
from babel.numbers import format_decimal
from markupsafe import Markup, escape

from .. import __version__, languages
from ..errors import ExplainerError, TemplateError, raise_all
from ..markdown.sections import permalink
from ..model import Explainer, Section
from ..problems import Place
from .formats import date_as_written, date_long, datetime_long

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

LOCALES = "locales"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"        # the language the templates are written in: its catalog may leave strings empty
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def N_(message: str) -> str:
    """Marks a message for the catalogs (Babel's extractor finds it) without translating it here."""
    return message


PERMALINK_LABEL = N_("Link to this section: %(label)s")   # the aria-label markdown/sections writes in English


def catalog_file(folder: Path, name: str) -> Path:
    return folder / LOCALES / name / "LC_MESSAGES" / f"{DOMAIN}.po"


def catalog_names(tag: str) -> list[str]:
    """The catalog folders that can serve a language, most specific first: `pt-BR` → pt_BR, pt-BR, pt."""
    underscored = tag.replace("-", "_")
    return list(dict.fromkeys([underscored, tag, languages.base(tag)]))


def read_catalog(path: Path, tag: str) -> Catalog:
    """One .po file, checked: a syntax error or a placeholder the original does not have is a file:line error."""
    # Babel's .po reader (with `email` for the headers) is imported only when a catalog is parsed.
    from babel.messages.pofile import PoFileError, read_po
    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=languages.locale_of(tag), abort_invalid=True)
    except PoFileError as err:
        raise TemplateError(f"broken message catalog: {err}", Place(path, getattr(err, "lineno", None)),
                            hint="fix the .po syntax (msgid \"…\" / msgstr \"…\")") from None
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise TemplateError(f"cannot read message catalog: {err}", Place(path),
                            hint="save it as UTF-8 .po text") from None
    raise_all(list(_placeholder_errors(catalog, path)))
    return catalog


def _placeholder_errors(catalog: Catalog, path: Path) -> Iterable[ExplainerError]:
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        allowed = {name for text in ids for name in _PLACEHOLDER.findall(text)}
        for text in strings:
            unknown = set(_PLACEHOLDER.findall(text)) - allowed
            try:
                _ = text % {name: "" for name in allowed | unknown} if "%" in text else text
            except (ValueError, TypeError, KeyError):
                unknown = unknown or {"?"}
            if unknown:
                yield TemplateError(f"the translation of {ids[0]!r} has placeholders the original lacks or a "
                                    f"stray %: {text!r}", Place(path, message.lineno),
                                    hint="keep the %(name)s placeholders of the msgid; write a per cent sign as %%")


def merged(catalogs: list[Catalog]) -> Catalog:
    """One catalog from several, most specific first: each message from the first catalog that translates it."""
    from babel.messages.catalog import Catalog
    base = catalogs[-1]
    result = Catalog(locale=base.locale, domain=DOMAIN, fuzzy=False)
    result.plural_forms   # noqa: B018 - read once so the catalog's plural rule is the base one's
    result.mime_headers = base.mime_headers
    for catalog in reversed(catalogs):
        for message in catalog:
            if message.id and message.string and not message.fuzzy and (
                    not isinstance(message.string, (list, tuple)) or all(message.string)):
                if message.id in result:
                    del result[message.id]     # assigning would keep the old translation
                result[message.id] = message
    return result


def compiled_of(catalog: Catalog) -> bytes:
    """The catalog as GNU .mo bytes (what gettext reads)."""
    from babel.messages.mofile import write_mo
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


class CompiledCatalogs(Protocol):
    """Where a build keeps each language's merged catalog as .mo bytes between builds (incremental/catalogs):
    `read` gives back exactly what `keep` was given for that language under that key, or None; `keep` replaces
    what the language had under other keys."""

    def read(self, tag: str, key: str) -> bytes | None: ...

    def keep(self, tag: str, key: str, data: bytes) -> None: ...


# Changes whenever what `compiled_key` covers would not: how the catalogs are merged and compiled.
COMPILED_FORM = 1


def compiled_key(tag: str, paths: list[Path]) -> str | None:
    """A digest of everything a language's compiled catalog is made from: the bytes of its .po files (most
    specific first, by path), the tag (plural rules come from the locale when a catalog has no Plural-Forms),
    this version and Babel's. None when a file cannot be read (then it is parsed, and its error reported)."""
    digest = hashlib.blake2b(f"{COMPILED_FORM}\0{__version__}\0{babel.__version__}\0{tag}".encode(), digest_size=16)
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            return None
        digest.update(f"\0{path}\0{len(data)}\0".encode("utf-8", "surrogatepass"))
        digest.update(data)
    return digest.hexdigest()


@dataclass(frozen=True)
class PageLanguage:
    """What a page in one language gets: its tag, direction, gettext callables, Babel formats."""
    tag: str
    translations: gettext_module.NullTranslations
    has_catalog: bool
    callables: dict[str, Any] = field(compare=False)    # Jinja2 i18n's new-style gettext, ngettext …

    @classmethod
    def make(cls, tag: str, translations: gettext_module.NullTranslations, has_catalog: bool) -> PageLanguage:
        return cls(tag, translations, has_catalog, {
            "gettext": _new_style(translations.gettext), "ngettext": _new_style_plural(translations.ngettext),
            "pgettext": _new_style(translations.pgettext), "npgettext": _new_style_plural(translations.npgettext)})

    @property
    def locale(self) -> Locale:
        return languages.locale_of(self.tag)

    @property
    def direction(self) -> str:
        return "rtl" if self.locale.character_order == "right-to-left" else "ltr"

    @property
    def name(self) -> str:
        return languages.native_name(self.tag)

    def gettext(self, message: str, **variables: Any) -> str:
        text = self.translations.gettext(message)
        return text % variables if variables else text

    def ngettext(self, singular: str, plural: str, count: int, **variables: Any) -> str:
        variables.setdefault("num", count)
        return self.translations.ngettext(singular, plural, count) % variables

    def date(self, moment: datetime) -> str:
        return date_long(moment, self.tag)

    def number(self, value: int | float) -> str:
        return format_decimal(value, locale=self.locale)

    def join(self, items: Iterable[str]) -> Markup:
        """`A, B and C` in the page's language; the items are escaped unless they are markup already."""
        items = list(items)
        marks = [f"\x00{number}\x00" for number in range(len(items))]
        text = str(escape(format_list(marks, locale=self.locale))) if items else ""
        for mark, item in zip(marks, items):
            text = text.replace(mark, str(escape(item)))
        return Markup(text)

    def plural_samples(self) -> list[tuple[str, int]]:
        """Each CLDR plural category of the language with the smallest whole number in it, for scripts that
        pick a translated form with the browser's Intl.PluralRules (the catalogs' forms follow CLDR too)."""
        samples: dict[str, int] = {}
        for count in range(200):
            samples.setdefault(self.locale.plural_form(count), count)
        return sorted(samples.items())

    def permalink_label(self, label: str) -> str:
        return self.gettext(PERMALINK_LABEL, label=label)

    def template_context(self) -> dict[str, Any]:
        """What a template in this language gets: `i18n` and the callables `{% trans %}` and `_()` call."""
        return {"i18n": self, **self.callables}


def _new_style(function):
    """gettext for `{% trans %}` and `_()`: translate, then fill in the variables (escaped on HTML pages)."""
    @jinja2.pass_context
    def call(context: jinja2.runtime.Context, *args: str, **variables: Any) -> str:
        text = function(*args)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables if variables else text
    return call


def _new_style_plural(function):
    @jinja2.pass_context
    def call(context: jinja2.runtime.Context, *args: Any, **variables: Any) -> str:
        variables.setdefault("num", args[-1])
        text = function(*args)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables
    return call


@dataclass(frozen=True)
class Interface:
    """The page languages of one build, and the warnings about languages the theme has no catalog for."""
    pages: dict[str, PageLanguage]
    default: str
    warnings: tuple[str, ...] = ()

    def page(self, tag: str | None) -> PageLanguage:
        return self.pages.get(tag or self.default) or self.pages[self.default]


def load(theme_folders: Iterable[Path], tags: Iterable[str], default: str,
         compiled: CompiledCatalogs | None = None) -> Interface:
    """The catalogs of the languages a site uses, from the theme chain (most specific folder first); with
    `compiled`, each language's merged catalog is taken from there while its .po files are byte for byte
    the ones it was made from, and kept there when it is made."""
    folders = list(theme_folders)
    pages: dict[str, PageLanguage] = {}
    missing: list[str] = []
    errors: list[ExplainerError] = []
    for tag in sorted({*tags, default}):
        paths = list(catalog_paths(folders, tag))
        if paths:
            key = compiled_key(tag, paths) if compiled is not None else None
            data = compiled.read(tag, key) if compiled is not None and key else None
            if data is None:
                found, broken = _read_all(paths, tag)
                if broken:
                    errors.extend(broken)
                    continue
                data = compiled_of(merged(found))
                if compiled is not None and key:
                    compiled.keep(tag, key, data)
            pages[tag] = PageLanguage.make(tag, gettext_module.GNUTranslations(io.BytesIO(data)), True)
        else:
            pages[tag] = PageLanguage.make(tag, gettext_module.NullTranslations(), False)
            if languages.base(tag) != SOURCE_LANGUAGE:
                missing.append(tag)
    raise_all(errors)
    warnings = tuple(
        f"no interface catalog for language '{tag}' ({languages.native_name(tag)}): its pages show the theme's "
        f"English words (add themes/default/locales/{tag.replace('-', '_')}/LC_MESSAGES/{DOMAIN}.po beside the "
        "content folder; docs/theme.md)" for tag in missing)
    return Interface(pages, default, warnings)


def _read_all(paths: list[Path], tag: str) -> tuple[list[Catalog], list[ExplainerError]]:
    found: list[Catalog] = []
    broken: list[ExplainerError] = []
    for path in paths:
        try:
            found.append(read_catalog(path, tag))
        except ExplainerError as err:
            broken.append(err)
    return found, broken


def catalog_paths(folders: list[Path], tag: str) -> Iterable[Path]:
    """The .po files of a language in the theme chain, most specific first: one per folder, its most
    specific name."""
    for folder in folders:
        for name in catalog_names(tag):
            path = catalog_file(folder, name)
            if path.is_file():
                yield path
                break


@jinja2.pass_context
def date_long_filter(context: jinja2.runtime.Context, moment: datetime, tag: str | None = None,
                     time: bool = False, precision: str | None = None) -> str:
    """`{{ date | date_long }}` in the page's language, `date_long(item.language)` in another one (English
    where no language is given); `date_long(time=True)` adds the time of day and zone, in the site's time zone
    (`site.timezone`); `date_long(precision=event.precision)` writes as much as a timeline event has (a year,
    a month, a day or a time)."""
    language = context.get("i18n")
    if tag is None and isinstance(language, PageLanguage):
        tag = language.tag
    if precision in ("year", "month"):
        return date_as_written(moment, tag or SOURCE_LANGUAGE, precision)
    if time or precision == "time":
        site = context.get("site")
        zone = site.get("timezone") if isinstance(site, dict) else None
        return datetime_long(moment.astimezone(zone) if zone else moment, tag or SOURCE_LANGUAGE)
    return date_long(moment, tag or SOURCE_LANGUAGE)


def bdi_filter(text: str) -> Markup:
    """`{{ name | bdi }}`: a name isolated from the text around it, whichever direction each is written in."""
    return Markup("<bdi>{}</bdi>").format(text)


def language_name_filter(tag: str) -> str:
    """`{{ "es" | language_name }}` → Español: a language as it calls itself."""
    return languages.native_name(tag)


@jinja2.pass_context
def number_filter(context: jinja2.runtime.Context, value: int | float) -> str:
    language = context.get("i18n")
    return language.number(value) if isinstance(language, PageLanguage) else format_decimal(value, locale="en")


def localised_permalinks(explainer: Explainer, language: PageLanguage) -> Explainer:
    """The explainer with its section permalinks' aria-label in the page's language (the Markdown stage writes
    it in English, since a converted body is shared by every page and cached without a language)."""
    sections = explainer.body.sections
    if not sections or language.permalink_label("\x00") == PERMALINK_LABEL % {"label": "\x00"}:
        return explainer
    localised = tuple(dataclasses.replace(section, html_with_permalink=Markup(str(section.html_with_permalink).replace(
        str(permalink(section.label, section.id)), str(_permalink(section, language)), 1))) for section in sections)
    return dataclasses.replace(explainer, body=dataclasses.replace(explainer.body, sections=localised))


def _permalink(section: Section, language: PageLanguage) -> Markup:
    return Markup('<a class="permalink" href="#{}" aria-label="{}">#</a>').format(
        section.id, language.permalink_label(section.label))
