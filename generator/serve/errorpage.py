"""A failed build, as the terminal prints it and as every open page shows it until the next good save."""
from __future__ import annotations

import traceback
from dataclasses import dataclass
from html import escape

from ..errors import ExplainerError, problems
from ..problems import Formatter, Problem


@dataclass(frozen=True)
class BuildFailure:
    """A failed preview build, as the error page shows it."""
    problems: tuple[Problem, ...]
    details: str | None = None    # a traceback, for failures that are bugs rather than user mistakes

    @classmethod
    def from_error(cls, err: ExplainerError) -> BuildFailure:
        return cls(tuple(problems(err)))

    @classmethod
    def from_bug(cls, err: Exception) -> BuildFailure:
        return cls((Problem(None, f"internal error: {type(err).__name__}: {err}",
                            "this is a bug in Explainer or a theme; the traceback is below"),),
                   details="".join(traceback.format_exception(err)))

    def terminal_text(self, shown: Formatter) -> str:
        lines = [line for problem in self.problems for line in shown.error_lines(problem)]
        if self.details:
            lines.append(self.details.rstrip())
        return "\n".join(lines)


def error_page(failure: BuildFailure, shown: Formatter) -> bytes:
    """A self-contained page (the theme may be what is broken); every piece of text is escaped."""
    items = "\n".join(shown.html_item(problem) for problem in failure.problems)
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

