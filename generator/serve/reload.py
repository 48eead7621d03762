"""The browser side, from the `livereload` package: its protocol, its livereload.js, its script injection.

livereload keeps the open pages, the watcher and the time of the last reload on `LiveReloadHandler` itself
(class attributes), and refuses to reload twice within 3 s. Here each server owns a `ReloadHub`, handed to
its socket handlers, and a reload is sent the moment a build asks for it. See docs/serve.md.
"""
from __future__ import annotations

import json
from urllib.parse import urlsplit

from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from livereload.server import LiveScriptInjector

PROTOCOL = "http://livereload.com/protocols/official-7"
# livereload.js finds the server from its own <script src>; passing host and port as query options also
# works for IPv6 hosts ([::1]), which livereload's own snippet cannot express.
LIVE_SCRIPT = (b'<script>(function(){var s=document.createElement("script");'
               b'var port=location.port||(location.protocol==="https:"?443:80);'
               b's.src="/livereload.js?port="+port+"&host="+location.hostname;'
               b'document.head.appendChild(s);})();</script>')
# livereload.js swaps these in place (stylesheets, and <img> by matching path) instead of reloading the page.
SWAPPABLE = (".css", ".jpg", ".jpeg", ".png", ".gif")


class ReloadHub:
    """The pages open on one server, and the reload messages sent to them."""

    def __init__(self) -> None:
        self.sockets: set[LiveReloadSocket] = set()

    def reload_pages(self, path: str = "index.html") -> int:
        """Every open page loads itself again."""
        return self._send({"command": "reload", "path": path, "liveCSS": False, "liveImg": False})

    def swap_in_place(self, paths: list[str]) -> int:
        """Stylesheets and images are fetched again without reloading the page (its scroll and state stay)."""
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


class LiveReloadSocket(LiveReloadHandler):
    """livereload's websocket handler, with its pages kept in this server's hub instead of the class."""

    def initialize(self, hub: ReloadHub) -> None:
        self.hub = hub

    def check_origin(self, origin: str) -> bool:
        # livereload accepts any origin; only pages served by this server may listen for its reloads.
        return urlsplit(origin).netloc == self.request.host

    def on_message(self, message: str | bytes) -> None:
        try:
            command = json.loads(message).get("command")
        except (ValueError, AttributeError):
            return
        if command == "hello":
            self.send_message({"command": "hello", "protocols": [PROTOCOL], "serverName": "explainer-serve"})
        elif command == "info":
            self.hub.sockets.add(self)

    def on_close(self) -> None:
        self.hub.sockets.discard(self)


class ScriptInjector(LiveScriptInjector):
    """livereload's transform that puts the loader script before </head> of every HTML response."""
    script = LIVE_SCRIPT


def live_handlers(hub: ReloadHub) -> list[tuple]:
    return [(r"/livereload", LiveReloadSocket, {"hub": hub}),
            (r"/livereload\.js", LiveReloadJSHandler)]
