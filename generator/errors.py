"""Errors a user can cause, each carrying where it happened and how to fix it."""
from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

# scheme://user:password@host → scheme://***@host. Greedy up to the last @ before the path, so a password
# with an @ in it is hidden whole; `git@github.com:org/site.git` (no scheme, no secret) is left alone.
_CREDENTIALS = re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^/\s'\"<>]*@", re.IGNORECASE)


@dataclass(frozen=True)
class SourceLocation:
    path: Path
    line: int | None = None

    def __str__(self) -> str:
        return f"{display_path(self.path)}:{self.line}" if self.line else display_path(self.path)


def display_path(path: Path) -> str:
    """A path as editors want to see it: relative to the working folder when it is inside it."""
    path = Path(path)
    try:
        # The last part is not followed: an error about a symbolic link names the link, not its target.
        real = path.resolve() if path.name in ("", ".", "..") else path.parent.resolve() / path.name
        return str(real.relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):   # RuntimeError: a loop of symbolic links (Python < 3.13)
        return str(path)


def redact(text: str) -> str:
    """`text` with the user name and password taken out of every URL in it (CI pushes to
    https://x-access-token:TOKEN@host/…, S3-compatible stores are given as http://key:secret@host)."""
    return _CREDENTIALS.sub(r"\1***@", text)


class ExplainerError(Exception):
    """A mistake in the user's input. The CLI prints it as `file:line: message (hint)`, never a traceback.

    Message and hint are redacted here, once for every error: whatever a library put in them, no URL's
    credentials reach a terminal, a CI log or the preview's error page.
    """

    def __init__(self, message: str, where: SourceLocation | None = None, hint: str | None = None):
        message, hint = redact(message), redact(hint) if hint is not None else None
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __reduce__(self):
        # Errors cross process boundaries when explainers load in parallel: keep place and hint.
        return (self.__class__, (self.message, self.where, self.hint))

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text} ({self.hint})" if self.hint else text


class ConfigError(ExplainerError):
    """site.yml or a command-line option is wrong."""


class ContentError(ExplainerError):
    """An explainer, its front matter or its facts are wrong."""


class TemplateError(ExplainerError):
    """A theme template cannot be loaded or rendered."""
    content: SourceLocation | None = None   # the explainer whose page was being rendered, when one was


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


def did_you_mean(word: str, choices: Iterable[str], what: str = "known keys", *, cutoff: float = 0.6,
                 otherwise: str | None = None, and_list: bool = False,
                 show: Callable[[str], str] = str) -> str:
    """The hint for a misspelt `word`: "did you mean 'x'?" for the closest choice, else "<what>: a, b, c".

    `otherwise` replaces the list when nothing is close; `and_list` keeps the list after the suggestion;
    `show` turns the match into what the user is told (e.g. the spelling behind a normalised label).
    """
    choices = list(choices)
    close = difflib.get_close_matches(word, choices, n=1, cutoff=cutoff)
    listed = f"{what}: " + ", ".join(choices) if otherwise is None else otherwise
    if not close:
        return listed
    suggestion = f"did you mean '{show(close[0])}'?"
    return f"{suggestion} {listed}" if and_list else suggestion
