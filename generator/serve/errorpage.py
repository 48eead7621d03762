"""A failed build, as the terminal prints it and as every open page shows it until the next good save."""
from __future__ import annotations

import traceback
from dataclasses import dataclass
from html import escape

from ..errors import ExplainerError, flatten


@dataclass(frozen=True)
class Problem:
    where: str | None       # content or template file:line
    message: str
    hint: str | None = None
    page_of: str | None = None   # the explainer whose page a template failed on


@dataclass(frozen=True)
class BuildFailure:
    problems: tuple[Problem, ...]
    details: str | None = None    # a traceback, for failures that are bugs rather than user mistakes

    @classmethod
    def from_error(cls, err: ExplainerError) -> BuildFailure:
        return cls(tuple(_problem(e) for e in flatten(err)))

    @classmethod
    def from_bug(cls, err: Exception) -> BuildFailure:
        return cls((Problem(None, f"internal error: {type(err).__name__}: {err}",
                            "this is a bug in Explainer or a theme; the traceback is below"),),
                   details="".join(traceback.format_exception(err)))

    def terminal_text(self) -> str:
        lines = []
        for problem in self.problems:
            text = f"{problem.where}: {problem.message}" if problem.where else problem.message
            lines.append(f"error: {text}" + (f" ({problem.hint})" if problem.hint else ""))
            if problem.page_of:
                lines.append(f"  while rendering the page of {problem.page_of}")
        if self.details:
            lines.append(self.details.rstrip())
        return "\n".join(lines)


def _problem(err: ExplainerError) -> Problem:
    content = getattr(err, "content", None)
    return Problem(str(err.where) if err.where else None, err.message, err.hint,
                   str(content) if content else None)


def error_page(failure: BuildFailure) -> bytes:
    """A self-contained page (the theme may be what is broken); every piece of text is escaped."""
    items = "\n".join(_item(problem) for problem in failure.problems)
    details = f"<pre>{escape(failure.details)}</pre>" if failure.details else ""
    count = len(failure.problems)
    heading = "The site did not build" + (f": {count} problems" if count > 1 else "")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Build error | Explainer preview</title>
<style>
body {{ font: 1rem/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem;
        color: #1a1a1a; background: #fff; }}
h1 {{ color: #8a1c1c; font-size: 1.5rem; }}
li {{ margin-bottom: 1rem; }}
code, pre {{ font: .9375rem/1.45 ui-monospace, monospace; }}
.where {{ font-weight: 700; }}
.hint, .page-of {{ color: #555; }}
pre {{ background: #f4f6f8; padding: 1rem; overflow-x: auto; }}
</style>
</head>
<body>
<main id="explainer-build-error">
<h1>{heading}</h1>
<ul class="problems">
{items}
</ul>
{details}
<p>This page shows the newest version of the site as soon as you save a fix.</p>
</main>
</body>
</html>
""".encode()


def _item(problem: Problem) -> str:
    parts = []
    if problem.where:
        parts.append(f'<code class="where">{escape(problem.where)}</code>:')
    parts.append(f'<span class="message">{escape(problem.message)}</span>')
    if problem.hint:
        parts.append(f'<span class="hint">({escape(problem.hint)})</span>')
    if problem.page_of:
        parts.append(f'<br><span class="page-of">while rendering the page of '
                     f'<code>{escape(problem.page_of)}</code></span>')
    return "<li>" + " ".join(parts) + "</li>"
