"""`explainer serve` from start to stop: bind, build, serve and watch, then release everything on Ctrl-C."""
from __future__ import annotations

import asyncio
import contextlib
import errno
import shutil
import signal
import socket
import sys
import tempfile
import threading
import webbrowser
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.netutil import bind_sockets
from tornado.web import Application

from ..build import Builder
from ..config import SiteConfig
from ..errors import ConfigError
from ..parallel import SPAWN
from ..problems import Formatter
from .handlers import SiteHandler
from .hosts import AllowedHosts
from .preview import Preview
from .reload import ReloadHub, live_handlers, script_injector
from .search import PreviewIndex
from .watch import ChangeWatcher, watched_folders

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class ServeOptions:
    """How `explainer serve` was asked to run: content folder, address, browser."""
    content_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    open_browser: bool = False
    shown: Formatter = field(default_factory=Formatter)   # the CLI's: paths relative to where it started


def serve(options: ServeOptions, load_config: Callable[[Path], SiteConfig]) -> int:
    """Serve the site until Ctrl-C (or SIGTERM); the preview lives in a temporary folder removed on exit."""
    if not options.content_dir.is_dir():
        raise ConfigError(f"content folder not found: {options.content_dir}",
                          hint="run from your site's folder or pass --content DIR")
    if options.host not in LOOPBACK:
        print(f"warning: serving on {options.host} makes this preview (and drafts, with --drafts) reachable "
              "from other machines; use --host 127.0.0.1 unless that is what you want", file=sys.stderr)
    sockets = _bind(options.host, options.port)
    out_dir = Path(tempfile.mkdtemp(prefix="explainer-serve-"))
    search_dir = Path(tempfile.mkdtemp(prefix="explainer-serve-search-"))   # the preview's search indexes
    try:
        return asyncio.run(_serve(options, sockets, out_dir, search_dir, lambda: load_config(out_dir)))
    finally:
        for sock in sockets:
            sock.close()
        shutil.rmtree(out_dir, ignore_errors=True)
        shutil.rmtree(search_dir, ignore_errors=True)


async def _serve(options: ServeOptions, sockets: list[socket.socket], out_dir: Path, search_dir: Path,
                 load_config: Callable[[], SiteConfig]) -> int:
    stopped = asyncio.Event()
    loop = IOLoop.current()
    hub = ReloadHub()
    # The watcher and the server run threads beside the builds: worker processes start clean (spawn). The
    # search index is made after each reload, not in the build: a save shows at once, search a moment later.
    # The output folder is the preview's own (made empty above, removed on exit): its files are not checked
    # one by one before each rebuild carries them over.
    builder = Builder(load_config, fingerprint=False, start_method=SPAWN, search_index=False, own_output=True)
    preview = Preview(builder, out_dir, hub, options.shown)
    index = PreviewIndex(loop, out_dir, search_dir, options.shown, publish=preview.serve_index)
    preview.after_build = index.after_build
    watcher = ChangeWatcher(loop, watched_folders(options.content_dir, None), preview.rebuild)
    preview.on_success = lambda: watcher.watch(watched_folders(options.content_dir, preview.builder.config))

    hosts = AllowedHosts.serving_on(options.host)
    routes = live_handlers(hub, hosts) + [(r"/.*", SiteHandler, {"state": preview, "hosts": hosts})]
    server = HTTPServer(Application(routes, transforms=[script_injector(hub)], log_function=_quiet))
    watcher.start()
    try:
        try:
            with _signals_interrupt():    # the loop is not running yet: a signal must stop the first build
                watcher.wait_ready()      # before the first build reads the files: no save falls between
                print(f"Building {options.content_dir}/ into {out_dir}/ (removed on exit)…", flush=True)
                preview.rebuild()
                watcher.wait_ready()      # again if the site's theme added folders to watch
        except KeyboardInterrupt:
            return 0
        _on_signals(stopped.set)
        server.add_sockets(sockets)
        url = _url(options.host, sockets[0].getsockname()[1], preview.base_path)
        print(f"Serving {url}  (watching {', '.join(map(str, watcher.folders))}; Ctrl-C to stop)", flush=True)
        if options.open_browser:
            # In a thread: with a terminal browser (lynx), webbrowser.open returns only when the browser exits.
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        await stopped.wait()
    finally:
        watcher.stop()
        preview.builder.close()      # its scratch folder, beside the preview's output
        hub.close_all()
        server.stop()
        await asyncio.wait_for(server.close_all_connections(), timeout=5)
        print("\nstopped", file=sys.stderr, flush=True)
    return 0


def _quiet(handler) -> None:
    """No access log: the terminal is for rebuilds and errors (tornado would print every 404 and 403)."""


def _bind(host: str, port: int) -> list[socket.socket]:
    try:
        return bind_sockets(port, address=host)
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {port} is already in use on {host}",
                              hint="stop the other server, or pass --port 0 to take any free port") from None
        if err.errno in (errno.EADDRNOTAVAIL, errno.EACCES) or isinstance(err, socket.gaierror):
            raise ConfigError(f"cannot listen on {host}:{port}: {err.strerror or err}",
                              hint="use --host 127.0.0.1, and a --port above 1023") from None
        raise


def _url(host: str, port: int, base_path: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{base_path}"


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    """Ctrl-C and SIGTERM raise KeyboardInterrupt wherever the code is (asyncio's own Ctrl-C handler would
    only cancel the task once the blocking first build returned)."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = {signum: signal.signal(signum, interrupt) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _on_signals(stop: Callable[[], None]) -> None:
    """Ctrl-C and SIGTERM end the loop instead of raising KeyboardInterrupt wherever the code happens to be."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop)
        except (NotImplementedError, RuntimeError):
            pass   # Windows: Ctrl-C arrives as KeyboardInterrupt, which the CLI turns into "stopped"
