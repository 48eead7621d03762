"""A newsroom's page in real tools: every kind of embed, a raw 560 px iframe, a correction, share links and a
pull quote, in English and Arabic. The Nu HTML Checker finds no error, axe no violation (light and dark, and in
each facade's own page), nothing scrolls sideways from 320 px up, a facade asks the provider for nothing until
it is clicked, and print shows the facts' source addresses.

All slow: they need Java, vnu.jar, axe-core and Chromium (`bash tests/run.sh` installs them).
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import io
import json
import shutil
import subprocess
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from test_embeds import ADDRESSES, FACADES
from test_theme import AXE_JS, AXE_TAGS, CHROMIUM, CHROMIUM_ARGS, SETUP_HINT, VNU_JAR, QuietHandler, require

RAW_FRAME = ('<iframe width="560" height="315" src="https://www.youtube.com/embed/raw123" title="The raw paste">'
             '</iframe>')
LAUNCH = """---
title: Why the launch slipped
date: 2024-03-01T09:30:00-05:00
summary: The launch moved a week.
authors: [Ann Lee]
updates:
  - {date: 2024-03-02, note: Added the new date.}
  - {date: "2024-03-03T14:05:00Z", note: An earlier version named the wrong pad., kind: correction}
facts:
  - {label: Pad, value: 39A, source: {name: Launch authority, url: "https://authority.example.org/pads/39a"}}
  - {label: Delay, value: one week, source: Agency statement}
---
The launch moved a week, and the crew waits.

> "We fly when it is safe, and not one minute before that moment comes around again."
>
> — The flight director
{: .pullquote}

**Why it matters:** Every embed kind follows.

EMBEDS

**The big picture:** A pasted player, 560 pixels wide:

RAW_FRAME
""".replace("EMBEDS", "\n\n".join(url for url, _ in ADDRESSES.values())).replace("RAW_FRAME", RAW_FRAME)
QAMAR = """---
title: لماذا تأخر الإطلاق
date: 2024-03-01
language: ar
summary: تأخر الإطلاق أسبوعًا.
updates:
  - {date: 2024-03-02, note: صححنا اسم المنصة., kind: correction}
facts:
  - {label: المنصة, value: 39A, source: {name: الهيئة, url: "https://authority.example.org/ar"}}
---
تأخر الإطلاق أسبوعًا.

https://www.youtube.com/watch?v=dQw4w9WgXcQ

**لماذا يهم:** الطقس.
"""
PAGES = ("launch/index.html", "qamar/index.html")
WIDTHS = (320, 390, 768, 1280)
CHARTS = {urlsplit(frame).hostname for key, (_, frame) in ADDRESSES.items() if key not in FACADES}


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory) -> Path:
    from generator import cli
    root = tmp_path_factory.mktemp("newsroom")
    files = {"site.yml": "title: The Desk\nbase_url: https://example.com/news/\ntimezone: America/New_York\n",
             "launch.md": LAUNCH, "qamar.md": QAMAR}
    for rel, text in files.items():
        (root / "content" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "content" / rel).write_text(text, encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["build", "--content", str(root / "content"), "--out", str(root / "site"), "--no-cache"])
    assert code == 0, err.getvalue()
    return root / "site"


@pytest.fixture(scope="module")
def served(newsroom):
    handler = functools.partial(QuietHandler, directory=str(newsroom))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def chromium():
    """This module's own Chromium (Playwright's sync API allows one running instance at a time)."""
    require(CHROMIUM, "Chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(f"the Python package playwright is not installed: {SETUP_HINT}", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Tab:
    """A browser context where every request off loopback is remembered and answered with a stub page (the
    machine has no internet; a stub lets a clicked facade finish loading its frame)."""

    def __init__(self, browser, base: str, **options):
        self.base, self.outside = base, []
        self.context = browser.new_context(**options)
        self.context.route("**/*", self.route)
        self.page = self.context.new_page()

    def route(self, route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>player</title>")

    def open(self, rel: str):
        response = self.page.goto(self.base + rel, wait_until="load")
        assert response.ok, f"{rel}: HTTP {response.status}"
        return self.page

    def hosts(self) -> set[str]:
        return {urlsplit(url).hostname for url in self.outside}

    def close(self) -> None:
        self.context.close()


def scroll_through(page) -> None:
    """Bring every embed into view once, so each lazy frame loads what it loads."""
    for index in range(page.locator("figure.embed, .embed-raw").count()):
        page.locator("figure.embed, .embed-raw").nth(index).scroll_into_view_if_needed()
        page.wait_for_timeout(50)
    page.wait_for_load_state("load")


@pytest.mark.slow
def test_nu_html_checker_finds_no_errors(newsroom):
    java = require(shutil.which("java"), "java (a Java runtime)")
    pages = sorted(p.relative_to(newsroom).as_posix() for p in newsroom.rglob("*.html"))
    proc = subprocess.run([java, "-Xss1024k", "-jar", require(VNU_JAR, "vnu.jar"), "--format", "json", "--stdout",
                           *pages], cwd=newsroom, capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1) and proc.stdout, proc.stderr
    errors = [f"{m.get('url', '').rsplit('/', 2)[-2:]}:{m.get('lastLine')}: {m['message']}"
              for m in json.loads(proc.stdout)["messages"] if m["type"] == "error"]
    assert not errors, "\n".join(errors)
    assert "launch/index.html" in pages


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_on_the_page_or_in_any_facade(served, chromium, scheme):
    axe = Path(require(AXE_JS, "axe.min.js (npm axe-core)")).read_text(encoding="utf-8")
    tab = Tab(chromium, served, color_scheme=scheme, viewport={"width": 1280, "height": 900})
    found, facades = [], 0
    try:
        for rel in PAGES:
            page = tab.open(rel)
            scroll_through(page)
            page.add_script_tag(content=axe)
            result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
            found += [f"{rel}: {v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
                      for v in result["violations"]]
            for frame in page.frames[1:]:
                if frame.url != "about:srcdoc":
                    continue
                facades += 1
                frame.add_script_tag(content=axe)
                result = frame.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                                        AXE_TAGS)
                found += [f"{rel} facade {frame.title()!r}: {v['id']}: {v['help']}" for v in result["violations"]]
    finally:
        tab.close()
    assert not found, "\n".join(found)
    assert facades == len(FACADES) + 1, "every facade's page was checked (the Arabic page has one)"
    assert tab.hosts() <= CHARTS | {"www.youtube.com"}, f"only charts and the raw paste load: {tab.hosts()}"


@pytest.mark.slow
def test_nothing_scrolls_sideways_and_no_frame_is_wider_than_its_column(served, chromium):
    problems = []
    for width in WIDTHS:
        tab = Tab(chromium, served, viewport={"width": width, "height": 900})
        try:
            for rel in PAGES:
                page = tab.open(rel)
                scroll_through(page)
                scroll, inner = page.evaluate("[document.documentElement.scrollWidth, "
                                              "document.documentElement.clientWidth]")
                if scroll > inner:
                    problems.append(f"{rel} at {width} px: {scroll} > {inner}")
                boxes = page.evaluate("""() => [...document.querySelectorAll('iframe, blockquote.pullquote')].map(e => {
                    const r = e.getBoundingClientRect(), c = e.closest('.lede, section').getBoundingClientRect();
                    return [e.title || e.tagName, r.left, r.right, c.left, c.right, r.width, r.height]; })""")
                for name, left, right, column_left, column_right, frame_width, frame_height in boxes:
                    if left < column_left - 0.5 or right > column_right + 0.5 or frame_height < 100:
                        problems.append(f"{rel} at {width} px: {name} at {left}–{right}, column "
                                        f"{column_left}–{column_right}, {frame_width}×{frame_height}")
        finally:
            tab.close()
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_a_raw_560_px_iframe_fits_a_320_px_phone_at_its_own_proportions(served, chromium):
    tab = Tab(chromium, served, viewport={"width": 320, "height": 700}, is_mobile=True, has_touch=True)
    try:
        page = tab.open("launch/index.html")
        raw = page.locator("iframe[title='The raw paste']")
        raw.scroll_into_view_if_needed()
        box = raw.bounding_box()
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    finally:
        tab.close()
    assert widths[0] <= widths[1] == 320
    assert box["x"] >= 0 and box["x"] + box["width"] <= 320 and box["width"] < 560
    assert abs(box["height"] / box["width"] - 315 / 560) < 0.01, box


@pytest.mark.slow
def test_a_facade_asks_its_provider_for_nothing_until_it_is_clicked(served, chromium):
    tab = Tab(chromium, served, viewport={"width": 390, "height": 844})
    try:
        page = tab.open("launch/index.html")
        scroll_through(page)
        page.wait_for_timeout(300)
        before = set(tab.hosts())
        assert before <= CHARTS | {"www.youtube.com"}, f"loaded before any click: {before}"
        assert "www.youtube-nocookie.com" not in before and "player.vimeo.com" not in before
        frame = next(f for f in page.frames if f.url == "about:srcdoc" and f.title() == "YouTube video")
        link = frame.get_by_role("link", name="Play video on YouTube")
        with page.expect_request(lambda request: "youtube-nocookie.com" in request.url) as asked:
            link.click()
        assert asked.value.url == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=30&autoplay=1"
        assert asked.value.frame.parent_frame == page.main_frame       # the player loads in the frame, in place
        page.wait_for_timeout(300)
        after = tab.hosts() - before
    finally:
        tab.close()
    assert after == {"www.youtube-nocookie.com"}, f"the click loaded only YouTube's player: {after}"
    assert [url for url in tab.outside if "youtube-nocookie" in url] == [asked.value.url]


@pytest.mark.slow
def test_the_pull_quote_stands_out_and_fits_a_phone(served, chromium):
    tab = Tab(chromium, served, viewport={"width": 320, "height": 700})
    try:
        page = tab.open("launch/index.html")
        style = page.evaluate("""() => { const q = getComputedStyle(document.querySelector('blockquote.pullquote')),
            p = getComputedStyle(document.querySelector('.lede > p'));
            const r = document.querySelector('blockquote.pullquote').getBoundingClientRect();
            return {quote: parseFloat(q.fontSize), text: parseFloat(p.fontSize), border: q.borderTopWidth,
                    weight: q.fontWeight, right: r.right, width: document.documentElement.clientWidth}; }""")
    finally:
        tab.close()
    assert style["quote"] > style["text"] and style["weight"] == "700" and style["border"] == "4px"
    assert style["right"] <= style["width"]


@pytest.mark.slow
def test_print_shows_fact_source_addresses_and_hides_frames_and_share_links(served, chromium):
    tab = Tab(chromium, served, viewport={"width": 800, "height": 900})
    try:
        page = tab.open("launch/index.html")
        page.emulate_media(media="print")
        printed = page.evaluate("""() => ({
            source: getComputedStyle(document.querySelector('.facts .source a'), '::after').content,
            caption: getComputedStyle(document.querySelector('figure.embed figcaption a'), '::after').content,
            share: getComputedStyle(document.querySelector('.share')).display,
            frame: getComputedStyle(document.querySelector('.embed-frame')).display,
            correction: getComputedStyle(document.querySelector('.correction')).display})""")
    finally:
        tab.close()
    assert printed["source"] == '" (https://authority.example.org/pads/39a)"', printed
    assert "https://www.youtube.com/watch?v=dQw4w9WgXcQ" in printed["caption"]
    assert printed["share"] == printed["frame"] == "none" and printed["correction"] != "none"
