"""`explainer check` on big sites: pages read once (pagescan gives what html.parser gives), near-miss hints from
a shortlist (they name what difflib over every path names), explainers converted in the worker pool."""
from __future__ import annotations

import difflib
import os
import posixpath
import random
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, article
from generator import parallel
from generator.check import nearmiss, pagescan, reading
from generator.check.site import PARALLEL_FROM, check_site, format_json, format_text
from generator.config import load_config
from generator.errors import did_you_mean
from generator.problems import Formatter

ALL = frozenset({"a", "img", "link", "script", "iframe", "source", "video", "audio", "track", "embed", "area",
                 "frame", "object", "input"})
# Markup the fast path reads and markup it must hand to html.parser (which reads some of it another way).
PIECES = ['<a href="x.html">', "<a href='y z'>", '<img src="a.png" alt="">', "<img src=b.png alt=B>",
          '<p id="top" class="c">', "<br/>", '<input disabled type="image" src="i.png" />', "</p>", "</a >",
          "<!-- <a href=\"hidden\"> -->", "<!---->", "<!-- a -- b -->", "<!DOCTYPE html>", "<![CDATA[<a href=c>]]>",
          "<?xml version='1.0'?>", '<script src="s.js"></script>', "<script>if (a < b) {}</script>",
          "<script>document.write('</a><img src=q>')</script>", "<style>p{}</style>", "<title>A <b>title</title>",
          "<title>Plain</title>", '<iframe src="f.html"></iframe>', '<iframe srcdoc="&lt;img src=d&gt;"></iframe>',
          '<A HREF="UPPER">', '<a href="amp&amp;x&#39;s">', "<a href=/slash/>", '<a\nhref="n"\n>', "a < b",
          "x &lt; y", '<a href="1"href="2">', "<div id=main>", '<link rel="stylesheet" href="s.css">', "<",
          "<SCRIPT>x</script>", "<script/>", "<a href=\"\u00a0\">", "<a\u00a0href=\"nb\">", "text", "\n"]


def parsed(html: str) -> list[pagescan.StartTag]:
    return [(tag, attrs) for tag, attrs in pagescan._parsed_start_tags(html)
            if tag in ALL or any(name == "id" for name, _ in attrs)]


def read(html: str) -> list[pagescan.StartTag]:
    return [(tag, attrs) for tag, attrs in pagescan.start_tags(html, ALL)
            if tag in ALL or any(name == "id" for name, _ in attrs)]


def test_a_page_is_read_as_html_parser_reads_it():
    rng = random.Random(19)
    plain = 0
    for _ in range(3000):
        html = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 12)))
        assert read(html) == parsed(html), html
        plain += pagescan._plain_start_tags(html, ALL) is not None
    assert plain > 100          # the fast path is taken (and then agrees), not always handed over


def test_the_built_sample_pages_are_read_plainly_and_alike(built_sample):
    pages = sorted(built_sample.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert pagescan._plain_start_tags(html, ALL) is not None, page
        assert read(html) == parsed(html), page


def test_closest_is_what_difflib_gives():
    rng = random.Random(7)
    letters = "abcdefg-/."
    for _ in range(2000):
        choices = ["".join(rng.choice(letters) for _ in range(rng.randint(0, 12))) for _ in range(rng.randint(0, 30))]
        word = "".join(rng.choice(letters) for _ in range(rng.randint(0, 12)))
        expected = difflib.get_close_matches(word, choices, n=1, cutoff=0.75)
        assert nearmiss.closest(word, choices) == (expected[0] if expected else None), (word, choices)


def test_hints_on_a_big_site_name_what_difflib_over_every_path_names():
    rng = random.Random(3)
    words = ["budget", "transit", "schools", "housing", "the", "and", "why", "how", "what", "vote", "grid"]
    slugs = sorted({"-".join(rng.choice(words) for _ in range(rng.randint(2, 6))) + f"-{n}" for n in range(400)})
    paths = ["", *(f"{slug}/" for slug in slugs), *(f"{slug}/photo.png" for slug in slugs[:50]), "feed.xml",
             "tags/vote/", "tags/grid/"]
    near = nearmiss.NearMisses(paths)
    asked = 0
    for slug in rng.sample(slugs, 60):
        for folder, written in [("", slug[:-1] + "/"), (slugs[0], f"../{slug}x/"), (slugs[1], f"/news/{slug}"),
                                ("tags/vote", f"../../{slug[1:]}/"), (slug, "photo.pgn"), ("", "tags/vot/")]:
            every = {_relative(path, folder or ".") for path in paths}
            assert near.hint(written, folder) == did_you_mean(
                written, every, cutoff=0.75, otherwise="check the spelling and the folder"), (written, folder)
            asked += 1
    assert asked == 360



# Four hundred pages of one length, and links one letter away from many of them alike.
NEAR_MISSES = """
from generator.check import nearmiss
near = nearmiss.NearMisses(["", "404.html", *(f"story-{n}/" for n in range(400)), "static/style.css"])
print([near.hint(f"../story-{n}x/", f"story-{n}") for n in range(0, 400, 3)])
"""


def test_a_hint_is_the_same_in_every_run_whatever_the_string_hashes():
    """Paths of one length are shortlisted in a fixed order, not in the order a set of them happens to give:
    check's output is the same from run to run (Python seeds string hashes anew in each process)."""
    hints = {subprocess.run([sys.executable, "-c", NEAR_MISSES], capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONHASHSEED": str(seed), "PYTHONPATH": str(REPO)}).stdout
             for seed in range(1, 6)}
    assert len(hints) == 1 and "did you mean" in next(iter(hints))

def _relative(path: str, start: str) -> str:
    folder = path.endswith("/") or not path
    relative = posixpath.relpath(path or ".", start)
    return relative + "/" if folder and relative != "." else relative


BODY = "\n\n**Why it matters:** x\n\n**The big picture:** y\n"


@pytest.mark.parametrize("start_method", [parallel.FORK, parallel.SPAWN])
def test_each_broken_link_of_a_big_site_is_reported_with_the_page_it_missed(make_site, monkeypatch, start_method):
    """Converted in worker processes; rendered and read in forked ones (fork), or here (spawn)."""
    count = PARALLEL_FROM + 12
    monkeypatch.setattr(reading, "PARALLEL_FROM", 10)
    files = {f"story-number-{n}/index.md": article(
        title=f"Story {n}", summary="S",
        body=f"Lede [next](../story-numbr-{(n + 1) % count}/) and [far](https://elsewhere.example/).{BODY}")
        for n in range(count)}
    site = make_site(files)
    monkeypatch.chdir(site.root)
    report = check_site(load_config(site.content, jobs=2), start_method=start_method)
    shown = Formatter(Path.cwd())
    broken = [shown.finding(f) for f in shown.in_order(report.findings) if f.rule == "links/internal"]
    assert broken == sorted(
        f"content/story-number-{n}/index.md:6: error: links/internal: ../story-numbr-{(n + 1) % count}/ points at "
        f"no page or file in the site (did you mean '../story-number-{(n + 1) % count}/'?)" for n in range(count))
    assert report.explainers == count
    assert [f.rule for f in report.findings].count("privacy/third-party") == 0     # a link loads nothing
    assert report.external_links == 1


def planted_site(make_site, count: int):
    """The copy desk's problem site (tests/test_check.py) and `count` explainers more, linking to each other,
    some of them wrongly, with raw HTML, placeholders and facts without sources."""
    from test_check import PROBLEMS, noise_gif, png
    files = {**PROBLEMS, "broken/hero.png": png(40, 20), "broken/chart.png": png(),
             "broken/big.gif": noise_gif(600, 610)}
    for n in range(count):
        body = (f"Lede {n} with [the next](../story-{(n + 1) % count}/), [a miss](../story-{n}x/), "
                f"[an anchor](../story-{(n + 2) % count}/#the-big-picture), [no anchor](#nowhere-{n % 3}) and "
                f'<a href="../stroy-{n}/">raw</a>.{BODY}' + ("\nTODO: a line.\n" if n % 7 == 0 else ""))
        files[f"story-{n}/index.md"] = article(title=f"Story {n}", summary="S" if n % 5 else "", body=body)
        files[f"story-{n}/facts.yml"] = f"facts:\n  - label: One\n    value: {n}\n"
    return make_site(files)


@pytest.mark.parametrize("start_method", [parallel.FORK, parallel.SPAWN])
def test_the_findings_are_the_same_in_the_same_order_however_the_pages_are_read(make_site, monkeypatch,
                                                                                start_method):
    """Read here alone (-j 1), or shared between this process and a forked worker (with spawn, here alone)."""
    site = planted_site(make_site, PARALLEL_FROM + 12)
    monkeypatch.chdir(site.root)
    alone = check_site(load_config(site.content, jobs=1), start_method=start_method)
    monkeypatch.setattr(reading, "PARALLEL_FROM", 10)
    shared = check_site(load_config(site.content, jobs=2), start_method=start_method)
    assert len(alone.findings) > 250 and len({f.rule for f in alone.findings}) > 15
    assert shared == alone
    shown = Formatter(Path.cwd())
    assert format_json(shared, shown) == format_json(alone, shown)
    assert format_text(shared, shown) == format_text(alone, shown)


def test_a_page_that_fails_to_render_is_reported_as_the_first_failing_page_however_the_pages_are_read(
        make_site, monkeypatch):
    """The first and the last explainer's pages fail: the worker reads the first, this process the last."""
    count = 40
    files = {f"story-{n:02}/index.md": article(title=f"Story {n}", summary="S", body=f"Lede.{BODY}")
             for n in range(count)}
    files["/themes/default/templates/partials/byline.html"] = (
        '<p>{{ explainer.slug }}</p>\n{% if explainer.slug in ("story-00", "story-39") %}{{ 1 // 0 }}{% endif %}\n')
    site = make_site(files)
    monkeypatch.chdir(site.root)
    alone = check_site(load_config(site.content, jobs=1))
    monkeypatch.setattr(reading, "PARALLEL_FROM", 10)
    shared = check_site(load_config(site.content, jobs=2), start_method=parallel.FORK)
    shown = Formatter(Path.cwd())
    assert [shown.finding(f) for f in alone.findings] == [
        "themes/default/templates/partials/byline.html:2: error: build/error: error rendering story-00/index.html: "
        "ZeroDivisionError: integer division or modulo by zero (fix the expression on that line), while rendering "
        "the page of content/story-00/index.md"]
    assert shared == alone


def test_a_link_is_followed_from_its_own_pages_folder_though_other_pages_as_deep_have_it_too(make_site, monkeypatch):
    """Targets are remembered by URL and folder, or by URL and depth only for a URL that first goes up to the
    site's root (`../x/` from any explainer's folder)."""
    from test_check import png
    files = {f"{slug}/index.md": article(title=slug, summary="S", body=(
        f"Lede ![A chart](chart.png), [up](../{slug}/), [up and back](../a/chart.png) and [twice](../../a/).{BODY}"))
        for slug in ("a", "b", "c")}
    site = make_site({**files, "a/chart.png": png()})
    monkeypatch.chdir(site.root)
    report = check_site(load_config(site.content))
    shown = Formatter(Path.cwd())
    assert [shown.finding(f) for f in shown.in_order(report.findings)] == [
        f"content/{slug}/index.md:6: error: {rule}: {url} points {what}"
        for slug in ("a", "b", "c")
        for rule, url, what in [("images/missing", "chart.png", "at no image file in the site (did you mean "
                                 "'../a/chart.png'?)"),
                                ("links/internal", "../../a/", "outside the site (served at /): link with a relative "
                                 "path or a full https:// address")]
        if slug != "a" or rule != "images/missing"]
