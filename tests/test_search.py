"""site.yml `search: true`: a Pagefind index of the explainer pages (not the lists, not the chrome), built
inside the build in a stable order and kept while no page changed; the search page in a real browser,
served under a base path, offline; without JavaScript; in the preview; without the extra installed."""
from __future__ import annotations

import functools
import gzip
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import REPO, article
from generator import build as build_module
from generator.config import load_config
from generator.search import canonical, cbor
from test_theme import AXE_JS, AXE_TAGS, CHROMIUM, CHROMIUM_ARGS, VNU_JAR, QuietHandler, Visit, require

SITE_YML = "title: Desk\nbase_url: https://example.org/explainers/\nsearch: true\n"
BODY_WORD = "zanzibarite"          # in one explainer's body only
FACT_WORD = "quetzalcoatlite"      # in one explainer's facts only
CATEGORIES = ["Science", "Politics", "Health", "Climate", "Business", "Sport"]   # filter values: 720 orders


def files(n: int = 6) -> dict[str, str]:
    site = {"site.yml": SITE_YML}
    for i in range(n):
        body = "The lede of this one.\n\n**Why it matters:** " + (
            f"A {BODY_WORD} deposit was found.\n" if i == 0 else "Ordinary words only.\n")
        facts = f"facts:\n  - label: Mineral\n    value: {FACT_WORD}\n" if i == 1 else ""
        text = article(f"Explainer number {i}", f"2024-01-{i + 1:02d}", body, category=CATEGORIES[i % 6],
                       tags=f"[tag{i % 2}]", summary=f"Summary of explainer {i}.")
        site[f"story-{i}/index.md"] = text.replace("---\n", f"---\n{facts}", 1) if facts else text
    return site


def bundle(out: Path) -> dict[str, bytes]:
    folder = out / "pagefind"
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def fragments(out: Path) -> list[dict]:
    """The indexed pages as Pagefind stored them (gzip, a signature, then JSON)."""
    return [json.loads(gzip.decompress(data)[len(canonical.SIGNATURE):])
            for rel, data in bundle(out).items() if rel.startswith("fragment/")]


@pytest.fixture
def searchable(make_site, cli):
    site = make_site(files())
    cli("build", "--content", "content", "--out", "site", cwd=site.root, check=True)
    return site


def test_the_index_holds_the_explainer_pages_and_nothing_else(searchable):
    pages = fragments(searchable.out)
    assert sorted(p["url"] for p in pages) == sorted(f"/story-{i}/" for i in range(6))
    entry = json.loads((searchable.out / "pagefind" / "pagefind-entry.json").read_text())
    assert [about["page_count"] for about in entry["languages"].values()] == [6]
    by_url = {p["url"]: p for p in pages}
    assert BODY_WORD in by_url["/story-0/"]["content"]
    assert FACT_WORD in by_url["/story-1/"]["content"]                       # the facts are searchable
    assert "Summary of explainer 2." in by_url["/story-2/"]["content"]      # so is the summary
    assert by_url["/story-2/"]["meta"] == {"title": "Explainer number 2", "summary": "Summary of explainer 2."}
    assert by_url["/story-2/"]["filters"] == {"category": ["health"], "language": ["en"]}
    chrome = ["Desk", "All explainers", "Skip to content", "min read",    # header, footer, byline's reading time
              "Why it matters:#", "#"]                                   # the sections' permalinks
    assert not [word for word in chrome for p in pages if word in p["content"]]
    # Only the UI the search page uses: Pagefind's own interfaces stay out of the site.
    assert not [rel for rel in bundle(searchable.out) if "-ui." in rel or "highlight" in rel]


def test_only_explainer_pages_carry_the_index_markup_and_every_page_links_the_search(searchable):
    out = searchable.out
    for page in out.rglob("*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        rel = page.relative_to(out).as_posix()
        is_explainer = rel.startswith("story-")
        assert bool(soup.select("[data-pagefind-body]")) == is_explainer, rel
        if rel != "404.html":
            link = soup.select_one("header.site-header a.search-link")
            assert link is not None and (page.parent / link["href"]).resolve() == (out / "search").resolve(), rel
    search = BeautifulSoup((out / "search" / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert search.select_one(".search-link")["aria-current"] == "page"
    assert [o["value"] for o in search.select("#search-category option")] == [
        "", "business", "climate", "health", "politics", "science", "sport"]


def test_a_multilingual_site_filters_by_language_and_the_page_speaks_the_site_language(make_site, cli):
    site = make_site({**files(2), "site.yml": SITE_YML + "language: es\n",
                      "otra/index.md": article("Otra explicación", "2024-02-01", "Texto.\n", language="en")})
    cli("build", "--content", "content", "--out", "site", cwd=site.root, check=True)
    assert {p["url"]: p["filters"]["language"] for p in fragments(site.out)}["/otra/"] == ["en"]
    page = BeautifulSoup((site.out / "search" / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert page.html["lang"] == "es" and page.h1.text == "Buscar"
    assert [(o["value"], o.get("lang")) for o in page.select("#search-language option")] == [
        ("", None), ("es", "es"), ("en", "en")]
    words = json.loads(page.select_one("#search-words").string)
    assert words["results"] == {"one": "%(count)s resultado para «%(query)s»",
                                "other": "%(count)s resultados para «%(query)s»"}
    assert words["lang"] == "es" and words["none"] == "Ningún explicador coincide con «%(query)s»."


def test_hashed_index_files_are_cached_for_ever_and_the_script_revalidated(searchable):
    from generator.render import hosting
    policies = {rel: hosting.cache_control(f"pagefind/{rel}") for rel in bundle(searchable.out)}
    assert {rel for rel, policy in policies.items() if policy == hosting.SHORT} == {
        "pagefind-entry.json", "pagefind.js", "pagefind-worker.js", "wasm.en.pagefind", "wasm.unknown.pagefind"}
    assert all(policy == hosting.IMMUTABLE for rel, policy in policies.items()
               if rel.startswith(("fragment/", "index/", "filter/")) or rel.endswith(".pf_meta"))


def test_without_search_the_pages_say_nothing_of_it(make_site, cli):
    site = make_site({**files(2), "site.yml": "title: Desk\n"})
    cli("build", "--content", "content", "--out", "site", cwd=site.root, check=True)
    assert not (site.out / "search").exists() and not (site.out / "pagefind").exists()
    assert not [p for p in site.out.rglob("*.html") if "pagefind" in p.read_text(encoding="utf-8")
                or "search" in p.read_text(encoding="utf-8").lower()]


def test_the_same_content_gives_the_same_index_bytes(make_site, cli):
    site = make_site(files())
    for out in ("one", "two"):
        cli("build", "--content", "content", "--out", out, "--no-cache", cwd=site.root, check=True)
    one, two = bundle(site.root / "one"), bundle(site.root / "two")
    assert one == two
    assert len([rel for rel in one if rel.startswith("filter/")]) == 2      # category and language


def test_pagefind_output_is_put_in_a_stable_order():
    """What canonical undoes: Pagefind writes a filter's values (and the filters) in hash-map order."""
    def packed(value) -> bytes:
        return gzip.compress(canonical.SIGNATURE + cbor.encode(value), mtime=0)

    def run(values: list, filters: list) -> dict[str, bytes]:
        meta = ["1.5.2", [["en_abc", 10]], [["a", "z", "en_idx"]], [[name, f"en_{name}"] for name in filters], []]
        bundle = {f"filter/en_{name}.pf_filter": packed([name, values if name == "category" else [["en", [0]]]])
                  for name in filters}
        return {**bundle, "pagefind.en_meta.pf_meta": packed(meta),
                "pagefind-entry.json": b'{"version":"1.5.2","languages":{"en":{"hash":"en_meta","page_count":1}}}'}

    first, stable = canonical.stable_order(run([["b", [0]], ["a", [1]]], ["category", "language"]))
    second, _ = canonical.stable_order(run([["a", [1]], ["b", [0]]], ["language", "category"]))
    assert stable and first == second
    assert canonical.stable_order({"pagefind-entry.json": b"{}"}) == ({"pagefind-entry.json": b"{}"}, False)


def test_a_warm_build_indexes_nothing_and_an_edit_indexes_again(make_site):
    site = make_site(files())
    config = load_config(site.content, site.out)
    first = build_module.build(config)
    assert first.indexed == 6 and "search" in first.timings
    entry = site.out / "pagefind" / "pagefind-entry.json"
    stamps = {rel: (site.out / "pagefind" / rel).stat().st_mtime_ns for rel in bundle(site.out)}
    warm = build_module.build(load_config(site.content, site.out))
    assert warm.indexed == 0 and warm.written == 0
    # A change no explainer page shows (a file copied beside them) builds, but keeps the index.
    site.write("notes.txt", "hello")
    other = build_module.build(load_config(site.content, site.out))
    assert other.indexed == 0 and other.changed_paths == ("notes.txt",)
    assert {rel: (site.out / "pagefind" / rel).stat().st_mtime_ns for rel in bundle(site.out)} == stamps
    before = entry.read_bytes()
    site.write("story-3/index.md", (site.content / "story-3" / "index.md").read_text().replace(
        "Ordinary words only.", f"Now with {BODY_WORD} too."))
    edited = build_module.build(load_config(site.content, site.out))
    assert edited.indexed == 6 and entry.read_bytes() != before
    assert sorted(p["url"] for p in fragments(site.out) if BODY_WORD in p["content"]) == ["/story-0/", "/story-3/"]


def test_search_true_without_the_extra_is_an_error_at_its_line(make_site):
    site = make_site({**files(1), "site.yml": "title: Desk\n\nsearch: true\n"})
    site.out.mkdir()
    (site.out / "kept.html").write_text("the last good site")
    code = ("import sys; sys.modules['pagefind'] = None\n"      # as if `pip install 'explainer[search]'` was not run
            "from generator.cli import main\nsys.exit(main(['build', '--content', 'content', '--out', 'site']))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=site.root, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: content/site.yml:3: search: true needs Pagefind"), proc.stderr
    assert "pip install 'explainer[search]'" in proc.stderr and "Traceback" not in proc.stderr
    assert [p.name for p in site.out.iterdir()] == ["kept.html"]


def test_without_search_pagefind_is_not_needed(make_site):
    site = make_site({**files(1), "site.yml": "title: Desk\n"})
    code = ("import sys; sys.modules['pagefind'] = None\n"
            "from generator.cli import main\nsys.exit(main(['build', '--content', 'content', '--out', 'site']))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=site.root, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (site.out / "story-0" / "index.html").is_file()


def test_search_must_be_true_or_false(make_site, cli):
    site = make_site({**files(1), "site.yml": "title: Desk\nsearch: yes please\n"})
    result = cli("build", "--content", "content", cwd=site.root)
    assert result.code == 1 and "content/site.yml:2: 'search' must be true or false" in result.err


def test_search_and_pagefind_are_reserved_names(make_site, cli):
    site = make_site({**files(1), "search.md": article("Search")})
    result = cli("build", "--content", "content", cwd=site.root)
    assert result.code == 1 and "content/search.md: 'search' cannot be an explainer's URL" in result.err
    (site.content / "search.md").unlink()
    site.write("pagefind/custom.js", "x")
    result = cli("build", "--content", "content", cwd=site.root)
    assert result.code == 1
    assert "content/pagefind/custom.js: this file would be published as pagefind/custom.js, which clashes " \
           "with pagefind/" in result.err
    checked = cli("check", "--content", "content", cwd=site.root)      # check applies the same rule
    assert checked.code == 1 and "content/pagefind/custom.js" in checked.out + checked.err


def test_an_explainer_named_search_is_refused_by_check_too(make_site, cli):
    site = make_site({**files(1), "pagefind/index.md": article("Pagefind")})
    built = cli("build", "--content", "content", cwd=site.root)
    checked = cli("check", "--content", "content", cwd=site.root)
    said = "'pagefind' cannot be an explainer's URL on a site with search"
    assert built.code == 1 and f"content/pagefind/index.md: {said}" in built.err
    assert checked.code == 1 and f"content/pagefind/index.md: error: build/error: {said}" in checked.out


def test_without_search_the_names_are_free(make_site, cli):
    site = make_site({**files(1), "site.yml": "title: Desk\n", "search.md": article("How search works"),
                      "pagefind/notes.txt": "kept"})
    cli("build", "--content", "content", "--out", "site", cwd=site.root, check=True)
    assert "How search works" in site.page("search/index.html")
    assert site.page("pagefind/notes.txt") == "kept"
    assert cli("check", "--content", "content", cwd=site.root).code == 0


def test_new_refuses_the_search_names_only_on_a_site_with_search(make_site, cli):
    site = make_site(files(1))
    refused = cli("new", "Search", "--content", "content", cwd=site.root)
    assert refused.code == 1 and "'search' is reserved for the site's own pages" in refused.err
    assert not (site.content / "search").exists()
    site.write("site.yml", "title: Desk\n")
    cli("new", "Search", "--content", "content", cwd=site.root, check=True)
    assert (site.content / "search" / "index.md").is_file()


def test_a_build_without_the_index_is_never_taken_for_one_with_it(make_site):
    """The preview builds without the index; a build that wants it must not find the site up to date."""
    site = make_site(files(2))
    without = build_module.build(load_config(site.content, site.out), search_index=False)
    assert without.indexed == 0 and not (site.out / "pagefind").exists()
    assert without.search_pages == ("story-1/index.html", "story-0/index.html")   # what the preview indexes
    assert (site.out / "search" / "index.html").is_file()
    full = build_module.build(load_config(site.content, site.out))
    assert full.indexed == 2 and (site.out / "pagefind" / "pagefind-entry.json").is_file()


def test_a_changed_template_indexes_again(make_site):
    """A template change renders every page again with the same page keys: the index must not be kept."""
    site = make_site(files(2))
    assert build_module.build(load_config(site.content, site.out)).indexed == 2
    site.write("/themes/default/templates/partials/search-data.html",
               (REPO / "themes/default/templates/partials/search-data.html").read_text(encoding="utf-8")
               + '<p hidden data-pagefind-meta="desk">overridden</p>\n')
    again = build_module.build(load_config(site.content, site.out))
    assert again.indexed == 2
    assert {p["meta"].get("desk") for p in fragments(site.out)} == {"overridden"}


# --- the search page in a real browser --------------------------------------------------------------------

@pytest.fixture(scope="module")
def served_site(tmp_path_factory):
    """A site with search on, built, and served from a loopback server under /explainers/ (its base path)."""
    from generator.cli import main
    root = tmp_path_factory.mktemp("search-site")
    for rel, text in files().items():
        (root / "content" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "content" / rel).write_text(text, encoding="utf-8")
    public = root / "public"
    assert main(["build", "--content", str(root / "content"), "--out", str(public / "explainers")]) == 0
    handler = functools.partial(QuietHandler, directory=str(public))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield public / "explainers", f"http://127.0.0.1:{server.server_port}/explainers/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    require(CHROMIUM, "Chromium")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def search_for(page, words: str) -> list[tuple[str, str]]:
    page.fill("#search-query", words)
    page.wait_for_function("words => document.querySelector('.search-status').textContent.includes(words)",
                           arg=words, timeout=10_000)
    return [(a.get_attribute("href"), a.inner_text()) for a in page.query_selector_all(".search-results h2 a")]


@pytest.mark.slow
def test_the_search_page_finds_an_explainer_by_a_word_of_its_body_offline(served_site, browser):
    _, base = served_site
    visit = Visit(browser, base)
    try:
        page = visit.open("search/")
        page.wait_for_selector("form.search-form:not([hidden])")
        assert not page.is_visible(".search-fallback")
        assert search_for(page, BODY_WORD) == [("/explainers/story-0/", "Explainer number 0")]
        assert page.inner_text(".search-status") == f"1 result for “{BODY_WORD}”"
        assert page.inner_text(".search-results mark") == BODY_WORD
        assert search_for(page, FACT_WORD) == [("/explainers/story-1/", "Explainer number 1")]
        # Words on every page (and on the list pages): only explainers come back, each once.
        hits = search_for(page, "explainer")
        assert sorted(href for href, _ in hits) == [f"/explainers/story-{i}/" for i in range(6)]
        page.select_option("#search-category", "health")
        page.wait_for_function("document.querySelectorAll('.search-results li').length === 1")
        assert page.query_selector(".search-results h2 a").get_attribute("href") == "/explainers/story-2/"
        assert page.url.endswith("search/?q=explainer&category=health")
        page.click(".search-results h2 a")
        page.wait_for_url(base + "story-2/")
        # A link to the results opens them.
        page.goto(base + f"search/?q={BODY_WORD}")
        page.wait_for_selector(".search-results li")
        assert page.input_value("#search-query") == BODY_WORD
    finally:
        visit.close()
    assert not visit.blocked, f"requests off loopback: {visit.blocked}"


@pytest.mark.slow
def test_without_javascript_the_search_page_says_how_to_browse(served_site, browser):
    _, base = served_site
    visit = Visit(browser, base, java_script_enabled=False)
    try:
        page = visit.open("search/")
        assert not page.is_visible("form.search-form")
        assert page.inner_text(".search-fallback-intro") == "Search needs JavaScript. You can browse instead:"
        links = [a.get_attribute("href") for a in page.query_selector_all(".search-fallback a")]
        assert links[:2] == ["../", "../category/"] and "../category/health/" in links and links[-1] == "../tag/"
    finally:
        visit.close()


@pytest.mark.slow
def test_opened_as_a_file_the_search_page_says_search_is_not_available(served_site, browser):
    out, _ = served_site
    page = browser.new_page()
    try:
        page.goto((out / "search" / "index.html").as_uri())
        page.wait_for_function("document.querySelector('.search-fallback-intro').textContent.includes('not available')")
        assert page.is_visible(".search-fallback") and not page.is_visible("form.search-form")
    finally:
        page.close()


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_the_search_page_with_results(served_site, browser, scheme):
    _, base = served_site
    source = Path(require(AXE_JS, "axe.min.js (npm axe-core)")).read_text(encoding="utf-8")
    visit = Visit(browser, base, color_scheme=scheme, viewport={"width": 320, "height": 800})
    try:
        page = visit.open("search/")
        page.wait_for_selector("form.search-form:not([hidden])")
        search_for(page, "explainer")
        page.add_script_tag(content=source)
        result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
        width = page.evaluate("document.documentElement.scrollWidth")
    finally:
        visit.close()
    assert not [f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:3]]}" for v in result["violations"]]
    assert width <= 320     # no sideways scrolling on the narrowest phones


@pytest.mark.slow
def test_the_nu_html_checker_finds_no_errors_on_the_search_page(served_site):
    out, _ = served_site
    java = require(shutil.which("java"), "java (a Java runtime)")
    proc = subprocess.run([java, "-Xss1024k", "-jar", require(VNU_JAR, "vnu.jar"), "--format", "json", "--stdout",
                           "search/index.html", "story-1/index.html"], cwd=out, capture_output=True, text=True,
                          timeout=300)
    errors = [m for m in json.loads(proc.stdout)["messages"] if m["type"] == "error"]
    assert not errors, errors


# --- the preview ------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_the_preview_indexes_after_the_reload_and_once_per_burst(make_site):
    from test_serve import ServeProcess
    site = make_site(files(3))
    server = ServeProcess(site.root)
    try:
        server.wait_for(r"^search index: 3 pages in \d+ ms")
        status, _, body = server.get("/explainers/pagefind/pagefind-entry.json")
        assert status == 200 and json.loads(body)["languages"]["en"]["page_count"] == 3
        mark = server.mark()
        story = site.content / "story-2" / "index.md"
        for n in range(3):
            story.write_text(story.read_text().replace("Ordinary words only." if n == 0 else f"Burst {n - 1}.",
                                                       f"Burst {n}."))
            time.sleep(0.15)
        server.wait_for(r"^search index: 3 pages", since=mark)
        time.sleep(1.5)
        lines = server.lines[mark:]
        indexed = [i for i, line in enumerate(lines) if line.startswith("search index:")]
        assert len(indexed) == 1, server.output()
        assert [i for i, line in enumerate(lines) if line.startswith("rebuilt in")][-1] < indexed[0]
        entry = json.loads(server.get("/explainers/pagefind/pagefind-entry.json")[2])
        meta = server.get(f"/explainers/pagefind/pagefind.{entry['languages']['en']['hash']}.pf_meta")
        assert meta[0] == 200
        assert re.search(rb"Burst 2", server.get("/explainers/story-2/")[2])
    finally:
        server.stop()


# --- stopping a build while it indexes --------------------------------------------------------------------

def command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""     # it ended meanwhile


@pytest.mark.slow
def test_a_build_stopped_while_indexing_keeps_the_last_site_and_leaves_no_pagefind_running(tmp_path):
    from test_signals import alive, children, files, leftovers, run, site_with, start, wait_for, write_explainers
    root = site_with(tmp_path, 400)
    (root / "content" / "site.yml").write_text("title: Desk\nsearch: true\n", encoding="utf-8")
    assert run(root).returncode == 0
    before = files(root / "site")
    write_explainers(root / "content", 400, "second")
    build = start(root)
    pagefind = wait_for(lambda: {pid for pid in children(build.pid) if b"pagefind" in command_line(pid)},
                        timeout=300, step=0.02)
    build.send_signal(signal.SIGTERM)
    assert build.wait(timeout=60) == 143 and "stopped" in build.stderr.read()
    wait_for(lambda: not any(alive(pid) for pid in pagefind), timeout=10, step=0.05)   # its input closed
    assert files(root / "site") == before and leftovers(root) == []
