"""`explainer` command line: parses options, runs a stage, prints errors as file:line, picks exit codes."""
from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

from . import __version__
from .config import SiteConfig, load_config
from .errors import ExplainerError

DESCRIPTION = "Explainer: a static site generator for Smart Brevity news explainers."


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except ExplainerError as err:
        print(_error_text(err), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopped", file=sys.stderr)
        return 130


def _error_text(err: ExplainerError) -> str:
    errors = getattr(err, "errors", [err])
    lines = [f"error: {e}" for e in errors]
    if len(errors) > 1:
        lines.append(f"{len(errors)} errors; nothing was written")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="explainer", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"explainer {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    build = commands.add_parser("build", help="build the site from the content folder",
                                description="Read the content folder and write the static site. "
                                "The previous site is replaced only when the whole build succeeds.")
    _site_options(build)
    build.add_argument("--out", type=Path, default=Path("site"), metavar="DIR",
                       help="output folder (default: ./site)")
    build.add_argument("--base-url", metavar="URL",
                       help="public URL of the site, e.g. https://example.com/explainers/ (overrides site.yml)")
    build.add_argument("--no-cache", action="store_true",
                       help="convert every explainer again instead of reusing .explainer-cache/")
    build.add_argument("-j", "--jobs", type=_positive, metavar="N",
                       help="processes converting Markdown in parallel (default: one per CPU); "
                       "the output is the same whatever N is")
    build.add_argument("-v", "--verbose", action="store_true", help="print timings per stage")
    build.set_defaults(run=run_build)
    return parser


def _site_options(parser: argparse.ArgumentParser) -> None:
    """Options of every command that reads a site."""
    parser.add_argument("--content", type=Path, default=Path("content"), metavar="DIR",
                        help="content folder (default: ./content)")
    parser.add_argument("--theme", metavar="NAME|PATH",
                        help="theme name (from themes/ beside the content, or built in) or folder")
    parser.add_argument("--drafts", action="store_true", help="include explainers marked draft: true")
    parser.add_argument("--future", action="store_true", help="include explainers dated in the future")
    parser.add_argument("--as-of", type=_moment, metavar="TIME",
                        help="build the site as it will be at TIME (e.g. 2026-12-01T09:00); "
                        "scheduled explainers dated before it appear")


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date or time: {text!r} (use 2026-12-01T09:00)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def config_from(args: argparse.Namespace, out: Path | None = None) -> SiteConfig:
    overrides = {"theme": args.theme, "drafts": args.drafts or None, "future": args.future or None,
                 "base_url": getattr(args, "base_url", None), "now": args.as_of,
                 "use_cache": False if getattr(args, "no_cache", False) else None,
                 "jobs": getattr(args, "jobs", None)}
    return load_config(args.content, out, **overrides)


def run_build(args: argparse.Namespace) -> int:
    from .build import build
    config = config_from(args, args.out)
    report = build(config, progress=_progress_bar() if sys.stderr.isatty() else None)
    print(f"Built {report.explainers} explainer{'s' * (report.explainers != 1)}, {report.pages} pages: "
          f"{report.written} files written, {report.unchanged} unchanged, {report.deleted} removed "
          f"in {report.seconds:.2f} s → {config.out_dir}/")
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if report.drafts_skipped:
        print(f"  {report.drafts_skipped} draft{'s' * (report.drafts_skipped != 1)} left out "
              "(--drafts to include)")
    if report.next_scheduled:
        e = report.next_scheduled
        print(f"  next scheduled: {e.slug} goes live {e.date.isoformat()} (--future to include now)")
    if args.verbose:
        for stage, seconds in report.timings.items():
            print(f"  {stage:<8} {seconds * 1000:8.1f} ms")
    return 0


def _progress_bar():
    """A one-line bar on the terminal for long builds; CI logs (not a terminal) never see it."""
    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // total
        end = "\n" if done >= total else ""
        print(f"\r  converting [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end=end,
              file=sys.stderr, flush=True)
    return show


if __name__ == "__main__":
    sys.exit(main())
