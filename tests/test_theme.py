"""The default theme on the built sample site: structure, weight, validity, accessibility, layout.

Fast tests parse the built pages. Slow tests run the Nu HTML Checker (vnu.jar on Java) and axe-core in
headless Chromium (light and dark), and measure layout at phone to desktop widths. They never skip: when a
tool is missing they fail and say how to install it (`bash tests/run.sh` does, and CI runs that).
"""
from __future__ import annotations

import functools
import gzip
import http.server
import itertools
import json
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from conftest import REPO, article
from test_errors import png

# An explainer page's HTML + CSS (+ JS: there is none) as a phone downloads them (gzip, as static hosts send
# them) fit in the first round trip of a connection: TCP's initial window of 10 segments of 1,460 bytes.
FIRST_ROUND_TRIP_BYTES = 14_600
RAW_BUDGET_BYTES = 40_000             # and uncompressed, what the browser parses
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = (320, 390, 768, 1280, 1920)
NODE_MODULES = REPO / "tests" / "browser" / "node_modules"
VNU_JAR = Path(os.environ.get("VNU_JAR", NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"))
AXE_JS = Path(os.environ.get("AXE_JS", NODE_MODULES / "axe-core" / "axe.min.js"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SETUP_HINT = "run `bash tests/run.sh` once (it installs Chromium, a Java runtime, vnu-jar and axe-core)"
FETCHED_LINKS = {"stylesheet", "icon", "preload", "modulepreload", "prefetch", "manifest", "apple-touch-icon"}
RTL = {"ar", "he", "fa", "ur", "yi", "ps", "sd", "ug", "dv", "ckb"}


# ---------------------------------------------------------------- the built sample site

@pytest.fixture(scope="session")
def sample(built_sample) -> Path:
    """The repo's sample content, built once per session (shared with the other tests that read it)."""
    return built_sample


def html_pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def explainer_pages(site: Path) -> list[str]:
    return [rel for rel in html_pages(site) if 'class="explainer"' in (site / rel).read_text("utf-8")]


def parse(site: Path, rel: str) -> BeautifulSoup:
    return BeautifulSoup((site / rel).read_text(encoding="utf-8"), "html.parser")


def stylesheets(site: Path, rel: str) -> list[Path]:
    page = parse(site, rel)
    return [((site / rel).parent / link["href"]).resolve() for link in page.find_all("link", rel="stylesheet")]


def test_the_sample_builds_every_kind_of_page(sample):
    built = html_pages(sample)
    assert "404.html" in built and "index.html" in built
    assert any(rel.startswith("category/") and rel != "category/index.html" for rel in built)
    assert any(rel.startswith("tag/") and rel != "tag/index.html" for rel in built)
    assert len(explainer_pages(sample)) >= 3


# ---------------------------------------------------------------- fast: every page's structure

@pytest.fixture(scope="module")
def pages(sample) -> dict[str, BeautifulSoup]:
    return {rel: parse(sample, rel) for rel in html_pages(sample)}


def test_landmarks_header_main_footer_on_every_page_and_aside_on_explainers(sample, pages):
    for rel, page in pages.items():
        body = page.body
        assert len(body.find_all("header", recursive=False)) == 1, rel
        assert len(page.find_all("main")) == 1, rel
        assert len(body.find_all("footer", recursive=False)) == 1, rel
        for nav in page.find_all("nav"):
            assert nav.get("aria-label") or nav.get("aria-labelledby"), f"{rel}: unnamed <nav>"
    for rel in explainer_pages(sample):
        facts = pages[rel].select("main aside.facts")
        assert len(facts) == 1, rel
        assert facts[0].find(["h2", "h3"]) and facts[0].find("dl"), rel


def test_a_skip_link_comes_first_and_leads_to_main(pages):
    for rel, page in pages.items():
        first = page.body.find(["a", "button", "input", "select", "textarea"])
        assert first.get("class") == ["skip-link"] and first["href"] == "#main", rel
        assert page.find("main")["id"] == "main", rel


def test_one_h1_and_headings_without_gaps(pages):
    for rel, page in pages.items():
        levels = [int(h.name[1]) for h in page.find_all(re.compile(r"^h[1-6]$"))]
        assert levels.count(1) == 1 and levels[0] == 1, f"{rel}: headings {levels}"
        for before, after in itertools.pairwise(levels):
            assert after <= before + 1, f"{rel}: h{before} is followed by h{after}"


def test_lang_and_dir_on_every_page(pages):
    for rel, page in pages.items():
        lang, direction = page.html.get("lang", ""), page.html.get("dir")
        assert re.fullmatch(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]+)*", lang), f"{rel}: lang={lang!r}"
        assert direction == ("rtl" if lang.split("-")[0].lower() in RTL else "ltr"), rel


def test_no_javascript_at_all(sample, pages):
    for rel, page in pages.items():
        scripts = [s for s in page.find_all("script") if s.get("type") != "application/ld+json"]   # data only
        assert not scripts, rel
        for tag in page.find_all(True):
            assert not [a for a in tag.attrs if a.lower().startswith("on")], f"{rel}: {tag.name} has a handler"
            assert not str(tag.get("href", "")).lower().startswith("javascript:"), rel
    assert not list(sample.rglob("*.js"))


def test_an_explainer_fits_its_html_and_css_in_the_first_round_trip(sample):
    for rel in explainer_pages(sample) + ["index.html"]:
        files = [sample / rel, *stylesheets(sample, rel)]
        raw = sum(path.stat().st_size for path in files)
        sent = sum(len(gzip.compress(path.read_bytes(), mtime=0)) for path in files)
        assert sent < FIRST_ROUND_TRIP_BYTES, f"{rel}: {sent} bytes of HTML + CSS gzipped"
        assert raw < RAW_BUDGET_BYTES, f"{rel}: {raw} bytes of HTML + CSS"


def test_every_image_has_width_height_and_alt(pages):
    for rel, page in pages.items():
        for img in page.find_all("img"):
            assert img.get("width", "").isdigit() and img.get("height", "").isdigit(), f"{rel}: {img}"
            assert img.has_attr("alt"), f"{rel}: {img}"


def test_no_external_requests_from_html_or_css(sample, pages):
    for rel, page in pages.items():
        for tag in page.find_all(["link", "img", "script", "source", "iframe", "video", "audio", "embed",
                                  "object", "track", "input"]):
            if tag.name == "link" and not FETCHED_LINKS & set(tag.get("rel", [])):
                continue          # canonical and alternate links name addresses; browsers do not load them
            for attribute in ("href", "src", "srcset", "data", "poster"):
                for url in re.split(r",\s*", tag.get(attribute, "")):
                    parts = urlsplit(url.strip().split(" ")[0])
                    assert not (parts.scheme or parts.netloc), f"{rel}: {tag.name} loads {url}"
    for css in sample.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert "@import" not in text and "@font-face" not in text, css.name
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", text):
            assert not (urlsplit(url).scheme or urlsplit(url).netloc) or url.startswith("data:"), url


def test_every_local_link_and_fragment_resolves(sample, pages):
    root = sample.resolve()
    for rel, page in pages.items():
        if rel == "404.html":
            continue          # served at any address, so its links start at the site root
        for a in page.find_all("a", href=True):
            parts = urlsplit(a["href"])
            if parts.scheme or parts.netloc:
                continue
            target = ((root / rel).parent / parts.path).resolve() if parts.path else root / rel
            if target.is_dir():
                target = target / "index.html"
            assert target.is_file() and target.is_relative_to(root), f"{rel}: broken link {a['href']}"
            if parts.fragment:
                assert pages[target.relative_to(root).as_posix()].find(id=parts.fragment), \
                    f"{rel}: no #{parts.fragment} for {a['href']}"


# ---------------------------------------------------------------- fast: explainer parts

def test_section_labels_come_first_and_a_permalink_follows_them(sample, pages):
    for rel in explainer_pages(sample):
        for section in pages[rel].select("section[data-axiom]"):
            first = section.find(True)
            label = first if "axiom-label" in first.get("class", []) else first.find(class_="axiom-label")
            assert label is not None and (first is label or first.find(True) is label), f"{rel}: {section['id']}"
            link = section.find("a", class_="permalink")
            assert link["href"] == f"#{section['id']}", rel
            name = label.get_text().rstrip(":")
            assert link["aria-label"] == f"Link to this section: {name}", rel
            assert link not in label.descendants      # the label's own text is left alone


def test_the_permalink_goes_after_the_label_and_only_into_the_page_html():
    from generator.markdown.sections import Converter
    body = Converter().convert("Lede.\n\n**Why it matters:** Stakes.\n\n## What they're saying\n\nA.\n\n"
                               "**What they're saying:** B.\n")
    lead_in, heading, again = body.sections
    assert lead_in.html_with_permalink == (
        '<p><strong class="axiom-label">Why it matters:</strong><a class="permalink" href="#why-it-matters" '
        'aria-label="Link to this section: Why it matters">#</a> Stakes.</p>')
    assert heading.html_with_permalink.startswith(
        '<h2 class="axiom-label">What they’re saying</h2><a class="permalink" href="#what-theyre-saying" '
        'aria-label="Link to this section: What they’re saying">#</a>\n<p>A.</p>')
    assert 'href="#what-theyre-saying-2"' in again.html_with_permalink
    assert lead_in.html == '<p><strong class="axiom-label">Why it matters:</strong> Stakes.</p>'
    assert all("permalink" not in s.html and "\x02" not in s.html for s in body.sections)
    assert (lead_in.words, body.words) == (4, 13)      # the mark is no word


def test_byline_dates_reading_time_and_word_count(sample, pages):
    for rel in explainer_pages(sample):
        byline = pages[rel].select_one(".explainer-header .byline")
        times = byline.find_all("time")
        assert times and all(re.fullmatch(r"\d{4}-\d\d-\d\d(T[\d:+-]+)?", t["datetime"]) for t in times), rel
        assert re.search(r"\d+ min read · \d+ words", byline.get_text()), rel
    amazon = pages["amazon-facial-recognition-moratorium/index.html"].select_one(".byline")
    assert "Updated" in amazon.get_text() and len(amazon.find_all("time")) == 2


def test_hero_figure_is_the_contract_and_loads_first(sample, pages):
    page = pages["amazon-facial-recognition-moratorium/index.html"]
    figure = page.select_one("figure.hero")
    img = figure.img
    assert img["alt"] and img["width"] == "1200" and img["height"] == "675" and img["fetchpriority"] == "high"
    assert figure.figcaption.select_one(".caption") and figure.figcaption.select_one(".credit")


def test_facts_follow_the_lede_in_the_source_order(sample, pages):
    for rel in explainer_pages(sample):
        children = [c for c in pages[rel].select_one("article.explainer").children if c.name]
        names = [" ".join(c.get("class", [])) or c.name for c in children]
        assert names.index("facts") == names.index("lede") + 1, f"{rel}: {names}"


def test_stylesheet_has_dark_print_and_reduced_motion_rules(sample):
    css = next(sample.rglob("style.*.css")).read_text(encoding="utf-8")
    assert "@media (prefers-color-scheme: dark)" in css
    assert "@media (prefers-reduced-motion" in css
    print_rules = css[css.index("@media print"):]
    assert re.search(r"nav[^{]*\{[^}]*display:\s*none", print_rules)
    assert 'section[data-axiom="go-deeper"] a[href^="http"]::after' in print_rules and "attr(href)" in print_rules


def test_toc_follows_the_site_setting(make_site, cli):
    body = "Lede.\n\n" + "".join(f"**{label}:** text.\n\n" for label in
                                 ("Why it matters", "The big picture", "Zoom in"))
    for setting, expected in (("toc: 3", True), ("toc: 4", False), ("toc: false", False)):
        site = make_site({"site.yml": f"title: T\n{setting}\n", "a.md": article("A", body=body)})
        cli("build", check=True, cwd=site.root)
        toc = BeautifulSoup(site.page("a/index.html"), "html.parser").select("nav.toc a")
        assert bool(toc) == expected, setting
        if expected:
            assert [a["href"] for a in toc] == ["#why-it-matters", "#the-big-picture", "#zoom-in"]


def test_right_to_left_site_pages_get_dir_rtl(make_site, cli):
    site = make_site({"site.yml": "title: T\nlanguage: ar\n", "a.md": article("A", category="C")})
    cli("build", check=True, cwd=site.root)
    for rel in ("index.html", "a/index.html", "category/c/index.html", "404.html"):
        assert '<html lang="ar" dir="rtl">' in site.page(rel), rel


def test_body_images_get_their_pixel_size_and_load_lazily(make_site, cli):
    site = make_site({"a/index.md": article("A", body="Lede.\n\n![A chart](chart.png)\n"),
                      "a/chart.png": png(320, 200)})
    cli("build", check=True, cwd=site.root)
    img = BeautifulSoup(site.page("a/index.html"), "html.parser").select_one(".lede img")
    assert (img["width"], img["height"], img["loading"]) == ("320", "200", "lazy")


# ---------------------------------------------------------------- slow: the tools CI installs

def require(path: Path | str | None, what: str) -> str:
    if not path or not Path(path).exists():
        pytest.fail(f"{what} not found{f' at {path}' if path else ''}: {SETUP_HINT}", pytrace=False)
    return str(path)


@pytest.mark.slow
def test_nu_html_checker_finds_no_errors(sample):
    java = require(shutil.which("java"), "java (a Java runtime)")
    jar = require(VNU_JAR, "vnu.jar")
    errors = []
    for mode, files in (("html", html_pages(sample)), ("css", [p.relative_to(sample).as_posix()
                                                               for p in sample.rglob("*.css")])):
        proc = subprocess.run([java, "-Xss1024k", "-jar", jar, "--format", "json", "--stdout",
                               *(["--css"] if mode == "css" else []), *files],
                              cwd=sample, capture_output=True, text=True, timeout=300)
        assert proc.returncode in (0, 1) and proc.stdout, proc.stderr
        errors += [f"{m.get('url', '').rsplit('/', 2)[-2:]}:{m.get('lastLine')}: {m['message']}"
                   for m in json.loads(proc.stdout)["messages"] if m["type"] == "error"]
    assert not errors, "\n".join(errors)


@pytest.fixture(scope="session")
def served(sample):
    """The built sample site on a loopback port, for the browser."""
    handler = functools.partial(QuietHandler, directory=str(sample))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def browser():
    require(CHROMIUM, "Chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(f"the Python package playwright is not installed: {SETUP_HINT}", pytrace=False)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Visit:
    """One browser context; every request off loopback is blocked and remembered."""

    def __init__(self, browser, base: str, **options):
        self.base, self.blocked = base, []
        self.context = browser.new_context(**options)
        self.context.route("**/*", self.route)
        self.page = self.context.new_page()

    def route(self, route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def open(self, rel: str):
        response = self.page.goto(self.base + rel, wait_until="load")
        assert response.ok or rel == "404.html", f"{rel}: HTTP {response.status}"
        return self.page

    def close(self) -> None:
        self.context.close()


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_wcag_violations(sample, served, browser, scheme):
    axe = require(AXE_JS, "axe.min.js (npm axe-core)")
    source = Path(axe).read_text(encoding="utf-8")
    visit = Visit(browser, served, color_scheme=scheme, viewport={"width": 1280, "height": 800})
    found, errors = [], []
    visit.page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    try:
        for rel in html_pages(sample):
            page = visit.open(rel)
            page.add_script_tag(content=source)
            result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
            found += [f"{rel}: {v['id']} ({v['impact']}): {v['help']} at "
                      f"{', '.join(str(n['target']) for n in v['nodes'][:3])}" for v in result["violations"]]
    finally:
        visit.close()
    assert not found, "\n".join(found)
    assert not visit.blocked, f"requests off loopback: {visit.blocked}"
    assert not [e for e in errors if "404" not in e], errors


@pytest.mark.slow
def test_no_horizontal_scrolling_from_320_to_1920_px(sample, served, browser):
    overflowing = []
    for width in WIDTHS:
        visit = Visit(browser, served, viewport={"width": width, "height": 900})
        try:
            for rel in html_pages(sample):
                page = visit.open(rel)
                scroll, inner = page.evaluate(
                    "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
                if scroll > inner:
                    overflowing.append(f"{rel} at {width} px: {scroll} > {inner}")
        finally:
            visit.close()
    assert not overflowing, "\n".join(overflowing)


BOXES = """() => Object.fromEntries(['.lede', '.facts', '.sections', 'section[data-axiom]'].map(s => {
  const r = document.querySelector(s).getBoundingClientRect();
  return [s, {left: r.left, right: r.right, top: r.top + scrollY, bottom: r.bottom + scrollY}];
}))"""


@pytest.mark.slow
def test_facts_sit_beside_the_article_on_wide_screens_and_stick(sample, served, browser):
    visit = Visit(browser, served, viewport={"width": 1280, "height": 800})
    try:
        for rel in explainer_pages(sample):
            page = visit.open(rel)
            box = page.evaluate(BOXES)
            assert box[".facts"]["left"] >= box[".lede"]["right"], f"{rel}: facts not beside the article"
            assert box[".facts"]["top"] < box[".lede"]["bottom"], f"{rel}: facts start below the lede"
            page.evaluate("window.scrollTo({top: document.documentElement.scrollHeight * 0.6, behavior: 'instant'})")
            top = page.evaluate("document.querySelector('.facts').getBoundingClientRect().top")
            assert 0 <= top <= 32, f"{rel}: facts not sticky while reading (top {top})"
    finally:
        visit.close()


@pytest.mark.slow
def test_facts_come_right_after_the_lede_on_phones(sample, served, browser):
    visit = Visit(browser, served, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        for rel in explainer_pages(sample):
            box = visit.open(rel).evaluate(BOXES)
            assert box[".lede"]["bottom"] <= box[".facts"]["top"] < box[".sections"]["top"], rel
            assert abs(box[".facts"]["left"] - box[".lede"]["left"]) < 1, rel
    finally:
        visit.close()


@pytest.mark.slow
def test_permalinks_show_on_keyboard_focus(served, browser):
    visit = Visit(browser, served, viewport={"width": 1280, "height": 800})
    try:
        page = visit.open("amazon-facial-recognition-moratorium/index.html")
        link = page.locator("#why-it-matters .permalink")
        assert link.evaluate("a => getComputedStyle(a).opacity") == "0"
        for _ in range(60):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.getAttribute('href')") == "#why-it-matters" and \
                    page.evaluate("document.activeElement.className") == "permalink":
                break
        else:
            pytest.fail("Tab never reached the permalink of #why-it-matters")
        assert link.evaluate("a => getComputedStyle(a).opacity") == "1"
    finally:
        visit.close()


@pytest.mark.slow
def test_print_hides_navigation_and_prints_go_deeper_urls(served, browser):
    visit = Visit(browser, served, viewport={"width": 800, "height": 1000})
    try:
        page = visit.open("amazon-facial-recognition-moratorium/index.html")
        page.emulate_media(media="print")
        shown = page.evaluate("""() => ({
          navs: [...document.querySelectorAll('nav')].map(n => getComputedStyle(n).display),
          facts: getComputedStyle(document.querySelector('.facts')).display,
          after: getComputedStyle(document.querySelector('#go-deeper li a'), '::after').content})""")
        assert set(shown["navs"]) == {"none"} and shown["facts"] != "none"
        assert "https://" in shown["after"]
    finally:
        visit.close()


def test_a_site_extends_the_packaged_template_and_adds_a_stylesheet(make_site, cli):
    """The recipe in docs/theme.md: a site-local template extends `default/…` and keeps the rest."""
    site = make_site({"a.md": article("A", body="Lede.\n\n**Why it matters:** x.\n")})
    site.write("/themes/default/templates/explainer.html",
               '{% extends "default/explainer.html" %}\n'
               '{% block head %}<link rel="stylesheet" href="{{ asset(\'extra.css\') }}">{% endblock %}\n')
    site.write("/themes/default/static/extra.css", ".lede { color: red; }\n")
    cli("build", check=True, cwd=site.root)
    page = BeautifulSoup(site.page("a/index.html"), "html.parser")
    hrefs = [link["href"] for link in page.find_all("link", rel="stylesheet")]
    assert hrefs[0].startswith("../static/style.") and hrefs[1].startswith("../static/extra.")
    assert page.select_one("section#why-it-matters .permalink")
    assert (site.out / hrefs[1].removeprefix("../")).is_file()


def test_a_body_image_resized_between_builds_gets_its_new_size(make_site, cli):
    """Converted bodies are cached between builds; the image's pixel size is part of what they depend on."""
    site = make_site({"a/index.md": article("A", body="Lede.\n\n![A chart](chart.png)\n"),
                      "a/chart.png": png(320, 200)})
    cli("build", check=True, cwd=site.root)
    site.write("a/chart.png", png(640, 480))
    cli("build", check=True, cwd=site.root)
    img = BeautifulSoup(site.page("a/index.html"), "html.parser").select_one(".lede img")
    assert (img["width"], img["height"]) == ("640", "480")
