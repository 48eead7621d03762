"""Outside links, checked only on request: a bounded, polite HTTP client (HEAD, then GET if HEAD fails).

The HTTP client (http.client, ssl, urllib.request, a thread pool) is imported when links are checked: a check
without --external only counts the outside links (`address`)."""
from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from .. import __version__
from ..problems import ERROR, INFO, WARNING, Problem
from .findings import finding

if TYPE_CHECKING:
    from urllib.request import OpenerDirector

MAX_WORKERS = 4          # requests in flight over the whole run
PER_HOST = 2             # requests in flight to one host
GONE = frozenset({404, 410})
USER_AGENT = f"explainer-check/{__version__} (link checker; one HEAD or GET per link)"


@dataclass(frozen=True)
class Answer:
    """What an outside URL answered when checked (or why it did not)."""
    url: str
    status: int | None   # the final HTTP status, None when no answer came
    problem: str = ""    # why there was no answer: timeout, refused, bad address

    @property
    def ok(self) -> bool:
        return self.status is not None and self.status < 400


def address(url: str) -> str:
    """What is fetched for a URL: the same page whatever its #fragment."""
    return urlunsplit(urlsplit(url)._replace(fragment=""))


def check_urls(urls: Iterable[str], timeout: float) -> dict[str, Answer]:
    """Ask each distinct address once; never more than MAX_WORKERS at a time, nor PER_HOST per host."""
    from concurrent.futures import ThreadPoolExecutor
    from urllib.request import build_opener
    urls = sorted(set(urls))
    unique = sorted({address(u) for u in urls})
    hosts: dict[str, threading.Semaphore] = {urlsplit(u).netloc.lower(): threading.Semaphore(PER_HOST)
                                             for u in unique}
    opener = build_opener()

    def ask(url: str) -> Answer:
        with hosts[urlsplit(url).netloc.lower()]:
            return fetch(url, timeout, opener)

    if not unique:
        return {}
    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(unique))) as pool:
        answers = dict(zip(unique, pool.map(ask, unique)))
    return {url: answers[address(url)] for url in urls}


def fetch(url: str, timeout: float, opener: OpenerDirector | None = None) -> Answer:
    """HEAD first (no body to download); servers that refuse HEAD (405, 403, 501 …) get one GET."""
    from urllib.error import HTTPError, URLError
    from urllib.request import Request, build_opener
    opener = opener or build_opener()
    status = None
    for method in ("HEAD", "GET"):
        request = Request(address(url), method=method, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        try:
            with opener.open(request, timeout=timeout) as response:
                return Answer(url, response.status)
        except HTTPError as err:
            status = err.code
            err.close()
        except (TimeoutError, OSError, URLError, ValueError) as err:
            # No answer at all: asking again with GET would only wait as long again.
            return Answer(url, None, _reason(err, timeout))
    return Answer(url, status)


def _reason(err: Exception, timeout: float) -> str:
    reason = getattr(err, "reason", err)
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        return f"no answer within {timeout:g} s"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    return str(reason) or type(reason).__name__


def findings(links: list[tuple[str, Path | str, int | None]], answers: dict[str, Answer]) -> Iterator[Problem]:
    """One finding per place an outside link is written: listed (info), gone (error) or unsure (warning)."""
    for url, path, line in links:
        answer = answers[url]
        if answer.ok:
            yield finding(path, line, "links/external", f"{url} ({answer.status} {_phrase(answer.status)})",
                          level=INFO)
        elif answer.status in GONE:
            yield finding(path, line, "links/external",
                          f"{url} answers {answer.status} {_phrase(answer.status)} (the page is gone: "
                          "find its new address, or link an archived copy)", level=ERROR)
        else:
            what = f"answers {answer.status} {_phrase(answer.status)}" if answer.status else answer.problem
            yield finding(path, line, "links/external", f"could not confirm {url}: {what} (try it in a "
                          "browser)", level=WARNING)


def _phrase(status: int | None) -> str:
    from http.client import responses
    return responses.get(status or 0, "")
