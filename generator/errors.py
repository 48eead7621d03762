"""Errors a user can cause, each carrying where it happened and how to fix it."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from .problems import Formatter, Place, Problem, Text

# scheme://user:password@host → scheme://***@host. Greedy up to the last @ before the path, so a password
# with an @ in it is hidden whole; `git@github.com:org/site.git` (no scheme, no secret) is left alone.
_CREDENTIALS = re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^/\s'\"<>]*@", re.IGNORECASE)


def redact(text: str) -> str:
    """`text` with the user name and password taken out of every URL in it (CI pushes to
    https://x-access-token:TOKEN@host/…, S3-compatible stores are given as http://key:secret@host)."""
    return _CREDENTIALS.sub(r"\1***@", text)


class ExplainerError(Exception):
    """A mistake in the user's input. The CLI prints it as `file:line: message (hint)`, never a traceback.

    Message and hint are redacted here, once for every error: whatever a library put in them, no URL's
    credentials reach a terminal, a CI log or the preview's error page. A message may hold paths
    (`("cannot write into ", path)`): they are shown relative to the root the command line chose.
    """

    def __init__(self, message: Text, where: Place | None = None, hint: Text | None = None,
                 page_of: Place | None = None):
        message, hint = _redact_text(message), _redact_text(hint) if hint is not None else None
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint
        self.page_of = page_of   # the explainer whose page was being rendered, when a template failed on one

    def __reduce__(self):
        # Errors cross process boundaries when explainers load in parallel: keep place, hint and page.
        return (self.__class__, (self.message, self.where, self.hint, self.page_of))

    @property
    def problem(self) -> Problem:
        return Problem(self.where, self.message, self.hint, page_of=self.page_of)

    def __str__(self) -> str:
        return Formatter().located(self.problem)


class ConfigError(ExplainerError):
    """site.yml or a command-line option is wrong."""


class ContentError(ExplainerError):
    """An explainer, its front matter or its facts are wrong."""


class TemplateError(ExplainerError):
    """A theme template cannot be loaded or rendered."""


class DeployError(ExplainerError):
    """A deploy target is misconfigured or publishing failed."""


class ErrorList(ExplainerError):
    """Several problems found in one pass, reported together."""

    def __init__(self, errors: list[ExplainerError]):
        super().__init__(f"{len(errors)} problems")
        self.errors = errors

    def __reduce__(self):
        return (self.__class__, (self.errors,))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


def raise_all(errors: list[ExplainerError]) -> None:
    """Raise nothing, the one error, or all of them together."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ErrorList(errors)


def flatten(err: ExplainerError) -> list[ExplainerError]:
    """The single problems in `err`: the errors of an ErrorList, or `err` itself."""
    return list(getattr(err, "errors", [err]))


def problems(err: ExplainerError) -> list[Problem]:
    """Each single error in `err` as a Problem (rule build/error), ready for a Formatter."""
    return [error.problem for error in flatten(err)]


def _redact_text(text: Text) -> Text:
    return redact(text) if isinstance(text, str) else tuple(
        redact(part) if isinstance(part, str) else part for part in text)


def did_you_mean(word: str, choices: Iterable[str], what: str = "known keys", *, cutoff: float = 0.6,
                 otherwise: str | None = None, and_list: bool = False,
                 show: Callable[[str], str] = str) -> str:
    """The hint for a misspelt `word`: "did you mean 'x'?" for the closest choice, else "<what>: a, b, c".

    `otherwise` replaces the list when nothing is close; `and_list` keeps the list after the suggestion;
    `show` turns the match into what the user is told (e.g. the spelling behind a normalised label).
    """
    import difflib  # only for a mistake: a build without one never needs it
    choices = list(choices)
    close = difflib.get_close_matches(word, choices, n=1, cutoff=cutoff)
    listed = f"{what}: " + ", ".join(choices) if otherwise is None else otherwise
    if not close:
        return listed
    suggestion = f"did you mean '{show(close[0])}'?"
    return f"{suggestion} {listed}" if and_list else suggestion
