"""Pagination: a list of explainers cut into pages of site.yml's `paginate:` each. Page 1 stays at the list's
own address; page n is at `page/<n>/` under it (`category/science/page/2/`). Pure functions; no I/O."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

PAGE_FOLDER = "page"
WINDOW = 2          # numbered links on each side of the current page, besides the first and the last


@dataclass(frozen=True)
class Pagination:
    """One page of a list: its number, how many pages and items the list has, and the site-relative URL of
    each page (`url_of`)."""
    base: str           # the list's URL, site-relative: "" (the front page), "category/science/"
    number: int         # 1-based
    count: int          # pages in the list (1 for an empty list)
    total: int          # items in the list
    first_item: int     # the 1-based position of this page's first item in the whole list

    def url_of(self, number: int) -> str:
        return self.base if number == 1 else f"{self.base}{PAGE_FOLDER}/{number}/"

    @property
    def url(self) -> str:
        return self.url_of(self.number)

    @property
    def path(self) -> str:
        return self.url + "index.html"

    @property
    def previous(self) -> str | None:
        return self.url_of(self.number - 1) if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.url_of(self.number + 1) if self.number < self.count else None

    @property
    def window(self) -> tuple[int | None, ...]:
        """The page numbers a navigation links to: the first, the last, and those near this one; None where
        numbers are left out (shown as …)."""
        shown = sorted({1, self.count, *range(max(1, self.number - WINDOW), min(self.count, self.number + WINDOW) + 1)})
        numbers: list[int | None] = []
        for number in shown:
            if numbers and number - (numbers[-1] or 0) > 1:
                numbers.append(number - 1 if number - (numbers[-1] or 0) == 2 else None)
            numbers.append(number)
        return tuple(numbers)


def paginate(base: str, items: Sequence[Any], per_page: int | None) -> list[tuple[Pagination, tuple[Any, ...]]]:
    """Each page of the list at `base` with the items it shows; one page when `per_page` is None."""
    size = per_page or max(1, len(items))
    count = max(1, -(-len(items) // size))
    return [(Pagination(base, number, count, len(items), (number - 1) * size + 1),
             tuple(items[(number - 1) * size:number * size])) for number in range(1, count + 1)]
