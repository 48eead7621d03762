"""`explainer check` on big sites: pages read once (pagescan gives what html.parser gives), near-miss hints from
a shortlist (they name what difflib over every path names), explainers converted in the worker pool."""
from __future__ import annotations

import difflib
import posixpath
import random
from pathlib import Path

import pytest

from conftest import article
from generator import parallel
from generator.check import nearmiss, pagescan, reading
from generator.check.site import PARALLEL_FROM, check_site
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
