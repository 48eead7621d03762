"""How pages and social cards write a date: the theme's `date_long` and `isodate` filters."""
from __future__ import annotations

from datetime import datetime


def date_long(moment: datetime) -> str:
    return f"{moment:%B} {moment.day}, {moment.year}"


def isodate(moment: datetime) -> str:
    if (moment.hour, moment.minute, moment.second) == (0, 0, 0):
        return moment.date().isoformat()
    return moment.isoformat()
