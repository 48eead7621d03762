"""How pages and social cards write a date: the theme's `date_long` (Babel, in a language) and `isodate`."""
from __future__ import annotations

from datetime import datetime

from babel.dates import format_date

from .. import languages


def date_long(moment: datetime, language: str = "en") -> str:
    """`November 2, 2023`, `2 de noviembre de 2023`, `2 نوفمبر 2023`: CLDR's long date in the language."""
    return format_date(moment.date(), format="long", locale=languages.locale_of(language))


def isodate(moment: datetime) -> str:
    if (moment.hour, moment.minute, moment.second) == (0, 0, 0):
        return moment.date().isoformat()
    return moment.isoformat()
