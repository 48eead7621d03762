"""HTTP for the built site: files under base_url's path, 404.html for the rest, the build error while there is one."""
from __future__ import annotations

from pathlib import Path
from typing import Protocol

from tornado.web import RequestHandler

from ..problems import Formatter
from ..search.indexer import FOLDER
from . import paths
from .errorpage import BuildFailure, error_page
from .hosts import AllowedHosts
from .paths import Found

SEARCH_FOLDER = FOLDER + "/"
WRONG_HOST = b"403 Forbidden: this preview answers only at localhost, 127.0.0.1, [::1] or its --host\n"


class SiteState(Protocol):
    out_dir: Path
    base_path: str
    failure: BuildFailure | None
    shown: Formatter
    search_dir: Path | None      # the search index, served at `pagefind/` (kept beside the preview's files)


class HostGuard(RequestHandler):
    """Refuses, before any other work, a request addressed to a name the preview is not served at."""
    hosts: AllowedHosts

    def prepare(self) -> None:
        if not self.hosts.allows_host(self.request.host):
            self.set_status(403)
            self.set_header("Content-Type", paths.CONTENT_TYPES[".txt"])
            self.set_header("Cache-Control", "no-store")
            self.finish(WRONG_HOST)


class SiteHandler(HostGuard):
    def initialize(self, state: SiteState, hosts: AllowedHosts) -> None:
        self.state = state
        self.hosts = hosts

    def get(self) -> None:
        self._respond()

    def head(self) -> None:
        self._respond()   # tornado sends the headers of the GET response (Content-Length included), no body

    def compute_etag(self) -> str | None:
        return None   # set per response below: HTML is never cached, other files are revalidated

    def _respond(self) -> None:
        state = self.state
        index_path = state.base_path + SEARCH_FOLDER
        if state.search_dir is not None and self.request.path.startswith(index_path):
            found = paths.resolve(state.search_dir, index_path, self.request.path)
        else:
            found = paths.resolve(state.out_dir, state.base_path, self.request.path)
        if found.found is Found.REFUSED:
            return self._text(403, "403 Forbidden: this path is outside the site\n")
        if found.found is Found.REDIRECT:
            assert found.location is not None   # a redirect always says where to
            query = f"?{self.request.query}" if self.request.query else ""
            return self.redirect(found.location + query)
        path = found.path
        if state.failure is not None and (found.found is Found.NOT_FOUND or (path is not None and paths.is_html(path))):
            # Instead of a page from before the failed build: the error, until a good build replaces it.
            return self._send(500, error_page(state.failure, state.shown), paths.CONTENT_TYPES[".html"])
        if found.found is Found.NOT_FOUND:
            not_found = state.out_dir / "404.html"
            if not_found.is_file():
                return self._send(404, not_found.read_bytes(), paths.CONTENT_TYPES[".html"])
            return self._text(404, "404 Not Found\n")
        assert path is not None   # resolve names the file it found
        if paths.is_html(path):
            return self._send(200, path.read_bytes(), paths.CONTENT_TYPES[".html"])
        # Other files may be cached, if the browser asks first: a reload then costs a 304, not the bytes.
        self.set_header("Cache-Control", "no-cache")
        self.set_header("Etag", _etag(path))
        if self.check_etag_header():
            self.set_status(304)
            return
        self._send(200, path.read_bytes(), paths.content_type(path), cache="no-cache")

    def _send(self, status: int, body: bytes, content_type: str, cache: str = "no-store") -> None:
        self.set_status(status)
        self.set_header("Content-Type", content_type)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Cache-Control", cache)
        self.write(body)

    def _text(self, status: int, text: str) -> None:
        self._send(status, text.encode("utf-8"), paths.CONTENT_TYPES[".txt"])


def _etag(path: Path) -> str:
    stat = path.stat()
    return f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
