"""The browser side, from the `livereload` package: its protocol, its livereload.js, its script injection.

livereload keeps the open pages, the watcher and the time of the last reload on `LiveReloadHandler` itself
(class attributes), and refuses to reload twice within 3 s. Here each server owns a `ReloadHub`, handed to
its socket handlers, and a reload is sent the moment a build asks for it. See docs/serve.md.
"""
from __future__ import annotations

import json
import re

from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from tornado.httputil import HTTPHeaders
from tornado.web import OutputTransform

from .handlers import HostGuard
from .hosts import AllowedHosts

PROTOCOL = "http://livereload.com/protocols/official-7"
# livereload.js finds the server from its own <script src>; passing host and port as query options also
# works for IPv6 hosts ([::1]), which livereload's own snippet cannot express. `snipver` is a protocol field
# livereload.js sends back in its hello: here, the build the page was served from (see LiveReloadSocket).
# livereload.js (37 kB, its URL new with each build) is added once the page's DOM is complete: an async script
# that arrives earlier stops the parser while it compiles and runs.
LIVE_SCRIPT = ('<script>(function(){{function load(){{var s=document.createElement("script");'
               'var port=location.port||(location.protocol==="https:"?443:80);'
               's.src="/livereload.js?port="+port+"&host="+location.hostname+"&snipver={build}";'
               'document.head.appendChild(s);}}'
               'if(document.readyState==="loading"){{document.addEventListener("DOMContentLoaded",load);}}'
               'else{{load();}}}})();</script>')
# The loader goes first thing in <head>: an inline script after a stylesheet waits for that stylesheet (and
# the parser with it) before it runs; before any, it runs at once and livereload.js loads async.
HEAD_START = re.compile(rb"<head(?:\s[^>]*)?>", re.IGNORECASE)
DOCTYPE = re.compile(rb"\s*<!doctype[^>]*>", re.IGNORECASE)    # before it, a script would set quirks mode
# livereload.js swaps these in place (stylesheets, and <img> by matching path) instead of reloading the page.
SWAPPABLE = (".css", ".jpg", ".jpeg", ".png", ".gif")


class ReloadHub:
    """The pages open on one server, and the reload messages sent to them."""

    def __init__(self) -> None:
        self.sockets: set[LiveReloadSocket] = set()
        self.build = 1     # counts what the pages were told; starts at 1 because livereload.js drops a 0

    def loader_script(self) -> bytes:
        return LIVE_SCRIPT.format(build=self.build).encode("ascii")

    def reload_pages(self, path: str = "index.html") -> int:
        """Every open page loads itself again."""
        self.build += 1
        return self._send(reload_message(path))

    def swap_in_place(self, paths: list[str]) -> int:
        """Stylesheets and images are fetched again without reloading the page (its scroll and state stay)."""
        self.build += 1
        sent = 0
        for path in paths:
            sent = self._send({"command": "reload", "path": path, "liveCSS": True, "liveImg": True})
        return sent

    def close_all(self) -> None:
        for socket in list(self.sockets):
            socket.close()
        self.sockets.clear()

    def _send(self, message: dict) -> int:
        text = json.dumps(message)
        for socket in list(self.sockets):
            if socket.ws_connection is None or socket.ws_connection.is_closing():
                self.sockets.discard(socket)
            else:
                socket.write_message(text)
        return len(self.sockets)


def reload_message(path: str) -> dict:
    return {"command": "reload", "path": path, "liveCSS": False, "liveImg": False}


class LiveReloadSocket(HostGuard, LiveReloadHandler):
    """livereload's websocket handler, with its pages kept in this server's hub instead of the class.

    A page that was loading while a build finished missed that build's message: it connects afterwards,
    says which build it was served from, and is told to reload at once instead of staying stale.
    """

    def initialize(self, hub: ReloadHub, hosts: AllowedHosts) -> None:
        self.hub = hub
        self.hosts = hosts
        self.served_from: object = None

    def check_origin(self, origin: str) -> bool:
        # livereload accepts any origin; only pages served by this server may listen for its reloads.
        return self.hosts.allows_origin(origin, self.request.host)

    def on_message(self, message: str | bytes) -> None:
        try:
            fields = json.loads(message)
            command = fields.get("command")
        except (ValueError, AttributeError):
            return
        if command == "hello":
            self.served_from = fields.get("snipver")
            self.send_message({"command": "hello", "protocols": [PROTOCOL], "serverName": "explainer-serve"})
        elif command == "info":
            self.hub.sockets.add(self)
            if self.served_from != self.hub.build:
                self.send_message(reload_message("index.html"))

    def on_close(self) -> None:
        self.hub.sockets.discard(self)


def with_loader(html: bytes, script: bytes) -> bytes:
    """`html` with the loader script right after its <head> tag (if it has none: after its doctype)."""
    found = HEAD_START.search(html) or DOCTYPE.match(html)
    at = found.end() if found else 0
    return html[:at] + script + html[at:]


def script_injector(hub: ReloadHub) -> type[OutputTransform]:
    """A transform that puts the loader script first in <head> of every HTML response (livereload's
    `LiveScriptInjector` puts it before </head>, behind the stylesheets).

    A class per server (tornado makes one transform per request from it), reading this server's build number.
    """
    class ScriptInjector(OutputTransform):
        def transform_first_chunk(self, status_code: int, headers: HTTPHeaders, chunk: bytes,
                                  finishing: bool) -> tuple[int, HTTPHeaders, bytes]:
            if "html" in headers.get("Content-Type", "") and chunk:
                script = hub.loader_script()
                chunk = with_loader(chunk, script)
                if "Content-Length" in headers:
                    headers["Content-Length"] = str(int(headers["Content-Length"]) + len(script))
            return status_code, headers, chunk
    return ScriptInjector


class LiveReloadScript(HostGuard, LiveReloadJSHandler):
    """livereload.js, for requests addressed to this server only."""

    def initialize(self, hosts: AllowedHosts) -> None:
        self.hosts = hosts


def live_handlers(hub: ReloadHub, hosts: AllowedHosts) -> list[tuple]:
    return [(r"/livereload", LiveReloadSocket, {"hub": hub, "hosts": hosts}),
            (r"/livereload\.js", LiveReloadScript, {"hosts": hosts})]
