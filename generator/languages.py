"""Language tags (BCP 47, `es`, `pt-BR`, `zh-Hant`) checked against Babel's CLDR data: what a tag is called in
its own language, the locale Babel formats it with, the OpenGraph form, the folder of its front page.

Babel is imported by the functions that read its data: a site without `language:` in site.yml can scan its
content and find nothing changed without it (a tenth of such a build's start-up).
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from .errors import did_you_mean

if TYPE_CHECKING:
    from babel import Locale

EXAMPLES = "a BCP 47 language tag such as en, es, pt-BR or zh-Hant"


class LanguageProblem(ValueError):
    """An unknown language tag; `hint` is the did-you-mean for the error line."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.message, self.hint = message, hint


@functools.cache
def locale_of(tag: str) -> Locale:
    """Babel's locale for a tag already checked by `normalise` (cached: every page asks)."""
    from babel import Locale
    return Locale.parse(tag.replace("-", "_"))


def normalise(tag: str) -> str:
    """The tag in its usual spelling (`pt-br` → `pt-BR`, `zh_hant` → `zh-Hant`), or LanguageProblem."""
    from babel import Locale, UnknownLocaleError
    text = tag.strip()
    parts = text.replace("_", "-").split("-")
    if not text or not all(part.isalnum() and part.isascii() for part in parts):
        raise LanguageProblem(f"'{tag}' is not a language tag", _hint(text))
    spelled = [parts[0].lower()] + [p.title() if len(p) == 4 else p.upper() if len(p) in (2, 3) and
                                    p.isalpha() else p for p in parts[1:]]
    try:
        locale = Locale.parse("_".join(spelled))
    except (UnknownLocaleError, ValueError):
        raise LanguageProblem(f"unknown language '{tag}'", _hint(text)) from None
    if locale.language != spelled[0]:        # `ara` (ISO 639-2) is `ar` in BCP 47
        better = "-".join([locale.language, *spelled[1:]])
        raise LanguageProblem(f"unknown language '{tag}'", f"did you mean '{better}'? ({EXAMPLES})")
    regions = [p for p in spelled[1:] if len(p) != 4]
    if regions and (regions != [locale.territory] or locale.territory not in Locale("en").territories
                    or locale.territory == "ZZ"):
        raise LanguageProblem(f"unknown region '{regions[0]}' in language '{tag}'", _hint(text))
    return "-".join(spelled)


def _hint(text: str) -> str:
    """did you mean …? from the tags Babel knows, and from language names in English (`Spanish` → es)."""
    from babel import Locale
    by_name = {name.casefold(): code for code, name in Locale("en").languages.items() if "_" not in code}
    if text.casefold() in by_name:
        return f"did you mean '{by_name[text.casefold()]}'? ({EXAMPLES})"
    tags = _known_tags()
    close = did_you_mean(text.replace("_", "-").lower(), tags, otherwise="", show=tags.__getitem__)
    return f"{close} ({EXAMPLES})" if close else f"use {EXAMPLES}"


@functools.cache
def _known_tags() -> dict[str, str]:
    """Lowercase tag → its spelling, for every locale in Babel's data."""
    from babel.localedata import locale_identifiers
    return {ident.replace("_", "-").lower(): ident.replace("_", "-") for ident in locale_identifiers()}


def base(tag: str) -> str:
    """The language alone: `pt-BR` → `pt`."""
    return tag.split("-")[0].lower()


def native_name(tag: str) -> str:
    """What a language is called in itself, capitalised for a link: Español, العربية, Português (Brasil)."""
    name = locale_of(tag).get_display_name(locale_of(tag)) or tag
    return name[:1].upper() + name[1:]


def og_locale(tag: str) -> str:
    """OpenGraph's language_TERRITORY: `es` → es_ES, `ar` → ar_EG, `pt-BR` → pt_BR (CLDR's likely region)."""
    from babel.core import get_global
    locale = locale_of(tag)
    territory = locale.territory
    if not territory:
        likely_subtags = get_global("likely_subtags")
        likely = likely_subtags.get(f"{locale.language}_{locale.script}", "") if locale.script else ""
        likely = likely or likely_subtags.get(locale.language, "")
        territory = next((part for part in likely.split("_")[1:] if len(part) in (2, 3) and part.isupper()), "")
    return f"{locale.language}_{territory}" if territory else locale.language


def folder(tag: str) -> str:
    """The folder of a language's front page and feed: the tag in lowercase (`es`, `pt-br`)."""
    return tag.lower()
