"""How pages and social cards write a date: the theme's `date_long` (Babel, in a language) and `isodate`."""
from __future__ import annotations

from datetime import datetime

from babel.dates import format_date, format_datetime, format_skeleton, format_time, get_timezone_gmt

from .. import languages


def date_long(moment: datetime, language: str = "en") -> str:
    """`November 2, 2023`, `2 de noviembre de 2023`, `2 نوفمبر 2023`: CLDR's long date in the language."""
    return format_date(moment.date(), format="long", locale=languages.locale_of(language))


def datetime_long(moment: datetime, language: str = "en") -> str:
    """`November 26, 2026, 9:30 AM EST`, `26. November 2026, 09:30 MEZ`: CLDR's long date and short time joined
    the language's way, with the zone's short name where the language has one, else its GMT offset."""
    locale = languages.locale_of(language)
    day = format_date(moment.date(), format="long", locale=locale)
    clock = format_time(moment, format="short", locale=locale)
    zone = format_datetime(moment, "z", locale=locale)
    if zone == get_timezone_gmt(moment, width="short", locale=locale):    # Babel's fallback: +0100
        zone = get_timezone_gmt(moment, width="long", locale=locale)     # GMT+01:00, in the language
    joined = str(locale.datetime_formats["long"]).replace("'", "")
    return joined.replace("{1}", day).replace("{0}", f"{clock} {zone}")


def date_as_written(moment: datetime, language: str = "en", precision: str = "day") -> str:
    """As much of a date as was written (a timeline's `1969`, `2020-03`), in the language: `1969`, `March 2020`,
    `marzo de 2020`, `2020年3月`; a day or a time as `date_long` and `datetime_long` write them."""
    locale = languages.locale_of(language)
    if precision in ("year", "month"):
        return format_skeleton("y" if precision == "year" else "yMMMM", moment, locale=locale)
    return datetime_long(moment, language) if precision == "time" else date_long(moment, language)


def isodate(moment: datetime, time: bool = False) -> str:
    """For `<time datetime>`: the day alone for a date at midnight, unless `time` (written with a time of day)."""
    if (moment.hour, moment.minute, moment.second) == (0, 0, 0) and not time:
        return moment.date().isoformat()
    return moment.isoformat()
