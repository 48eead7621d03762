"""`explainer serve`: the real server in a subprocess, real HTTP, headless Chromium for the live reload."""
from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from generator.build import Builder
from generator.config import load_config
from generator.errors import ContentError, TemplateError
from generator.problems import Formatter, Place
from generator.serve.errorpage import BuildFailure, error_page
from generator.serve.paths import Found, content_type, resolve
from generator.serve.reload import ReloadHub, with_loader
from generator.serve.watch import SourceFilter, outermost, watched_folders

REPO = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "serve_site"
CHROME_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
WAIT = 15   # seconds; generous, the CI machine may be busy


class ServeProcess:
    """`python -m generator serve --port 0 …` in a subprocess; its output collected line by line."""

    def __init__(self, site: Path, *args: str, **env_vars: str):
        env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1", **env_vars)
        self.proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--port", "0",
                                      "--content", "content", *args], cwd=site, env=env, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines: list[str] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        found = self.wait_for(r"Serving (http://\S+)")
        self.url = found.group(1)
        self.out_dir = Path(self.wait_for(r"into (\S+)/ \(removed on exit\)", since=0).group(1))

    def _read(self) -> None:
        for line in self.proc.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def mark(self) -> int:
        with self._changed:
            return len(self.lines)

    def wait_for(self, pattern: str, since: int = 0, timeout: float = WAIT) -> re.Match:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines[since:]:
                    if match := re.search(pattern, line):
                        return match
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise AssertionError(f"no line matching {pattern!r}; output:\n" + self.output())
                self._changed.wait(min(left, 0.2))

    def rebuilds(self, since: int) -> list[str]:
        return [line for line in self.lines[since:] if line.startswith("rebuilt in")]

    def output(self) -> str:
        return "\n".join(self.lines)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=WAIT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()

    def get(self, path: str, method: str = "GET") -> tuple[int, dict, bytes]:
        """A raw request: the path is sent exactly as given (no client-side normalisation of ../)."""
        parts = urlsplit(self.url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=WAIT)
        try:
            conn.request(method, path)
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()


@pytest.fixture
def site(tmp_path) -> Path:
    root = tmp_path / "site-src"
    shutil.copytree(FIXTURE, root)
    return root


@pytest.fixture
def server(site):
    process = ServeProcess(site)
    yield process
    process.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                              args=CHROME_ARGS)
        yield chromium
        chromium.close()


def edit(path: Path, old: str, new: str) -> None:
    """Save like an editor does: write a temporary file beside it, then rename it over the original."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.replace(temporary, path)


def changed_files(line: str) -> set[str]:
    match = re.search(r"files changed: (.*?); ", line)
    return set(match.group(1).split(", ")) if match else set()


# --- the browser ---------------------------------------------------------------------------------------

@pytest.mark.slow
def test_saves_show_up_in_the_open_page_errors_too_and_css_swaps_without_reload(site, server, browser):
    from playwright.sync_api import expect
    page = live_page(browser, server.url + "tides/")
    expect(page.locator("h1")).to_have_text("Why the sea has tides")
    article = site / "content" / "tides" / "index.md"

    edit(article, "Twice a day the sea rises", "Twice a day, without fail, the sea rises")
    expect(page.locator(".lede")).to_contain_text("without fail", timeout=WAIT * 1000)

    edit(article, 'title: "Why the sea has tides"', 'title: "Why the sea has tides <b>now')
    error = page.locator("#explainer-build-error")
    expect(error).to_contain_text("content/tides/index.md:2", timeout=WAIT * 1000)
    expect(error).to_contain_text("invalid YAML")

    edit(article, 'title: "Why the sea has tides <b>now', 'title: "Why the sea has <tides>"')
    expect(page.locator("h1")).to_have_text("Why the sea has <tides>", timeout=WAIT * 1000)
    assert page.locator("h1 tides").count() == 0, "YAML text reached the page unescaped"

    # The page was reloaded: until its livereload.js has connected again, the server cannot tell it to swap a
    # stylesheet, and a page that connects after a build it missed is reloaded (the right fallback, not a swap).
    wait_until_connected(page)
    page.evaluate("window.__marker = 'kept'")
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    edit(site / "themes" / "default" / "static" / "style.css", "color: rgb(20, 20, 20)",
         "color: rgb(200, 0, 0)")
    expect(page.locator("h1")).to_have_css("color", "rgb(200, 0, 0)", timeout=WAIT * 1000)
    assert page.evaluate("window.__marker") == "kept", server.output()
    assert navigations == [], server.output()
    assert "swapped in place" in server.rebuilds(0)[-1]
    page.close()


@pytest.mark.slow
def test_a_page_that_missed_a_reload_while_loading_is_reloaded_when_it_connects(site, server):
    """livereload.js reports the build its page came from; a page from before the latest build reloads."""
    served = server.get("/explainers/tides/")[2]
    build = int(re.search(rb"snipver=(\d+)", served).group(1))
    assert _handshake(server, build) is None           # up to date: no message after the handshake
    mark = server.mark()
    edit(site / "content" / "tides" / "index.md", "Twice a day", "Two times a day")
    server.wait_for(r"^rebuilt in", since=mark)
    assert _handshake(server, build)["command"] == "reload"   # this page is stale: reload now
    assert _handshake(server, build, origin="http://evil.example") == "refused"


def _handshake(server: ServeProcess, build: int, origin: str | None = None):
    """livereload.js's handshake over a real websocket: hello (with snipver), info; then what comes back."""
    import asyncio
    import json

    from tornado.httpclient import HTTPClientError, HTTPRequest
    from tornado.websocket import websocket_connect
    parts = urlsplit(server.url)

    async def talk():
        request = HTTPRequest(f"ws://{parts.netloc}/livereload",
                              headers={"Origin": origin or f"http://{parts.netloc}"})
        try:
            socket_ = await websocket_connect(request)
        except HTTPClientError:
            return "refused"
        socket_.write_message(json.dumps({"command": "hello", "protocols": [
            "http://livereload.com/protocols/official-7"], "snipver": build}))
        assert json.loads(await socket_.read_message())["command"] == "hello"
        socket_.write_message(json.dumps({"command": "info", "url": server.url, "plugins": {}}))
        try:
            return json.loads(await asyncio.wait_for(socket_.read_message(), 1.0))
        except asyncio.TimeoutError:
            return None
        finally:
            socket_.close()
    # In a thread of its own: Playwright's sync API keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(talk())).result()


@pytest.mark.slow
def test_template_error_names_the_template_line_and_the_explainer(site, server, browser):
    from playwright.sync_api import expect
    page = live_page(browser, server.url + "budget-vote/")
    override = site / "themes" / "default" / "templates" / "explainer.html"
    override.parent.mkdir(parents=True)
    override.write_text('{% extends "default/explainer.html" %}\n{% block title %}\n'
                        '{{ explainer.no_such_field }}{% endblock %}\n', encoding="utf-8")
    error = page.locator("#explainer-build-error")
    expect(error).to_contain_text("themes/default/templates/explainer.html:3", timeout=WAIT * 1000)
    expect(error).to_contain_text("while rendering the page of content/")
    override.unlink()
    expect(page.locator("h1")).to_have_text("What the budget vote decides", timeout=WAIT * 1000)
    page.close()


@pytest.mark.slow
def test_a_server_whose_first_build_fails_starts_and_recovers(site, browser):
    from playwright.sync_api import expect
    article = site / "content" / "budget-vote.md"
    edit(article, "date: 2025-02-10", "date: someday")
    process = ServeProcess(site)
    try:
        page = live_page(browser, process.url + "budget-vote/")
        expect(page.locator("#explainer-build-error")).to_contain_text("content/budget-vote.md:3")
        expect(page.locator("#explainer-build-error")).to_contain_text("date is not a date")
        edit(article, "date: someday", "date: 2025-02-10")
        expect(page.locator("h1")).to_have_text("What the budget vote decides", timeout=WAIT * 1000)
        page.close()
    finally:
        assert process.stop() == 0


@pytest.mark.slow
def test_a_slow_stylesheet_holds_neither_the_dom_nor_the_live_reload(site, server, browser):
    """The loader script comes before the stylesheet: the reloaded page's DOM is complete without waiting for
    the stylesheet (an inline script after it would wait), and livereload.js connects all the same."""
    page = browser.new_page()
    arrived: list[float] = []

    def slow(route) -> None:
        time.sleep(1.5)
        arrived.append(time.monotonic())
        route.continue_()
    page.route("**/static/style.css", slow)
    page.add_init_script("document.addEventListener('DOMContentLoaded', () => { window.__dom = performance.now(); "
                         "window.__sheets = document.styleSheets.length; });")
    page.goto(server.url + "tides/", wait_until="commit")
    page.wait_for_function("() => window.__dom !== undefined", timeout=WAIT * 1000)
    assert page.evaluate("window.__sheets") == 0, "DOMContentLoaded waited for the stylesheet"
    assert page.evaluate("window.__dom") < 1000
    wait_until_connected(page)
    from playwright.sync_api import expect
    expect(page.locator("h1")).to_have_css("color", "rgb(20, 20, 20)", timeout=WAIT * 1000)
    edit(site / "content" / "tides" / "index.md", "Twice a day the sea rises", "Twice a day, slowly, the sea rises")
    expect(page.locator(".lede")).to_contain_text("slowly", timeout=WAIT * 1000)
    expect(page.locator("h1")).to_have_css("color", "rgb(20, 20, 20)", timeout=WAIT * 1000)
    page.close()


@pytest.mark.slow
def test_without_javascript_the_preview_shows_the_page_as_built(site, server, browser):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        sockets: list[str] = []
        page.on("websocket", lambda ws: sockets.append(ws.url))
        page.goto(server.url + "tides/")
        assert page.locator("h1").text_content() == "Why the sea has tides"
        assert page.evaluate("document.compatMode") == "CSS1Compat"    # standards mode: nothing before the doctype
        assert page.eval_on_selector("h1", "e => getComputedStyle(e).color") == "rgb(20, 20, 20)"
        assert [r for r in page.locator("script").all() if "livereload" in (r.get_attribute("src") or "")] == []
        assert sockets == []
    finally:
        context.close()


@pytest.mark.slow
def test_the_built_site_never_holds_the_preview_loader(site, server, cli):
    body = server.get("/explainers/tides/")[2]
    assert b"/livereload.js" in body    # the preview's page has it…
    cli("build", "--content", "content", "--out", "site", cwd=site, check=True)
    built = [p for p in (site / "site").rglob("*") if p.is_file()]
    assert any(p.name == "index.html" for p in built)
    for path in built:                  # …the site built beside it has none
        data = path.read_bytes()
        assert b"livereload" not in data and b"snipver" not in data, path


def live_page(browser, url: str):
    """A page open on `url` whose livereload.js has finished its handshake (edits before that go unseen)."""
    page = browser.new_page()
    sent: list[str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(str(payload))))
    page.goto(url)
    deadline = time.monotonic() + WAIT
    while not any('"info"' in frame for frame in sent):
        assert time.monotonic() < deadline, "livereload.js did not connect"
        page.wait_for_timeout(20)
    return page


def wait_until_connected(page) -> None:
    """Until the document open in `page` has finished livereload.js's handshake (it sends its `info` in the
    same turn as it takes the server's protocol)."""
    page.wait_for_function("() => window.LiveReload && window.LiveReload.connector.protocol > 0",
                           timeout=WAIT * 1000)


# --- HTTP ------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_site_is_served_under_the_base_url_path(server):
    assert server.url.endswith("/explainers/")
    status, headers, body = server.get("/explainers/")
    assert status == 200 and b"Why the sea has tides" in body
    assert b"/livereload.js" in body   # the loader script was injected, first in <head>, before the stylesheet
    assert body.index(b"<head>") < body.index(b"/livereload.js") < body.index(b"<meta charset") \
        < body.index(b'rel="stylesheet"')
    assert int(headers["content-length"]) == len(body)
    assert server.get("/")[:2][0] == 302 and server.get("/")[1]["location"] == "/explainers/"
    assert server.get("/explainers")[1]["location"] == "/explainers/"
    assert server.get("/explainers/tides")[1]["location"] == "/explainers/tides/"
    assert server.get("/tides/")[0] == 404


@pytest.mark.slow
def test_missing_pages_get_the_404_page_with_status_404(server):
    status, headers, body = server.get("/explainers/no-such-explainer/")
    assert status == 404
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert b"Page not found" in body and b"/livereload.js" in body


@pytest.mark.slow
def test_content_types(server):
    expected = {"/explainers/tides/": "text/html; charset=utf-8",
                "/explainers/static/style.css": "text/css; charset=utf-8",
                "/livereload.js": "application/javascript"}
    page = server.get("/explainers/tides/")[2].decode()
    for kind, extension in (("image/avif", "avif"), ("image/webp", "webp"), ("image/png", "png")):
        found = re.search(rf'(wave-\d+\.[0-9a-f]{{10}}\.{extension}) \d+w', page)
        assert found, f"no {extension} derivative of the hero on the page"
        expected["/explainers/tides/" + found.group(1)] = kind
    for path, kind in expected.items():
        status, headers, _ = server.get(path)
        assert (status, headers["content-type"]) == (200, kind), path
    status, headers, body = server.get("/explainers/tides/", method="HEAD")
    assert status == 200 and body == b""
    assert int(headers["content-length"]) == len(server.get("/explainers/tides/")[2])


@pytest.mark.slow
@pytest.mark.parametrize("path", [
    "/explainers/../../../../etc/passwd",
    "/explainers/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/explainers/%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "/explainers/..%2f..%2f..%2f..%2fetc/passwd",
    "/explainers/..%5c..%5cetc%5cpasswd",
    "/explainers/tides/..\\..\\..\\etc\\passwd",
    "/explainers//etc/passwd",
    "/explainers/%00/etc/passwd",
    "/explainers/%ff%fe/",
])
def test_paths_outside_the_site_are_refused(server, path):
    status, _, body = server.get(path)
    assert status in (403, 404)
    assert b"root:" not in body


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_releases_the_port(site):
    first = ServeProcess(site)
    port = urlsplit(first.url).port
    assert first.stop() == 0
    assert "Traceback" not in first.output()
    assert "stopped" in first.output()
    assert not first.out_dir.exists(), "the preview folder is removed on exit"
    again = ServeProcess(site, "--port", str(port))   # the later --port wins over --port 0
    try:
        assert urlsplit(again.url).port == port
    finally:
        assert again.stop() == 0


@pytest.mark.slow
def test_as_of_previews_scheduled_explainers(site):
    (site / "content" / "launch.md").write_text(
        "---\ntitle: Launch day\ndate: 2030-01-01\n---\nThe rocket goes up.\n", encoding="utf-8")
    now = ServeProcess(site)
    try:
        assert now.get("/explainers/launch/")[0] == 404
    finally:
        now.stop()
    later = ServeProcess(site, "--as-of", "2030-06-01T09:00")
    try:
        status, _, body = later.get("/explainers/launch/")
        assert status == 200 and b"Launch day" in body
    finally:
        later.stop()


@pytest.mark.slow
def test_binding_beyond_loopback_warns(site):
    process = ServeProcess(site, "--host", "127.0.0.2")
    try:
        assert "warning: serving on 127.0.0.2" in process.output()
        assert process.get("/explainers/")[0] == 200
    finally:
        process.stop()


@pytest.mark.slow
def test_open_hands_the_served_url_to_the_web_browser(site, tmp_path):
    """webbrowser honours $BROWSER: a real command that records the URL it was given."""
    record = tmp_path / "opened.txt"
    recorder = tmp_path / "browser.py"
    recorder.write_text(f"import sys\nopen({str(record)!r}, 'w').write(sys.argv[1])\n")
    process = ServeProcess(site, "--open", BROWSER=f"{sys.executable} {recorder} %s")
    try:
        deadline = time.monotonic() + WAIT
        while not (record.is_file() and record.read_text()):
            assert time.monotonic() < deadline, "the browser was not opened"
            time.sleep(0.05)
        assert record.read_text() == process.url
    finally:
        process.stop()


def test_without_the_extra_serve_says_how_to_install(site):
    code = ("import sys; sys.modules['livereload'] = None\n"
            "from generator.cli import main\nsys.exit(main(['serve', '--content', 'content']))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=site, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=60)
    assert proc.returncode == 1
    assert "pip install 'explainer[serve]'" in proc.stderr
    assert "Traceback" not in proc.stderr


# --- incremental -------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_one_edit_rewrites_only_the_pages_that_show_it(site, server):
    before = _mtimes(server.out_dir)
    mark = server.mark()
    edit(site / "content" / "tides" / "index.md", "Twice a day the sea rises", "Twice daily the sea rises")
    line = server.wait_for(r"^rebuilt in", since=mark).string
    # The Atom feeds carry whole explainers, so they change with the text; no HTML list page does.
    expected = {"tides/index.html", "feed.xml", "category/science/feed.xml"}
    assert changed_files(line) == expected
    after = _mtimes(server.out_dir)
    assert {p for p in after if after[p] != before.get(p)} == expected

    mark = server.mark()
    edit(site / "content" / "tides" / "index.md", 'title: "Why the sea has tides"', 'title: "Tides, explained"')
    line = server.wait_for(r"^rebuilt in", since=mark).string
    assert changed_files(line) == expected | {"index.html", "category/science/index.html",
                                              "tag/ocean/index.html", "tag/moon/index.html"}
    assert "budget-vote/index.html" not in line

    mark = server.mark()
    (site / "content" / "budget-vote.md").rename(site / "content" / "council-budget.md")
    server.wait_for(r"^rebuilt in", since=mark)
    assert not (server.out_dir / "budget-vote").exists()
    assert (server.out_dir / "council-budget" / "index.html").is_file()
    assert server.get("/explainers/budget-vote/")[0] == 404
    assert server.get("/explainers/council-budget/")[0] == 200


@pytest.mark.slow
def test_a_burst_of_saves_is_one_rebuild(site, server):
    article = site / "content" / "tides" / "index.md"
    mark = server.mark()
    for n in range(5):
        edit(article, "Twice a day" if n == 0 else f"Burst {n - 1}", f"Burst {n}")
    server.wait_for(r"^rebuilt in", since=mark)
    time.sleep(1.0)
    assert len(server.rebuilds(mark)) == 1, server.output()
    assert b"Burst 4" in server.get("/explainers/tides/")[2]


def _mtimes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


# --- units ---------------------------------------------------------------------------------------------------

def test_resolve_maps_paths_below_the_base_path(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text("x")
    (tmp_path / "index.html").write_text("x")
    assert resolve(tmp_path, "/x/", "/x/").path == tmp_path / "index.html"
    assert resolve(tmp_path, "/x/", "/x/a/").path == tmp_path / "a" / "index.html"
    assert resolve(tmp_path, "/x/", "/x/a").location == "/x/a/"
    assert resolve(tmp_path, "/x/", "/").location == "/x/"
    assert resolve(tmp_path, "/x/", "/x/b/").found is Found.NOT_FOUND
    assert resolve(tmp_path, "/x/", "/y/a/").found is Found.NOT_FOUND
    for bad in ("/x/../a/", "/x/%2e%2e/a/", "/x/a%2findex.html", "/x/a%5cindex.html", "/x/.%2e/",
                "/x/a\\index.html", "/x/%c0%ae%c0%ae/"):
        assert resolve(tmp_path, "/x/", bad).found is Found.REFUSED, bad


def test_resolve_refuses_symlinks_out_of_the_site(tmp_path):
    site, secret = tmp_path / "site", tmp_path / "secret.txt"
    site.mkdir()
    secret.write_text("secret")
    (site / "leak.txt").symlink_to(secret)
    assert resolve(site, "/", "/leak.txt").found is Found.REFUSED


def test_content_types_do_not_depend_on_the_machine():
    assert content_type(Path("a/index.html")) == "text/html; charset=utf-8"
    assert content_type(Path("static/style.css")) == "text/css; charset=utf-8"
    assert content_type(Path("feed.xml")) == "application/xml; charset=utf-8"
    assert content_type(Path("hero.JPG")) == "image/jpeg"
    assert content_type(Path("data.unknownext")) == "application/octet-stream"


def test_error_page_escapes_everything_and_names_both_files():
    err = TemplateError("'x' is <undefined>", Place(Path("themes/t/explainer.html"), 7), hint="<fix>")
    err.page_of = Place(Path("content/a/index.md"))
    html = error_page(BuildFailure.from_error(err), Formatter()).decode()
    assert "themes/t/explainer.html:7" in html and "content/a/index.md" in html
    assert "&lt;undefined&gt;" in html and "<undefined>" not in html and "&lt;fix&gt;" in html
    assert "<head>" in html   # where livereload's loader script goes


def test_the_loader_goes_right_after_the_head_tag():
    script = ReloadHub().loader_script()
    assert with_loader(b"<html><head><link rel=stylesheet></head>", b"<s>") == \
        b"<html><head><s><link rel=stylesheet></head>"
    assert with_loader(b'<HTML><HEAD class="x"><title>t</title>', b"<s>") == \
        b'<HTML><HEAD class="x"><s><title>t</title>'
    assert with_loader(b"<body><header>h</header>", b"<s>") == b"<s><body><header>h</header>"   # no <head>
    assert with_loader(b"<!DOCTYPE html><title>t</title>", b"<s>") == b"<!DOCTYPE html><s><title>t</title>"
    assert script.startswith(b"<script>") and b"DOMContentLoaded" in script and b"snipver=1" in script


def test_terminal_text_lists_every_problem():
    failure = BuildFailure.from_error(ContentError("missing title", Place(Path("content/a.md"), 1)))
    assert failure.terminal_text(Formatter()) == "error: content/a.md:1: missing title"


def test_watched_folders_cover_content_and_the_themes_in_use(site):
    config = load_config(site / "content", site / "out")
    folders = watched_folders(site / "content", config)
    assert (site / "content").resolve() in folders
    assert (site / "themes").resolve() in folders     # site-local overrides, and themes added later
    assert any(f.name == "default" and (f / "templates" / "base.html").is_file() for f in folders)
    assert outermost([Path("/a/b"), Path("/a"), Path("/c")]) == (Path("/a"), Path("/c"))


def test_hidden_folders_and_editor_files_do_not_trigger_builds(tmp_path):
    accept = SourceFilter((tmp_path,))
    from watchfiles import Change
    assert accept(Change.modified, str(tmp_path / "a" / "index.md"))
    assert not accept(Change.modified, str(tmp_path / ".git" / "index"))
    assert not accept(Change.modified, str(tmp_path / ".explainer-cache" / "x"))
    assert not accept(Change.added, str(tmp_path / "a" / ".index.md.swp"))
    assert not accept(Change.added, str(tmp_path / "a" / "index.md~"))


def test_builder_recovers_fully_after_a_failed_render(site, tmp_path):
    """A render that fails half-way must not leave pages of the old template behind after the fix."""
    out = tmp_path / "out"
    builder = Builder(lambda: load_config(site / "content", out), fingerprint=False)
    builder.build()
    override = site / "themes" / "default" / "templates" / "explainer.html"
    override.parent.mkdir(parents=True)
    override.write_text('{% extends "default/explainer.html" %}{% block title %}MARKER '
                        '{% if explainer.title == "BROKEN" %}{{ nope }}{% endif %}{% endblock %}\n')
    article = site / "content" / "tides" / "index.md"
    original = article.read_text()
    article.write_text(original.replace('title: "Why the sea has tides"', "title: BROKEN"))
    with pytest.raises(TemplateError):
        builder.build()
    article.write_text(original)
    builder.build()
    for page in ("tides/index.html", "budget-vote/index.html"):
        assert "MARKER" in (out / page).read_text(), page
