"""Archives at newsroom scale: pagination of every list, author pages, series, related explainers, custom
fields (`extra:`), and list pages that are rendered again only when a card they show changes.

Fast tests build small sites and read the pages parsed (following `rel=next` as a crawler would). Slow tests
run the Nu HTML Checker and axe-core over the new kinds of page, and walk a generated 3,000-explainer site.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import io
import json
import re
import shutil
import subprocess
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from conftest import article
from test_errors import png
from test_theme import AXE_JS, AXE_TAGS, CHROMIUM, CHROMIUM_ARGS, SETUP_HINT, VNU_JAR, QuietHandler, Visit, require

LIST_PAGE_BUDGET = 100_000       # bytes of HTML of one list page, whatever the size of the archive


def build(content: Path, out: Path, *extra: str) -> tuple[int, str]:
    """`explainer build` in this process; (exit status, what it printed on stderr)."""
    from generator import cli
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["build", "--content", str(content), "--out", str(out), *extra])
    return code, err.getvalue()


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return root


def day(i: int) -> str:
    return (date(2024, 1, 1) + timedelta(days=i)).isoformat()


def soup(site: Path, rel: str) -> BeautifulSoup:
    return BeautifulSoup((site / rel).read_text(encoding="utf-8"), "html.parser")


def follow(site: Path, start: str) -> tuple[list[str], list[str]]:
    """Walk a list from `start` along `<a rel="next">`: the pages visited and the explainers' URLs (site-relative)
    in the order they are listed. Checks on the way that each page's head links agree with its navigation."""
    pages, listed, rel = [], [], start
    while rel:
        assert rel not in pages, f"{rel} comes twice in the chain"
        pages.append(rel)
        page = soup(site, rel)
        here = urljoin(f"http://x/{rel}", ".")
        for card in page.select("main .cards .card h2 a"):
            listed.append(urlsplit(urljoin(here, card["href"])).path.lstrip("/"))
        nexts = page.select('a[rel="next"]')
        head = page.select('head link[rel="next"]')
        assert len(nexts) <= 1 and len(head) == len(nexts), rel
        if nexts:
            assert head[0]["href"] == nexts[0]["href"], rel
            target = urlsplit(urljoin(here, nexts[0]["href"])).path.lstrip("/")
            rel = target + "index.html"
            back = soup(site, rel).select_one('head link[rel="prev"]')
            assert urlsplit(urljoin(f"http://x/{rel}", back["href"])).path == urlsplit(here).path, rel
        else:
            rel = ""
    return pages, listed


# ---------------------------------------------------------------- a small archive, built once

SITE_YML = """title: The Desk
base_url: https://example.com/news/
author: The Desk
paginate: 4
extra:
  desk: Metro
  sections: [news, opinion]
authors:
  Ann Lee:
    role: Economics editor
    bio: Ann covers interest rates & <housing>.
    url: https://ann.example.org/
    image: people/ann.png
    slug: ann
  Bo Chen:
"""


def explainer(i: int, **fields: str) -> str:
    fields.setdefault("category", "Economy" if i % 3 else "Science")
    fields.setdefault("tags", f"[rates, t{i % 4}]")
    fields.setdefault("authors", "[Ann Lee]")
    return article(f"Explainer {i:02d}", date=f"2024-01-{i:02d}", body=f"Lede {i}.\n\n**Why it matters:** {i}.\n",
                   **fields)


def archive_files() -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {"site.yml": SITE_YML, "people/ann.png": png(200, 200)}
    for i in range(1, 12):
        files[f"e{i:02d}.md"] = explainer(i)
    files["e03.md"] = explainer(3, authors="[Ann Lee, Cy Unknown]", tags="[rates, t3, housing]")
    for part, i in enumerate((5, 2, 8), start=1):       # a series out of date order: series_order decides
        files[f"e{i:02d}.md"] = explainer(i, series="Rate path", series_order=str(part))
    files["e09.md"] = explainer(9, related="[e01, e11]", extra="{score: 9, flags: {front: true}}")
    return files


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("archive")
    code, printed = build(write(root / "content", archive_files()), root / "site")
    assert code == 0, printed
    return root / "site"


NEWEST_FIRST = [f"e{i:02d}/" for i in range(11, 0, -1)]


def test_the_front_page_chain_lists_every_explainer_once_newest_first(archive):
    pages, listed = follow(archive, "index.html")
    assert pages == ["index.html", "page/2/index.html", "page/3/index.html"]
    assert listed == NEWEST_FIRST
    assert not (archive / "page/1").exists() and not (archive / "page/4").exists()


def test_a_category_chain_and_a_tag_chain_list_theirs(archive):
    _, economy = follow(archive, "category/economy/index.html")
    assert economy == [url for url in NEWEST_FIRST if int(url[1:3]) % 3]
    pages, rates = follow(archive, "tag/rates/index.html")
    assert rates == NEWEST_FIRST and pages[-1] == "tag/rates/page/3/index.html"


def test_each_page_says_where_it_is_and_is_its_own_canonical_url(archive):
    page = soup(archive, "page/2/index.html")
    nav = page.select_one("nav.pagination")
    assert nav["aria-label"] == "Pagination" and nav.select_one(".page-status").get_text() == "Page 2 of 3"
    current = nav.select('[aria-current="page"]')
    assert [a.get_text() for a in current] == ["2"]
    assert [a.get_text() for a in nav.select("a[aria-label]")] == ["1", "3"]
    assert page.select_one('link[rel="canonical"]')["href"] == "https://example.com/news/page/2/"
    assert page.title.get_text() == "Page 2 of 3 | The Desk"
    first = soup(archive, "index.html")
    assert first.select_one('link[rel="canonical"]')["href"] == "https://example.com/news/"
    assert not first.select('link[rel="prev"]') and not first.select('a[rel="prev"]')


def test_the_sitemap_has_every_page_of_every_list(archive):
    sitemap = (archive / "sitemap.xml").read_text(encoding="utf-8")
    locations = re.findall(r"<loc>https://example.com/news/([^<]*)</loc>", sitemap)
    for rel in ("page/2/", "page/3/", "category/economy/page/2/", "author/ann/", "author/ann/page/2/",
                "series/rate-path/", "author/", "series/"):
        assert rel in locations, rel
    built = {p.relative_to(archive).as_posix().removesuffix("index.html") for p in archive.rglob("index.html")}
    assert set(locations) == built, "every page is in the sitemap, and nothing else"


def test_feeds_stay_the_newest_twenty(tmp_path):
    files = {"site.yml": "title: T\nbase_url: https://example.com/\npaginate: 5\n"}
    files.update({f"e{i:02d}.md": article(f"E{i}", date=f"2024-02-{i:02d}") for i in range(1, 26)})
    assert build(write(tmp_path / "content", files), tmp_path / "site")[0] == 0
    entries = re.findall(r"<entry[ >]", (tmp_path / "site" / "feed.xml").read_text(encoding="utf-8"))
    assert len(entries) == 20


def test_paginate_false_keeps_one_page(tmp_path):
    files = {"site.yml": "title: T\npaginate: false\n"}
    files.update({f"e{i:02d}.md": article(f"E{i}", date=day(i), category="C") for i in range(1, 41)})
    assert build(write(tmp_path / "content", files), tmp_path / "site")[0] == 0
    site = tmp_path / "site"
    assert len(soup(site, "index.html").select(".card")) == 40 and not (site / "page").exists()
    assert not soup(site, "index.html").select("nav.pagination")
    assert not (site / "category/c/page").exists()


def test_the_default_is_thirty_per_page(tmp_path):
    files = {f"e{i:02d}.md": article(f"E{i}", date=day(i)) for i in range(1, 32)}
    assert build(write(tmp_path / "content", files), tmp_path / "site")[0] == 0
    site = tmp_path / "site"
    assert len(soup(site, "index.html").select(".card")) == 30
    assert len(soup(site, "page/2/index.html").select(".card")) == 1


@pytest.mark.parametrize("value", ["0", "-3", "true", "ten", "2.5"])
def test_a_bad_paginate_is_an_error_at_its_line(tmp_path, value):
    files = {"site.yml": f"title: T\npaginate: {value}\n", "a.md": article("A")}
    code, printed = build(write(tmp_path / "content", files), tmp_path / "site")
    assert code == 1 and "site.yml:2: 'paginate' must be a number or false" in printed


def test_language_front_pages_are_paginated_too(tmp_path):
    files = {"site.yml": "title: T\npaginate: 2\n"}
    files.update({f"en{i}.md": article(f"E{i}", date=f"2024-02-0{i}") for i in range(1, 4)})
    files.update({f"es{i}.md": article(f"S{i}", date=f"2024-03-0{i}", language="es") for i in range(1, 6)})
    assert build(write(tmp_path / "content", files), tmp_path / "site")[0] == 0
    site = tmp_path / "site"
    pages, listed = follow(site, "es/index.html")
    assert pages == ["es/index.html", "es/page/2/index.html", "es/page/3/index.html"]
    assert listed == ["es5/", "es4/", "es3/", "es2/", "es1/"]
    assert soup(site, "es/page/2/index.html").select_one(".page-status").get_text() == "Página 2 de 3"
    assert soup(site, "es/page/2/index.html").html["lang"] == "es"


# ---------------------------------------------------------------- authors

def test_an_author_page_has_the_bio_and_their_explainers(archive):
    page = soup(archive, "author/ann/index.html")
    header = page.select_one(".author-header")
    assert header.h1.get_text() == "Ann Lee" and header.select_one(".role").get_text() == "Economics editor"
    assert header.select_one(".bio").get_text() == "Ann covers interest rates & <housing>."
    assert "&lt;housing&gt;" in (archive / "author/ann/index.html").read_text(encoding="utf-8")
    assert header.select_one(".elsewhere a")["href"] == "https://ann.example.org/"
    portrait = header.select_one("picture img.portrait")        # derivatives, as for heroes
    assert re.fullmatch(r"\.\./\.\./people/ann-200\.[0-9a-f]{10}\.png", portrait["src"])
    assert (archive / portrait["src"].removeprefix("../../")).is_file()
    assert [s["type"] for s in header.select("picture source")] == ["image/avif", "image/webp"]
    assert portrait["sizes"] == "6rem" and "people/ann-96." in portrait["srcset"]
    assert not (archive / "people/ann.png").exists()               # the original is not published
    assert header.select_one(".count").get_text() == "11 explainers"
    _, listed = follow(archive, "author/ann/index.html")
    assert listed == NEWEST_FIRST
    assert soup(archive, "author/ann/page/2/index.html").select_one(".bio") is None   # the bio on page 1
    profile = json.loads(page.select_one('script[type="application/ld+json"]').string)
    assert profile["@type"] == "ProfilePage" and profile["mainEntity"]["sameAs"] == ["https://ann.example.org/"]


def test_an_author_without_explainers_still_has_a_page_and_the_index_lists_both(archive):
    assert "No explainers published yet" in soup(archive, "author/bo-chen/index.html").get_text()
    index = soup(archive, "author/index.html")
    assert [a["href"] for a in index.select(".terms a")] == ["../author/ann/", "../author/bo-chen/"]
    assert "Authors" in [a.get_text() for a in soup(archive, "index.html").select("footer nav a")]


def test_bylines_link_known_authors_and_keep_unknown_names_plain(archive):
    byline = soup(archive, "e03/index.html").select_one(".byline .authors")
    assert [a["href"] for a in byline.select("a")] == ["../author/ann/"]
    assert "Cy Unknown" in byline.get_text() and byline.find("bdi", string="Cy Unknown").parent.name != "a"


def test_json_ld_authors_are_people_with_their_page(archive):
    data = json.loads(soup(archive, "e03/index.html").select_one('script[type="application/ld+json"]').string)
    ann, cy = data["author"]
    portrait = soup(archive, "author/ann/index.html").select_one("img.portrait")["src"].removeprefix("../../")
    assert ann == {"@type": "Person", "name": "Ann Lee", "url": "https://example.com/news/author/ann/",
                   "sameAs": ["https://ann.example.org/"], "jobTitle": "Economics editor",
                   "image": f"https://example.com/news/{portrait}",   # a published file: the original is not
                   "description": "Ann covers interest rates & <housing>."}
    assert cy == {"@type": "Person", "name": "Cy Unknown"}


def test_check_warns_about_a_byline_name_site_yml_does_not_have(tmp_path, cli):
    root = write(tmp_path / "content", archive_files())
    result = cli("check", "--content", root, "--format", "json", cwd=tmp_path)
    found = [f for f in json.loads(result.out)["findings"] if f["rule"] == "metadata/unknown-author"]
    assert len(found) == 1 and found[0]["path"].endswith("e03.md") and "'Cy Unknown'" in found[0]["message"]
    assert found[0]["level"] == "warning"


@pytest.mark.parametrize("authors, message", [
    ("Ann: {rol: Editor}", "site.yml:3: unknown key 'rol' for author 'Ann' (did you mean 'role'?)"),
    ("Ann: {url: ann.example.org}", "site.yml:3: the url of author 'Ann' must be a web address"),
    ("Ann: {image: ../secret.png}", "site.yml:3: the image of author 'Ann' leaves the content folder"),
    ("Ann: {image: people/none.png}", "site.yml:3: the image of author 'Ann' is not there: people/none.png"),
    ("Ann: {image: _drafts/ann.png}", "site.yml:3: the image of author 'Ann' is in a file or folder whose name "
                                      "starts with . or _, which is never published"),
    ("Ann: {slug: 'a/b'}", "site.yml:3: 'a/b' cannot be the address of author 'Ann's page"),
    ("Ann Lee: {}\n  ann lee: {}", "site.yml:4: authors 'Ann Lee' and 'ann lee' would share one page, author/ann-lee/"),
    ("[Ann, Bo]", "site.yml:2: 'authors' must be a mapping of names"),
])
def test_authors_mistakes_are_errors_at_their_line(tmp_path, authors, message):
    files = {"site.yml": f"title: T\nauthors:\n  {authors}\n" if not authors.startswith("[")
             else f"title: T\nauthors: {authors}\n", "a.md": article("A")}
    code, printed = build(write(tmp_path / "content", files), tmp_path / "site")
    assert code == 1 and message in printed, printed


# ---------------------------------------------------------------- series

def test_a_series_page_lists_its_parts_in_order(archive):
    page = soup(archive, "series/rate-path/index.html")
    assert page.h1.get_text() == "Rate path"
    parts = page.select("ol.parts > li.card h2 a")
    assert [a["href"] for a in parts] == ["../../e05/", "../../e02/", "../../e08/"]
    assert page.select_one("ol.parts")["start"] == "1"
    assert [a.get_text() for a in soup(archive, "series/index.html").select(".terms a")] == ["Rate path"]


def test_each_part_says_which_it_is_and_links_its_neighbours(archive):
    middle = soup(archive, "e02/index.html")
    assert middle.select_one(".series-part").get_text(" ", strip=True) == "Rate path · Part 2 of 3"
    nav = middle.select_one("nav.series")
    assert nav.select_one('a[rel="prev"]')["href"] == "../e05/"
    assert nav.select_one('a[rel="next"]')["href"] == "../e08/"
    first = soup(archive, "e05/index.html").select_one("nav.series")
    assert not first.select('a[rel="prev"]') and first.select_one('a[rel="next"]')["href"] == "../e02/"
    assert soup(archive, "e01/index.html").select_one("nav.series") is None


def test_parts_without_series_order_follow_by_date(tmp_path):
    files = {f"p{i}.md": article(f"P{i}", date=f"2024-0{i}-01", series="Saga") for i in (3, 1, 2)}
    files["p9.md"] = article("P9", date="2024-09-01", series="saga", series_order="1")   # one series, any case
    assert build(write(tmp_path / "content", files), tmp_path / "site")[0] == 0
    parts = soup(tmp_path / "site", "series/saga/index.html").select("ol.parts h2 a")
    assert [a.get_text() for a in parts] == ["P9", "P1", "P2", "P3"]


@pytest.mark.parametrize("files, message", [
    ({"a.md": article("A", date="2024-01-01", series="S", series_order="1"),
      "b.md": article("B", date="2024-01-02", series="S", series_order="1")},
     "b.md:5: part 1 of the series 'S' is also "),
    ({"a.md": article("A", series_order="2")}, "a.md:4: series_order without a series"),
    ({"a.md": article("A", series="S", series_order="two")}, "a.md:5: series_order must be a whole number"),
    ({"a.md": article("A", date="2024-01-01", series="New York"), "b.md": article("B", date="2024-01-02",
                                                                                  series="new-york")},
     "b.md:4: series 'new-york' and 'New York' (in "),
])
def test_series_mistakes_are_errors_at_their_line(tmp_path, files, message):
    code, printed = build(write(tmp_path / "content", files), tmp_path / "site")
    assert code == 1 and message in printed, printed


# ---------------------------------------------------------------- related explainers

def related_of(site: Path, slug: str) -> list[str]:
    return [a["href"].strip("./") for a in soup(site, f"{slug}/index.html").select("aside.related li a")]


def test_related_are_chosen_by_shared_tags_then_category_then_date(tmp_path):
    files = {
        "me.md": article("Me", date="2024-05-01", category="Economy", tags="[a, b, c]"),
        "three.md": article("Three", date="2024-01-01", tags="[a, b, c]"),                  # 3 tags in common
        "two-cat.md": article("Two cat", date="2024-01-02", category="Economy", tags="[a, b]"),
        "two-new.md": article("Two new", date="2024-04-01", tags="[b, c]"),
        "two-old.md": article("Two old", date="2024-01-03", tags="[a, c]"),
        "cat-only.md": article("Cat only", date="2024-04-02", category="Economy"),
        "nothing.md": article("Nothing", date="2024-04-03", tags="[z]"),
        "spanish.md": article("Español", date="2024-04-04", tags="[a, b, c]", language="es"),
    }
    assert build(write(tmp_path / "content", files), tmp_path / "site")[0] == 0
    assert related_of(tmp_path / "site", "me") == ["three", "two-cat", "two-new"]
    assert related_of(tmp_path / "site", "cat-only") == ["me", "two-cat"]       # the category alone counts
    assert related_of(tmp_path / "site", "nothing") == []
    assert soup(tmp_path / "site", "nothing/index.html").select_one("aside.related") is None


def test_related_in_front_matter_overrides_in_its_order(archive):
    assert related_of(archive, "e09") == ["e01", "e11"]


def test_related_count_comes_from_site_yml(tmp_path):
    files = {f"e{i}.md": article(f"E{i}", date=f"2024-01-0{i}", tags="[a]") for i in range(1, 7)}
    for setting, count in (("related: 5", 5), ("related: false", 0), ("", 3)):
        files["site.yml"] = f"title: T\n{setting}\n"
        assert build(write(tmp_path / "content", files), tmp_path / "site")[0] == 0
        assert len(related_of(tmp_path / "site", "e1")) == count, setting


def test_a_translation_is_not_related_to_its_original(tmp_path):
    files = {"a.md": article("A", tags="[x]", translation_key="k"),
             "b.md": article("B", tags="[x]", translation_key="k"),
             "c.md": article("C", tags="[x]", date="2020-01-01")}
    assert build(write(tmp_path / "content", files), tmp_path / "site")[0] == 0
    assert related_of(tmp_path / "site", "a") == ["c"]


def test_a_related_slug_that_names_no_explainer_is_an_error_at_its_line(tmp_path):
    files = {"why-rates-rose.md": article("W"), "draft.md": article("D", draft="true"),
             "a.md": "---\ntitle: A\ndate: 2024-01-02\nrelated:\n  - draft\n  - why-rates-rise\n  - a\n---\nText.\n"}
    code, printed = build(write(tmp_path / "content", files), tmp_path / "site")
    assert code == 1
    assert "a.md:6: related names no explainer: why-rates-rise (did you mean 'why-rates-rose'?)" in printed
    assert "a.md:7: related names this explainer itself: a" in printed
    assert "draft" not in printed.replace("a.md:", "")      # a draft is known: left out until published


def test_a_draft_named_in_related_is_left_out_until_published(tmp_path):
    files = {"d.md": article("D", draft="true"), "b.md": article("B"), "a.md": article("A", related="[d, b]")}
    assert build(write(tmp_path / "content", files), tmp_path / "site")[0] == 0
    assert related_of(tmp_path / "site", "a") == ["b"]
    assert build(tmp_path / "content", tmp_path / "preview", "--drafts")[0] == 0
    assert related_of(tmp_path / "preview", "a") == ["d", "b"]



def every_related(site: Path, slugs: list[str]) -> dict[str, list[str]]:
    return {slug: related_of(site, slug) for slug in slugs if (site / slug / "index.html").is_file()}


def related_one(i: int, body: str = "Lede.\n", **fields: str) -> str:
    fields = {"tags": f"[t{i % 3}, u{i % 4}]", "category": "Economy" if i % 2 else "Science", **fields}
    return article(f"R{i}", date=fields.pop("date", day(i)), body=body, **{k: v for k, v in fields.items() if v})


def related_files() -> dict[str, str | bytes]:
    """Explainers whose related ones depend on every input of the choice: tags, category, dates, languages,
    translations, and one `related:` list."""
    files: dict[str, str | bytes] = {"site.yml": "title: T\n"}
    files.update({f"r{i:02d}.md": related_one(i) for i in range(1, 13)})
    files["r05.md"] = related_one(5, related="[r01, r02]")
    files["r06.md"] = related_one(6, language="es")
    files["r07.md"] = related_one(7, tags="[t1, u3]", translation_key="k")      # translations of each other
    files["r08.md"] = related_one(8, tags="[t1, u3]", translation_key="k")
    files["r13.md"] = related_one(13, draft="true")
    files["r15.md"] = related_one(15, draft="true")
    files["r11.md"] = related_one(11, related="[r15, r01]")                      # a draft: left out
    return files


RELATED_EDITS: list[tuple[str, dict[str, str | None]]] = [
    ("a tag", {"r04.md": related_one(4, tags="[t0, u0]")}),
    ("a category", {"r03.md": related_one(3, category="Science")}),
    ("no category", {"r10.md": related_one(10, category="")}),
    ("a date", {"r02.md": related_one(2, date=day(30))}),
    ("a related: list", {"r05.md": related_one(5, related="[r13, r03, r02]")}),
    ("a draft published", {"r13.md": related_one(13)}),
    ("a new explainer", {"r14.md": related_one(14, tags="[t2, u2, new]")}),
    ("a language", {"r06.md": related_one(6)}),
    ("a translation key", {"r08.md": related_one(8, tags="[t1, u3]")}),
    ("a draft gone", {"r15.md": None}),                                  # r11's related: names no explainer
    ("it comes back", {"r15.md": related_one(15, draft="true")}),
    ("the count", {"site.yml": "title: T\nrelated: 5\n"}),
    ("two swap places", {"r03.md": related_one(4, tags="[t0, u0]"), "r04.md": related_one(3, category="Science")}),
    ("a text only", {"r09.md": related_one(9, body="Another lede.\n")}),
]


def test_related_kept_in_the_cache_are_those_chosen_afresh(tmp_path):
    """A build from the cache keeps the last choice of related explainers while nothing it is made from
    changed: after each edit, its related explainers are exactly a build's without the cache."""
    content = write(tmp_path / "content", related_files())
    assert build(content, tmp_path / "site")[0] == 0
    slugs = [f"r{i:02d}" for i in range(1, 16)]
    for what, files in RELATED_EDITS:
        edit(content, files)
        code, printed = build(content, tmp_path / "site")
        assert (code, printed) == build(content, tmp_path / "fresh", "--no-cache"), what
        assert every_related(tmp_path / "site", slugs) == every_related(tmp_path / "fresh", slugs), what


def edit(content: Path, files: dict[str, str | None]) -> None:
    for rel, text in files.items():
        if text is None:
            (content / rel).unlink()
        else:
            write(content, {rel: text})


def test_related_kept_by_a_builder_are_those_chosen_afresh(tmp_path):
    """The preview's builder keeps its last choice in memory: after each edit, its related explainers are
    exactly a build's without the cache."""
    from generator.build import Builder
    from generator.config import load_config
    from generator.errors import ExplainerError
    content = write(tmp_path / "content", related_files())
    builder = Builder(lambda: load_config(content, tmp_path / "site"))
    builder.build()
    slugs = [f"r{i:02d}" for i in range(1, 16)]
    for what, files in RELATED_EDITS:
        edit(content, files)
        try:
            builder.build()
            code = 0
        except ExplainerError:
            code = 1
        assert code == build(content, tmp_path / "fresh", "--no-cache")[0], what
        assert every_related(tmp_path / "site", slugs) == every_related(tmp_path / "fresh", slugs), what
    builder.close()


def state_file(root: Path) -> Path:
    return next(p for p in (root / ".explainer-cache").glob("build-*.json") if not p.name.endswith(".record.json"))


def state_related(path: Path) -> tuple[str, dict]:
    """The related choice a state file holds: its digest (on the first line) and the choices (its lines)."""
    data, sections, _ = state_sections(path)
    return data["related"], {slug: picked for line in sections["related"] for slug, picked in json.loads(line).items()}


def state_sections(path: Path) -> tuple[dict, dict[str, list[bytes]], list[bytes]]:
    """A state file's first line, the lines of each of its mappings, and the explainers' lines after them."""
    first, *lines = path.read_bytes().split(b"\n")
    data, sections, at = json.loads(first), {}, 0
    for name, count in data["sections"].items():
        sections[name], at = lines[at:at + count], at + count
    return data, sections, lines[at:]


def put_related(path: Path, digest: object, lines: list[bytes]) -> None:
    """The state file with this digest on its first line and these lines for the related choice."""
    data, sections, rest = state_sections(path)
    sections["related"] = lines
    data["related"], data["sections"]["related"] = digest, len(lines)
    data["lines"] = sum(map(len, sections.values())) + len(rest) - 1        # rest ends with the last line break
    path.write_bytes(b"\n".join([json.dumps(data).encode(), *(line for name in data["sections"]
                                                                for line in sections[name]), *rest]))


def test_related_kept_in_the_cache_are_used_while_their_inputs_stand(tmp_path):
    """The choice is read back from the state (not made again) when nothing it was made from changed; one that
    names an explainer no longer there, or is not a choice at all, is made afresh."""
    content = write(tmp_path / "content", related_files())
    assert build(content, tmp_path / "site")[0] == 0
    path = state_file(tmp_path)
    digest, chosen = state_related(path)
    assert chosen["r05"] == ["r01", "r02"]

    def line(choices: object) -> bytes:
        return json.dumps(choices, separators=(",", ":")).encode()

    put_related(path, digest, [line({**chosen, "r01": ["r12"]})])      # a choice the rule would not make
    # r01's own text: its page is rendered again (a text edit renders only the pages showing the edited
    # explainer), with the related choice the state holds.
    write(content, {"r01.md": related_one(1, body="Another lede.\n")})
    assert build(content, tmp_path / "site")[0] == 0
    assert related_of(tmp_path / "site", "r01") == ["r12"]            # kept: its inputs did not change
    assert build(content, tmp_path / "fresh", "--no-cache")[0] == 0
    for damaged in ([digest, [line({**chosen, "r01": ["gone"]})]], [digest, [line({"r01": [1]})]],
                    [digest, [line(["r01"])]], [digest, [b"x"]], ["x", [line(chosen)]], [None, [line(chosen)]]):
        put_related(path, *damaged)
        write(content, {"r01.md": related_one(1, body=f"Lede {damaged!r}.\n")})
        assert build(content, tmp_path / "site")[0] == 0, damaged
        assert related_of(tmp_path / "site", "r01") == related_of(tmp_path / "fresh", "r01"), damaged


# ---------------------------------------------------------------- custom fields

def test_extra_reaches_the_templates(tmp_path):
    files = archive_files()
    root = write(tmp_path / "content", files)
    write(tmp_path / "themes/default/templates", {"partials/byline.html": (
        '<p class="custom">{{ site.extra.desk }} {{ site.extra.sections | join("+") }} '
        '{{ explainer.extra.get("score", "-") }} {{ explainer.extra.flags.front if "flags" in explainer.extra '
        'else "" }}</p>\n'), "partials/card.html": '<li class="card"><h2><a href="{{ root }}{{ item.url }}">'
        '{{ item.title }}</a></h2>{{ item.extra.get("score", "") }}</li>\n'})
    assert build(root, tmp_path / "site")[0] == 0
    assert soup(tmp_path / "site", "e09/index.html").select_one(".custom").get_text() == "Metro news+opinion 9 True"
    assert soup(tmp_path / "site", "e01/index.html").select_one(".custom").get_text().strip() == "Metro news+opinion -"
    assert [card.get_text() for card in soup(tmp_path / "site", "index.html").select(".card")] == [
        "Explainer 11", "Explainer 10", "Explainer 099", "Explainer 08"]


@pytest.mark.parametrize("files, message", [
    ({"a.md": article("A", extras="{x: 1}")}, "a.md:4: unknown front matter key 'extras' (did you mean 'extra'?)"),
    ({"a.md": article("A", extra="[1, 2]")}, "a.md:4: extra must be a mapping, not a list"),
    ({"a.md": "---\ntitle: A\ndate: 2024-01-01\nextra:\n  blob: !!binary aGk=\n---\nx\n"},
     "a.md:5: extra.blob is binary data, which extra cannot hold"),
    ({"site.yml": "title: T\nextra: 3\n", "a.md": article("A")}, "site.yml:2: extra must be a mapping, not int"),
    ({"site.yml": "title: T\nextras: {}\n", "a.md": article("A")},
     "site.yml:2: unknown key 'extras' in site.yml (did you mean 'extra'?)"),
])
def test_extra_mistakes_and_typos_elsewhere_stay_errors(tmp_path, files, message):
    code, printed = build(write(tmp_path / "content", files), tmp_path / "site")
    assert code == 1 and message in printed, printed


def test_extra_survives_the_build_cache(tmp_path):
    files = {"a.md": "---\ntitle: A\ndate: 2024-01-01\nextra:\n  when: 2024-02-03T04:05\n  day: 2024-02-03\n"
                     "  list: [1, 2.5, null, true, {k: v}]\n  7: seven\n---\nx\n"}
    write(tmp_path / "themes/default/templates", {"partials/byline.html": "<p class=x>{{ explainer.extra }}</p>\n"})
    root = write(tmp_path / "content", files)
    assert build(root, tmp_path / "site", "--no-cache")[0] == 0
    fresh = (tmp_path / "site/a/index.html").read_bytes()
    assert build(root, tmp_path / "cached")[0] == 0                  # writes the cache
    (tmp_path / "cached/a/index.html").unlink()                      # …and renders from it
    assert build(root, tmp_path / "cached")[0] == 0
    assert (tmp_path / "cached/a/index.html").read_bytes() == fresh
    assert "datetime.date(2024, 2, 3)" in fresh.decode() and "7: &#39;seven&#39;" in fresh.decode()


def test_search_indexes_the_explainer_pages_alone_not_the_pages_of_the_lists(tmp_path):
    from test_search import fragments
    files = {"site.yml": "title: T\nbase_url: https://example.org/\nsearch: true\npaginate: 2\n"
                         "authors:\n  Ann Lee: {bio: Writes.}\n"}
    files.update({f"e{i}.md": article(f"Part title {i}", date=day(i), authors="[Ann Lee]", series="Saga", tags="[t]")
                  for i in range(1, 6)})
    assert build(write(tmp_path / "content", files), tmp_path / "site")[0] == 0
    site = tmp_path / "site"
    assert (site / "page/3/index.html").is_file() and (site / "author/ann-lee/page/2/index.html").is_file()
    pages = fragments(site)
    assert sorted(p["url"] for p in pages) == [f"/e{i}/" for i in range(1, 6)]
    e3 = next(p for p in pages if p["url"] == "/e3/")["content"]
    assert "Part title 3" in e3 and not [f"Part title {i}" for i in (1, 2, 4, 5) if f"Part title {i}" in e3]
    assert "Part 3 of 5" not in e3 and "Part 3 of 5" in (site / "e3/index.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------- names the site takes

@pytest.mark.parametrize("name", ["author", "series", "page"])
def test_the_new_folders_are_reserved_names(tmp_path, name):
    code, printed = build(write(tmp_path / "content", {f"{name}.md": article("A")}), tmp_path / "site")
    assert code == 1 and f"{name}.md: '{name}' cannot be an explainer's URL" in printed


# ---------------------------------------------------------------- what an edit renders again

def rebuilding(tmp_path, files):
    from generator.build import Builder
    from generator.config import load_config
    root = write(tmp_path / "content", files)
    builder = Builder(lambda: load_config(root, tmp_path / "site"))
    builder.build()
    return root, builder


def test_an_edit_to_the_text_renders_its_page_alone(tmp_path):
    files = {"site.yml": "title: T\nbase_url: https://example.com/\npaginate: 3\n"}
    files.update({f"e{i:02d}.md": article(f"E{i}", date=day(i), category="C", tags="[t]") for i in range(1, 41)})
    root, builder = rebuilding(tmp_path, files)
    (root / "e05.md").write_text(files["e05.md"].replace("Lede.", "A new lede."), encoding="utf-8")
    report = builder.build()
    assert report.rendered == 1 and report.changed_paths == ("e05/index.html",)
    builder.close()


def test_a_new_title_renders_the_pages_that_show_its_card_and_no_other_list_page(tmp_path):
    files = {"site.yml": "title: T\npaginate: 3\nrelated: 2\n"}
    files.update({f"e{i:02d}.md": article(f"E{i}", date=day(i), category="C",
                                          tags=f"[t{i % 2}, pair]" if i in (5, 7) else f"[t{i % 2}]")
                  for i in range(1, 41)})
    root, builder = rebuilding(tmp_path, files)
    (root / "e05.md").write_text(files["e05.md"].replace("title: E5", "title: E-five"), encoding="utf-8")
    report = builder.build()
    shown_in = {f"e{i:02d}/index.html" for i in range(1, 41) if "e05" in related_of(tmp_path / "site", f"e{i:02d}")}
    assert shown_in == {"e07/index.html"}
    # e05 is the 36th newest: page 12 of every list holding 40 at 3 a page, page 6 of its tag's (20 explainers),
    # and on the one page of the tag it shares with e07.
    expected = {"e05/index.html", "page/12/index.html", "category/c/page/12/index.html", "tag/t1/page/6/index.html",
                "tag/pair/index.html", *shown_in}
    assert set(report.changed_paths) == expected and report.rendered == len(expected) + 2   # + category/, tag/
    assert "E-five" in (tmp_path / "site/page/12/index.html").read_text(encoding="utf-8")
    builder.close()


@pytest.mark.parametrize("told", [False, True], ids=["scan-all", "told-the-saved-paths"])
def test_a_builder_that_owns_its_output_folder_ends_with_the_site_a_fresh_build_makes(tmp_path, told):
    """The preview's builder (`own_output`: a private folder) carries its files over without checking each one,
    and keeps stamp and card digests between builds; after edits of every kind (one file saved twice), told
    the saved paths as the preview's watcher tells it or not, its folder is still byte for byte what a build
    from nothing writes."""
    from generator.build import Builder, build
    from generator.config import load_config
    files = {"site.yml": "title: T\npaginate: 3\nrelated: 2\n"}
    files.update({f"e{i:02d}.md": article(f"E{i}", date=day(i), category="C", tags=f"[t{i % 3}]")
                  for i in range(1, 21)})
    root = write(tmp_path / "content", files)
    builder = Builder(lambda: load_config(root, tmp_path / "site"), own_output=True)
    builder.build()
    edits = [("e05.md", files["e05.md"].replace("Lede.", "A new lede.")),
             ("e07.md", files["e07.md"].replace("title: E7", "title: E-seven")),
             ("e21.md", article("E21", date=day(21), category="D", tags="[t1]")),
             ("e05.md", files["e05.md"].replace("Lede.", "A second lede.")),
             ("e03.md", None)]
    for name, text in edits:
        if text is None:
            (root / name).unlink()
        else:
            (root / name).write_text(text, encoding="utf-8")
        builder.build([str(root / name)] if told else None)
    builder.close()
    build(load_config(root, tmp_path / "fresh", use_cache=False))
    assert tree_bytes(tmp_path / "site") == tree_bytes(tmp_path / "fresh")


@pytest.mark.parametrize("own_output", [False, True])
def test_only_a_builder_that_does_not_own_its_output_folder_checks_the_files_it_left_there(tmp_path, own_output):
    from generator.build import Builder
    from generator.config import load_config
    files = {f"e{i:02d}.md": article(f"E{i}", date=day(i)) for i in range(1, 6)}
    root = write(tmp_path / "content", files)
    builder = Builder(lambda: load_config(root, tmp_path / "site"), own_output=own_output)
    builder.build()
    (tmp_path / "site" / "e02" / "index.html").unlink()        # someone else's doing
    (root / "e05.md").write_text(files["e05.md"].replace("Lede.", "A new lede."), encoding="utf-8")
    report = builder.build()
    builder.close()
    # Checked: the page is written again. Owned: the folder is taken as the builder left it (the preview's).
    assert (tmp_path / "site" / "e02" / "index.html").is_file() != own_output
    assert ("e02/index.html" in report.changed_paths) != own_output


def tree_bytes(folder):
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_a_card_change_reaches_the_list_pages_when_the_state_comes_from_the_cache(make_site, cli):
    files = {"site.yml": "title: T\nbase_url: https://example.com/\npaginate: 3\nrelated: 2\n"}
    files.update({f"e{i:02d}/index.md": article(f"E{i}", date=day(i), category="C",
                                                tags=f"[t{i % 2}, pair]" if i in (5, 7) else f"[t{i % 2}]")
                  for i in range(1, 41)})
    files.update({f"e{i:02d}/facts.yml": f"- label: Number\n  value: '{i}'\n" for i in range(1, 41)})
    site = make_site(files)
    cli("build", check=True, cwd=site.root)
    site.write("e05/index.md", files["e05/index.md"].replace("title: E5", "title: E-five"))
    site.write("e05/facts.yml", "- label: Number\n  value: five\n")
    cli("build", check=True, cwd=site.root)     # a new process: the listing records from .explainer-cache
    for page in ("page/12/index.html", "category/c/page/12/index.html", "tag/t1/page/6/index.html",
                 "tag/pair/index.html", "e07/index.html"):
        assert "E-five" in site.page(page), page
    assert "<dd>five</dd>" in site.page("e05/index.html").replace("\n", "").replace(" ", "")
    cli("build", "--no-cache", "--out", "fresh", check=True, cwd=site.root)
    fresh = site.root / "fresh"
    assert {p.relative_to(site.out): p.read_bytes() for p in sorted(site.out.rglob("*")) if p.is_file()} == \
        {p.relative_to(fresh): p.read_bytes() for p in sorted(fresh.rglob("*")) if p.is_file()}


def test_a_new_portrait_renders_the_author_page_and_their_bylines_again(tmp_path):
    files = archive_files()
    files["e04.md"] = explainer(4, authors="[Bo Chen]")
    root, builder = rebuilding(tmp_path, files)
    site = tmp_path / "site"
    before = soup(site, "author/ann/index.html").select_one("img.portrait")["src"]
    (root / "people/ann.png").write_bytes(png(240, 240))        # same name, another picture
    report = builder.build()
    after = soup(site, "author/ann/index.html").select_one("img.portrait")["src"]
    assert after != before and (site / after.removeprefix("../../")).is_file()
    person = json.loads(soup(site, "e03/index.html").select_one('script[type="application/ld+json"]').string)
    assert person["author"][0]["image"].endswith(after.removeprefix("../.."))
    assert {"author/ann/index.html", "e03/index.html"} <= set(report.changed_paths)
    assert "e04/index.html" not in report.changed_paths            # Bo's
    builder.close()


def test_a_new_explainer_moves_every_card_down_one(tmp_path):
    files = {"site.yml": "title: T\npaginate: 2\n"}
    files.update({f"e{i}.md": article(f"E{i}", date=f"2024-01-0{i}") for i in range(1, 6)})
    root, builder = rebuilding(tmp_path, files)
    (root / "e6.md").write_text(article("E6", date="2024-01-06"), encoding="utf-8")
    builder.build()
    _, listed = follow(tmp_path / "site", "index.html")
    assert listed == ["e6/", "e5/", "e4/", "e3/", "e2/", "e1/"]
    (root / "e6.md").unlink()
    builder.build()
    pages, listed = follow(tmp_path / "site", "index.html")
    assert listed == ["e5/", "e4/", "e3/", "e2/", "e1/"] and len(pages) == 3
    assert not (tmp_path / "site/page/4").exists()
    builder.close()


# ---------------------------------------------------------------- slow: validator, axe, 3,000 explainers

NEW_PAGES = ["index.html", "page/2/index.html", "author/ann/index.html", "author/index.html",
             "series/rate-path/index.html", "series/index.html", "e02/index.html", "e09/index.html"]


@pytest.mark.slow
def test_nu_html_checker_finds_no_errors_on_the_new_pages(archive):
    java = require(shutil.which("java"), "java (a Java runtime)")
    proc = subprocess.run([java, "-Xss1024k", "-jar", require(VNU_JAR, "vnu.jar"), "--format", "json", "--stdout",
                           *NEW_PAGES], cwd=archive, capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1) and proc.stdout, proc.stderr
    errors = [f"{m.get('url', '').rsplit('/', 3)[-3:]}:{m.get('lastLine')}: {m['message']}"
              for m in json.loads(proc.stdout)["messages"] if m["type"] == "error"]
    assert not errors, "\n".join(errors)


@pytest.fixture(scope="module")
def served_archive(archive):
    handler = functools.partial(QuietHandler, directory=str(archive.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/site/"     # under a path, like base_url's /news/
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def chromium():
    """Headless Chromium for this module (Playwright's sync API runs one instance at a time)."""
    require(CHROMIUM, "Chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(f"the Python package playwright is not installed: {SETUP_HINT}", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_on_the_new_pages(served_archive, chromium, scheme):
    source = Path(require(AXE_JS, "axe.min.js (npm axe-core)")).read_text(encoding="utf-8")
    found, wide = [], []
    for width in (320, 1280):
        visit = Visit(chromium, served_archive, color_scheme=scheme, viewport={"width": width, "height": 800})
        try:
            for rel in NEW_PAGES:
                tab = visit.open(rel)
                scroll = tab.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
                if scroll[0] > scroll[1]:
                    wide.append(f"{rel} at {width} px: {scroll}")
                tab.add_script_tag(content=source)
                result = tab.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
                found += [f"{rel} at {width} px: {v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
                          for v in result["violations"]]
        finally:
            visit.close()
        assert not visit.blocked
    assert not found, "\n".join(found)
    assert not wide, "\n".join(wide)


DESKS = ("Science", "Politics", "Economy", "Health", "Climate", "Technology", "World", "Education",
         "Culture", "Sport", "Business", "Media")


def write_archive(content: Path, count: int) -> None:
    """`count` explainers of a busy desk over a year: one category of twelve each, a topic of twenty and a
    place of 300 as tags, a date every few hours (some days more than one), written as single files."""
    content.mkdir(parents=True)
    (content / "site.yml").write_text("title: The Desk\n", encoding="utf-8")
    start = datetime(2025, 1, 1, 6, 0)
    for n in range(count):
        when = start + timedelta(minutes=173 * n)
        body = (f"Lede of story {n}, with a [link](https://example.org/{n}).\n\n"
                f"**Why it matters:** Reason {n}.\n\n**The big picture:** Context {n % 97}.\n")
        (content / f"story-{n:04d}.md").write_text(article(
            f"Story {n}, what happened on day {when:%j}", date=when.strftime("%Y-%m-%dT%H:%M"), body=body,
            summary=f"What story {n} says, in one sentence.", category=DESKS[n % len(DESKS)],
            tags=f"[topic-{n % 20}, place-{(n * 7 + 3) % 300}]"), encoding="utf-8")


@pytest.fixture(scope="module")
def big_archive(tmp_path_factory) -> Path:
    """3,000 generated explainers (a year of a busy desk), built once."""
    root = tmp_path_factory.mktemp("big")
    write_archive(root / "content", 3000)
    code, printed = build(root / "content", root / "site")
    assert code == 0, printed
    return root / "site"


def dates_of(site: Path, listed: list[str]) -> list[str]:
    return [soup(site, f"{url}index.html").select_one(".byline time")["datetime"] for url in listed]


@pytest.mark.slow
def test_3000_explainers_every_one_reachable_once_newest_first_within_the_budget(big_archive):
    site = big_archive
    explainers = sorted(p.parent.relative_to(site).as_posix() + "/" for p in site.glob("*/index.html")
                        if 'class="explainer"' in p.read_text(encoding="utf-8"))
    assert len(explainers) == 3000
    pages, listed = follow(site, "index.html")
    assert sorted(listed) == explainers and len(set(listed)) == 3000 and len(pages) == 100
    dates = [time["datetime"] for rel in pages for time in soup(site, rel).select(".card time")]
    assert dates == sorted(dates, reverse=True)
    pages, listed = follow(site, "category/science/index.html")
    science = [url for url in explainers if soup(site, f"{url}index.html").select_one(".kicker a").get_text()
               == "Science"]
    assert sorted(listed) == science and len(set(listed)) == len(science) > 200
    lists = [p for p in site.rglob("index.html") if p.parent.relative_to(site).as_posix() + "/" not in explainers]
    assert len(lists) > 500
    heaviest = max(lists, key=lambda p: p.stat().st_size)
    assert heaviest.stat().st_size <= LIST_PAGE_BUDGET, f"{heaviest}: {heaviest.stat().st_size} bytes"
