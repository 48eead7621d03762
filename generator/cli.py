"""`explainer` command line: parses options, runs a stage, prints errors as file:line, picks exit codes."""
from __future__ import annotations

import argparse
import atexit
import errno
import gc
import os
import signal
import sys
import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from . import __version__

if TYPE_CHECKING:
    from .config import SiteConfig
    from .problems import Formatter

DESCRIPTION = "Explainer: a static site generator for Smart Brevity news explainers."
STOPPED = (130, 143)          # the exit status after Ctrl-C, after SIGTERM (128 + the signal, as shells say)


def console() -> NoReturn:
    """The `explainer` command and `python -m generator`: `main` in a process of its own, which a successful
    build or check ends without tearing the interpreter down (freeing every object of a big site one by one takes a
    tenth of a second and changes nothing), as do a failed or stopped command and the preview (see `main`)."""
    sys.exit(main(one_shot=True))


def main(argv: list[str] | None = None, one_shot: bool = False) -> int:
    """The command line; `one_shot`: the process ends with the command (never for a caller in-process)."""
    wanted = _command_word(sys.argv[1:] if argv is None else argv)
    if one_shot and wanted in ("build", "check"):
        # No cyclic garbage collection in a build's or a check's process (run_build and check_site pause it
        # for a caller in-process): each collection would rescan the objects the no-op check and the stages'
        # imports made, none of them garbage, and the first after the pause would rescan every object the
        # build made (check's: before it prints its findings).
        gc.disable()
    parser = build_parser(wanted)
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    code = _run(args)
    if one_shot and code == 0 and args.run in (run_build, run_check):
        _end_without_teardown()
    if one_shot and (code != 0 or args.run is run_serve):
        # A command that stopped or failed, or a preview that ended: the workers are ended, the staging and
        # preview folders are gone. Left for the interpreter's teardown is concurrent.futures' exit hook, which
        # joins each process pool's manager thread. One whose worker was ended while sending a reply waits for
        # the rest of that reply for ever (the pipe's other end is still open in this process), and a manager
        # woken through a pipe the stop has closed prints a traceback ("Bad file descriptor") under "stopped".
        _end_without_teardown(code, wait_for_threads=False)
    return code


def _run(args: argparse.Namespace) -> int:
    try:
        with _sigterm_stops():
            if args.run is run_build and _unchanged_build(args):
                return 0
            return _run_command(args)
    except KeyboardInterrupt as stop:
        # Cleaned up on the way here (staging folder removed, workers ended), as on Ctrl-C.
        print("\nstopped", file=sys.stderr)
        return STOPPED[1] if isinstance(stop, Terminated) else STOPPED[0]
    except BrokenPipeError:
        # `explainer check | head` closed our output: stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _run_command(args: argparse.Namespace) -> int:
    # Imported here, after the no-op build's check: a build that finds nothing changed needs neither.
    from .errors import ExplainerError, problems
    from .problems import Formatter
    # Problems name files relative to the folder the command was started in, as editors and CI logs expect.
    shown = Formatter(Path.cwd())
    try:
        return args.run(args, shown)
    except ExplainerError as err:
        print(shown.build_errors(problems(err)), file=sys.stderr)
        return 1
    except BrokenPipeError:
        raise                   # _run's: stop quietly
    except OSError as err:
        # The machine said no (permissions, a read-only disk, a full disk): its words, not a traceback.
        print(f"error: {_os_error_text(err, shown)}", file=sys.stderr)
        return 1


def _os_error_text(err: OSError, shown: Formatter) -> str:
    path = Path(os.fsdecode(err.filename)) if err.filename else None
    denied = err.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
    if path and denied and not path.exists() and path.parent.is_dir():
        path = path.parent          # a file that could not be created (a temporary name): the folder said no
    text = f"{shown.path(path)}: {err.strerror or err}" if path else str(err.strerror or err)
    if denied:
        return text + " (check who may write there, e.g. `ls -ld` the folder; or build elsewhere with --out DIR)"
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return text + " (free some space on that disk)"
    return text


def _end_without_teardown(code: int = 0, wait_for_threads: bool = True) -> None:
    """Ends the process now, with status `code`, as a normal exit would but without freeing the interpreter's
    objects: after the output is flushed and Python's exit handlers (temporary folders, multiprocessing)
    have run. Returns instead, for the normal exit, while another thread runs, the output cannot be flushed or
    a profiler or debugger watches (`python -m cProfile -m generator build` writes its figures after `main`).
    Every file the build wrote is closed by then (the writer and the cache close their own)."""
    if sys.getprofile() is not None or sys.gettrace() is not None:
        return
    if wait_for_threads and any(thread is not threading.main_thread() and not thread.daemon
                                for thread in threading.enumerate()):
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    atexit._run_exitfuncs()
    os._exit(code)


class Terminated(KeyboardInterrupt):
    """SIGTERM (what CI sends to cancel a job), raised where the program is so that it stops cleanly."""


@contextmanager
def _sigterm_stops():
    """Turn SIGTERM into `Terminated` while a command runs; a second SIGTERM cannot cut the cleanup short."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Terminated()
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _command_word(words: list[str]) -> str | None:
    """The command a command line names (its first word), or None (`--help`, `--version`, nothing)."""
    return words[0] if words and not words[0].startswith("-") else None


def build_parser(wanted: str | None = None) -> argparse.ArgumentParser:
    """The command line. With `wanted`, the command about to run, only that command gets its options; the
    others are named with their help (all that `--help` and a misspelt command show): argparse takes a few
    milliseconds to add every command's options, which each run of every command would pay."""
    parser = argparse.ArgumentParser(prog="explainer", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"explainer {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for add in (_add_build, _add_serve, _deploy_parser, _add_new, _add_check, _add_email):
        add(commands, wanted)
    return parser


def _command(commands: argparse._SubParsersAction, wanted: str | None, name: str, help: str,
             description: str) -> argparse.ArgumentParser | None:
    """Command `name`, named with its help; its parser when its options are wanted, else None (a parser
    that is never used: not even its --help)."""
    full = wanted in (None, name)
    parser = commands.add_parser(name, help=help, description=description, add_help=full)
    return parser if full else None


def _add_build(commands: argparse._SubParsersAction, wanted: str | None) -> None:
    build = _command(commands, wanted, "build", help="build the site from the content folder",
                     description="Read the content folder and write the static site. "
                     "The previous site is replaced only when the whole build succeeds.")
    if build is None:
        return
    _site_options(build)
    build.add_argument("--out", type=Path, default=Path("site"), metavar="DIR",
                       help="output folder (default: ./site)")
    _force_option(build)
    build.add_argument("--base-url", metavar="URL",
                       help="public URL of the site, e.g. https://example.com/explainers/ (overrides site.yml)")
    build.add_argument("--no-cache", action="store_true",
                       help="convert every explainer again instead of reusing .explainer-cache/")
    build.add_argument("-j", "--jobs", type=_positive, metavar="N",
                       help="processes converting Markdown in parallel (default: one per CPU); "
                       "the output is the same whatever N is")
    build.add_argument("-v", "--verbose", action="store_true", help="print timings per stage")
    build.set_defaults(run=run_build)


def _add_serve(commands: argparse._SubParsersAction, wanted: str | None) -> None:
    serve = _command(commands, wanted, "serve", help="preview the site; every save reloads the browser",
                     description="Build the site into a temporary folder, serve it, and rebuild "
                     "and reload the open pages on every change to the content or the theme. "
                     "./site is never touched. Needs the serve extra: pip install 'explainer[serve]'.")
    if serve is None:
        return
    _site_options(serve)
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default: 127.0.0.1; others are reachable from the network)")
    serve.add_argument("--port", type=_port, default=8000, help="port (default: 8000; 0 picks a free one)")
    serve.add_argument("--open", action="store_true", help="open the preview in the web browser")
    serve.set_defaults(run=run_serve)


def _deploy_parser(commands: argparse._SubParsersAction, wanted: str | None) -> None:
    deploy = _command(commands, wanted, "deploy", help="build, then publish the site to a target from site.yml",
                      description="Build the site (drafts and scheduled explainers left out), then "
                      "publish it to a target of site.yml's deploy: list (github-pages, s3, "
                      "directory). Only changed files are sent; files gone from the site are deleted.")
    if deploy is None:
        return
    deploy.add_argument("target", metavar="TARGET", help="the name of a target in site.yml's deploy: list")
    deploy.add_argument("--dry-run", action="store_true",
                        help="list what would be added, changed and deleted; change nothing on the target")
    deploy.add_argument("--no-build", action="store_true", help="deploy the site already built in --out")
    _site_options(deploy)
    for action in deploy._actions:
        if action.dest in ("drafts", "future", "as_of"):
            action.help = argparse.SUPPRESS   # refused by run_deploy: drafts are never deployed
    deploy.add_argument("--out", type=Path, default=Path("site"), metavar="DIR",
                        help="folder the site is built into and deployed from (default: ./site)")
    _force_option(deploy)
    deploy.add_argument("--base-url", metavar="URL", help="public URL of the site (overrides site.yml)")
    deploy.set_defaults(run=run_deploy)


def _force_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true",
                        help="replace the output folder even though explainer did not make it "
                        "(everything in it is deleted); a build never replaces a file or a symlink")


def _site_options(parser: argparse.ArgumentParser) -> None:
    """Options of every command that reads a site."""
    parser.add_argument("--content", type=Path, default=Path("content"), metavar="DIR",
                        help="content folder (default: ./content)")
    parser.add_argument("--theme", metavar="NAME|PATH",
                        help="theme name (from themes/ beside the content, or built in) or folder")
    parser.add_argument("--drafts", action="store_true", help="include explainers marked draft: true")
    parser.add_argument("--future", action="store_true", help="include explainers dated in the future")
    parser.add_argument("--as-of", type=_moment, metavar="TIME",
                        help="build the site as it will be at TIME (e.g. 2026-12-01T09:00, in site.yml's "
                        "timezone unless TIME has an offset); scheduled explainers dated before it appear")


def _moment(text: str) -> datetime:
    """--as-of's time; without an offset it is naive, and the config puts it in site.yml's time zone."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date or time: {text!r} (use 2026-12-01T09:00)") from None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, got {text!r}")
    return int(text)


def config_from(args: argparse.Namespace, out: Path | None = None) -> SiteConfig:
    # Each command imports what it runs, config included: `--version`, `--help` and a mistyped option need
    # none of it (YAML, the model).
    from .config import load_config
    overrides = {"theme": args.theme, "drafts": args.drafts or None, "future": args.future or None,
                 "base_url": getattr(args, "base_url", None), "now": args.as_of,
                 "use_cache": False if getattr(args, "no_cache", False) else None,
                 "jobs": getattr(args, "jobs", None)}
    return load_config(args.content, out, **overrides)


def _noop_key(args: argparse.Namespace) -> str | None:
    """The build's options as its no-op record is keyed on them (None: --no-cache, no record)."""
    from .incremental import noop
    return None if args.no_cache else noop.options_key(args.content, args.out, args.theme, args.drafts,
                                                       args.future, args.base_url, args.as_of)


def _unchanged_build(args: argparse.Namespace) -> bool:
    """Nothing changed since the last build with these options, as its no-op record says
    (incremental/noop.py): its summary is printed, before any of the pipeline (YAML, the model, Markdown,
    Jinja2) is imported. False: the build runs."""
    from .incremental import noop
    key = _noop_key(args)
    found = noop.up_to_date(args.content, args.out, key, args.as_of is not None) if key is not None else None
    # Only input files changed: the build takes the folders' listings the record keeps (`build`'s `restat`).
    args.restat = found if isinstance(found, noop.Restat) else None
    if isinstance(found, noop.Unchanged):
        _print_build(found, args.out, verbose=args.verbose)
        return True
    return False


def run_build(args: argparse.Namespace, shown: Formatter) -> int:
    from .build import build
    from .parallel import FORK, cyclic_gc_paused
    config = config_from(args, args.out)
    with cyclic_gc_paused():
        # A one-shot process with no other thread: its worker processes can fork (see parallel).
        report = build(config, progress=_progress_bar() if sys.stderr.isatty() else None, force=args.force,
                       start_method=FORK, noop_key=_noop_key(args), restat=getattr(args, "restat", None))
    _print_build(report, config.out_dir, verbose=args.verbose)
    return 0


def _print_build(report, out_dir: Path, verbose: bool = False) -> None:
    """The build summary, as `build` and `deploy` print it; warnings first, where they are not scrolled past."""
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    sys.stderr.flush()      # before the summary on stdout, also when both go to one log
    print(f"Built {report.explainers} explainer{'s' * (report.explainers != 1)}, {report.pages} pages: "
          f"{report.written} files written, {report.unchanged} unchanged, {report.deleted} removed "
          f"in {report.seconds:.2f} s → {out_dir}/ (open {out_dir / 'index.html'})")
    if report.images_encoded:
        print(f"  {report.images_encoded} image file{'s' * (report.images_encoded != 1)} encoded")
    if report.drafts_skipped:
        print(f"  {report.drafts_skipped} draft{'s' * (report.drafts_skipped != 1)} left out "
              "(--drafts to include)")
    if report.next_scheduled:
        e = report.next_scheduled
        print(f"  next scheduled: {e.slug} goes live {e.date.isoformat()} (--future to include now)")
    if verbose:
        for stage, seconds in report.timings.items():
            print(f"  {stage:<8} {seconds * 1000:8.1f} ms")


def run_serve(args: argparse.Namespace, shown: Formatter) -> int:
    from .serve import require_extra
    require_extra()
    from .serve.server import ServeOptions, serve
    options = ServeOptions(content_dir=args.content, host=args.host, port=args.port, open_browser=args.open,
                           shown=shown)
    return serve(options, lambda out: config_from(args, out))


def run_deploy(args: argparse.Namespace, shown: Formatter) -> int:
    from .build import build
    from .deploy import deploy, find_target, summary_lines
    from .errors import ConfigError
    from .parallel import FORK
    if args.drafts or args.future or args.as_of:
        raise ConfigError("deploy never publishes drafts or scheduled explainers",
                          hint="drop --drafts, --future and --as-of; preview them with `explainer build --drafts`")
    config = config_from(args, args.out)
    target = find_target(config, args.target)   # a misspelt target fails before the build
    if not args.no_build:   # before the publisher starts any thread: the build's workers can fork
        _print_build(build(config, force=args.force, start_method=FORK), config.out_dir)
    for line in summary_lines(deploy(config, target, config.out_dir, dry_run=args.dry_run)):
        print(line)
    return 0


def _progress_bar():
    """A one-line bar on the terminal for long builds; CI logs (not a terminal) never see it."""
    def show(done: int, total: int, stage: str = "converting") -> None:
        width = 30
        filled = width * done // total
        end = "\n" if done >= total else ""
        print(f"\r  {stage} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end=end,
              file=sys.stderr, flush=True)
    return show


def _add_new(commands: argparse._SubParsersAction, wanted: str | None) -> None:
    new = _command(commands, wanted, "new", help="start an explainer (or, with --site, a whole site) from a template",
                   description="Create content/<slug>/index.md and facts.yml from the Smart Brevity "
                   "skeleton, as a draft. With --site DIR, create a new site that builds as it is.")
    if new is None:
        return
    new.add_argument("title", nargs="?", help="the explainer's title (with --site: the site's title)")
    new.add_argument("--category", metavar="NAME", help="the explainer's category")
    new.add_argument("--single-file", action="store_true",
                     help="write content/<slug>.md with the facts in its front matter, instead of a folder")
    new.add_argument("--slug", help="the URL name (default: made from the title)")
    new.add_argument("--content", type=Path, default=Path("content"), metavar="DIR",
                     help="content folder (default: ./content)")
    new.add_argument("--site", type=Path, metavar="DIR",
                     help="create a new site in DIR: content/site.yml, a sample explainer, themes/default/, "
                     ".gitignore, requirements.txt and CI files for GitHub Actions and GitLab CI")
    new.add_argument("--source", metavar="URL",
                     help="with --site: the git repository requirements.txt installs explainer from, pinned "
                     "at this version's tag unless URL ends in @TAG (default: Explainer's own repository)")
    new.set_defaults(run=run_new)


def run_new(args: argparse.Namespace, shown: Formatter) -> int:
    from . import scaffold
    if args.site is not None:
        made = scaffold.new_site(args.site, args.title, source=args.source)
        print(f"Created a site in {args.site}/:")
        print("\n".join(f"  {path}" for path in made.created))
        if made.ignores_added:
            print(f"Added to .gitignore: {' '.join(made.ignores_added)}")
        for path in made.kept:
            print(f"Kept {path}, which was there already (not overwritten)")
        if "requirements.txt" in made.kept:
            print(f"  CI installs explainer with requirements.txt: make sure it has the line {made.requirement}")
        print(f"CI installs {made.requirement} (requirements.txt); the CI files are explained in docs/ci.md")
        print(f"Next: cd {args.site} && explainer build   (then: explainer new \"Your first title\")")
        return 0
    if args.source is not None:
        from .errors import ConfigError
        raise ConfigError("--source goes with --site", hint="explainer new --site DIR --source URL")
    created = scaffold.new_explainer(args.content, args.title, category=args.category,
                                     single_file=args.single_file, slug=args.slug)
    print("Created a draft:")
    print("\n".join(f"  {shown.path(path)}" for path in created))
    print("Next: replace every TODO, then `explainer check --drafts`; set draft: false to publish.")
    return 0


def _add_check(commands: argparse._SubParsersAction, wanted: str | None) -> None:
    check = _command(commands, wanted, "check", help="check links, images, facts, brevity and metadata",
                     description="Render the site in memory (nothing is written) and report what "
                     "a copy desk would catch, as path:line: level: rule: message. Exit status 1 "
                     "when there are errors (or warnings, with --strict). Rules are turned off in "
                     "site.yml: check: {disable: [rule-id, …]}. Markdown a build has converted "
                     "already is read from .explainer-cache/, not converted again.")
    if check is None:
        return
    _site_options(check)
    check.add_argument("--strict", action="store_true", help="fail on warnings too")
    check.add_argument("--format", choices=("text", "json"), default="text",
                       help="output format (default: text)")
    check.add_argument("--external", action="store_true",
                       help="list outside links and check each one (HEAD, then GET; at most 4 at a time)")
    check.add_argument("--rules", action="store_true", help="list the rules and exit")
    check.add_argument("--no-cache", action="store_true",
                       help="convert every explainer, without reading the bodies a build kept in .explainer-cache/")
    check.set_defaults(run=run_check)


def run_check(args: argparse.Namespace, shown: Formatter) -> int:
    from .check.site import CheckReport, check_site, format_json, format_rules, format_text
    from .errors import ExplainerError, flatten, problems
    if args.rules:
        print(format_rules())
        return 0
    try:
        config = config_from(args)
    except ExplainerError as err:      # site.yml is wrong, so the site cannot build: a finding like the others
        if not all(e.where for e in flatten(err)):
            raise                      # no site here at all (no content folder): nothing to report on
        report = CheckReport(tuple(problems(err)))
    else:                              # wrong `check:` settings stop check_site itself, as usage errors
        report = check_site(config, check_external=args.external)
    print(format_json(report, shown) if args.format == "json" else format_text(report, shown))
    return 1 if report.failed(strict=args.strict) else 0


def _add_email(commands: argparse._SubParsersAction, wanted: str | None) -> None:
    email = _command(commands, wanted, "email", help="write the newsletter edition of an explainer (HTML and text)",
                     description="Render one explainer as an email: an email-safe HTML file (inline "
                     "CSS, a table layout, absolute addresses, light and dark) and a plain-text one, "
                     "with the theme's email templates. Needs an absolute base_url. Writes nothing into "
                     "the site. See docs/email.md.")
    if email is None:
        return
    email.add_argument("slug", metavar="SLUG", help="the explainer's slug (its folder's or file's name)")
    email.add_argument("--out", metavar="FILE",
                       help="the HTML file (default: ./SLUG.email.html; a folder, or a path ending in /: "
                       "SLUG.email.html in it)")
    email.add_argument("--text", type=Path, metavar="FILE",
                       help="the plain-text file (default: beside the HTML, with .txt for its suffix)")
    email.add_argument("--base-url", metavar="URL", help="public URL of the site (overrides site.yml)")
    _site_options(email)
    email.set_defaults(run=run_email)


def run_email(args: argparse.Namespace, shown: Formatter) -> int:
    from .newsletter import write_email
    report = write_email(config_from(args), args.slug, out=args.out, text=args.text)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    sys.stderr.flush()
    email = report.email
    print(f"Wrote the email of {report.slug}: {shown.path(report.html_path)} ({email.html_bytes / 1000:.1f} kB "
          f"HTML) and {shown.path(report.text_path)} ({len(email.text.encode('utf-8')) / 1000:.1f} kB text); "
          f"web page: {email.url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
