"""Discoverability, read the way its consumers read it: feed readers (feedparser), crawlers (XML sitemaps,
robots.txt, JSON-LD), link previews (OpenGraph), and the social card PNGs themselves."""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

import feedparser
import pytest
from PIL import Image

from conftest import REPO
from generator.build import Builder, build
from generator.config import load_config
from generator.errors import ContentError
from generator.images import cardimage, cards
from generator.parallel import SPAWN
from generator.render import seo
from generator.render.feeds import absolute_links

BASE = "https://example.com/explainers/"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
# Quotes, an apostrophe, a script break-out, an ampersand, emoji with a joiner: nothing may break.
HOSTILE_TITLE = 'Why "quotes" </script><script>alert(1)</script> & it\'s 🚀👩‍🚀 hard'
LONG_LEDE = ("The city council voted on Tuesday to replace every streetlight with LEDs over the next three "
             "years, a change officials say will cut the lighting bill by half and the city's carbon output "
             "by a noticeable amount.")


def png_bytes(size=(640, 360), colour=(40, 90, 160)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def sample_files(base_url: str = BASE, social_cards: str = "auto") -> dict[str, str | bytes]:
    return {
        "site.yml": f"title: Test Desk\nbase_url: {base_url}\nauthor: Test Desk\n"
                    f"description: Explainers for the tests.\nsocial_cards: {social_cards}\n",
        "lights/index.md": (
            "---\ntitle: The city switches its streetlights to LEDs\ndate: 2024-03-01\nupdated: 2024-03-05\n"
            "category: Local\ntags: [energy, city hall]\nauthors: [Ana Example]\n"
            "image:\n  src: hero.png\n  alt: A street at night under white lights\n---\n"
            f"{LONG_LEDE}\n\n**Why it matters:** Lighting is the second-biggest bill.\n\n"
            "**The big picture:** Most big cities switched years ago, see [the rules](../hostile.md) and "
            "![a chart](chart.png).\n"),
        "lights/hero.png": png_bytes(),
        "lights/chart.png": png_bytes((200, 100)),
        "hostile.md": (
            f"---\ntitle: '{HOSTILE_TITLE.replace(chr(39), chr(39) * 2)}'\ndate: 2024-04-02T09:30:00+02:00\n"
            "category: Politics\n---\nA lede with <b>inline HTML</b> & an ampersand.\n\n"
            "**The big picture:** Back to [the lights](lights/index.md).\n"),
        "secret.md": "---\ntitle: A draft nobody may see\ndate: 2024-05-01\ndraft: true\ncategory: Local\n---\n"
                     "Not yet.\n",
    }


def build_site(site, **overrides):
    config = load_config(site.content, site.out, now=datetime.fromisoformat("2026-01-01T00:00:00+00:00"),
                         **overrides)
    return build(config)


class Head(HTMLParser):
    """The <head> tags a crawler or a link-preview bot reads, plus class names and data-axiom values."""

    def __init__(self, html: str):
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.links: list[dict[str, str]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self.classes: set[str] = set()
        self.axioms: set[str] = set()
        self._script: dict[str, str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        self.classes.update(attrs.get("class", "").split())
        if tag == "section" and "data-axiom" in attrs:
            self.axioms.add(attrs["data-axiom"])
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta.setdefault(attrs.get("property") or attrs["name"], []).append(attrs.get("content", ""))
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "script":
            self._script = attrs
            self.scripts.append((attrs, ""))

    def handle_data(self, data):
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def one(self, key: str) -> str:
        values = self.meta.get(key, [])
        assert len(values) == 1, f"{key}: {values}"
        return values[0]

    def link(self, rel: str) -> list[dict[str, str]]:
        return [link for link in self.links if link.get("rel") == rel]

    def json_ld(self) -> dict:
        blocks = [text for attrs, text in self.scripts if attrs.get("type") == "application/ld+json"]
        assert len(blocks) == 1
        return json.loads(blocks[0])


@pytest.fixture
def built(make_site):
    site = make_site(sample_files())
    report = build_site(site)
    return site, report


def head(site, rel: str) -> Head:
    return Head(site.page(rel))


# Head tags --------------------------------------------------------------------------------------------

def test_explainer_page_has_description_canonical_and_opengraph(built):
    site, _ = built
    page = head(site, "lights/index.html")
    canonical = BASE + "lights/"
    assert [link["href"] for link in page.link("canonical")] == [canonical]
    description = page.one("description")
    assert len(description) <= seo.DESCRIPTION_LIMIT and description.endswith("…")
    assert LONG_LEDE.startswith(description[:-1]) and LONG_LEDE[len(description) - 1] == " "
    assert page.one("og:type") == "article"
    assert page.one("og:title") == "The city switches its streetlights to LEDs"
    assert page.one("og:description") == description
    assert page.one("og:url") == canonical
    assert page.one("og:site_name") == "Test Desk"
    og_image = page.one("og:image")                                  # a hero image beats the card: its crop
    assert re.fullmatch(re.escape(BASE) + r"lights/hero-1200x630\.[0-9a-f]{10}\.jpg", og_image), og_image
    assert (page.one("og:image:width"), page.one("og:image:height")) == ("1200", "630")
    assert page.one("og:image:type") == "image/jpeg" and page.one("twitter:image") == og_image
    with Image.open(site.out / og_image.removeprefix(BASE)) as preview:
        assert (preview.format, preview.size) == ("JPEG", (1200, 630))
    assert page.one("og:image:alt") == "A street at night under white lights"
    assert page.one("article:published_time") == "2024-03-01T00:00:00+00:00"
    assert page.one("article:modified_time") == "2024-03-05T00:00:00+00:00"
    assert page.one("article:section") == "Local"
    assert page.meta["article:tag"] == ["energy", "city hall"]
    assert page.one("twitter:card") == "summary_large_image"


def test_every_url_in_the_head_is_absolute_and_under_the_base_path(built):
    site, _ = built
    for rel in ("lights/index.html", "hostile/index.html", "index.html", "category/local/index.html",
                "tag/energy/index.html", "category/index.html"):
        page = head(site, rel)
        urls = [page.one("og:url"), *page.meta.get("og:image", [])]
        urls += [link["href"] for link in page.link("canonical")]
        for url in urls:
            assert url.startswith(BASE), (rel, url)
        assert page.one("og:url") == BASE + rel.removesuffix("index.html")


def test_summary_is_the_description_when_there_is_one(make_site):
    site = make_site({"site.yml": f"base_url: {BASE}\n",
                      "a.md": "---\ntitle: A\ndate: 2024-01-01\nsummary: Short and sweet.\n---\n" + LONG_LEDE})
    build_site(site)
    assert head(site, "a/index.html").one("description") == "Short and sweet."


def test_trim_at_word_never_cuts_a_word_and_stays_within_the_limit():
    text = "word " * 50
    for limit in (10, 37, 160):
        trimmed = seo.trim_at_word(text, limit)
        assert len(trimmed) <= limit and trimmed.endswith("…")
        assert all(w == "word" for w in trimmed[:-1].split())
    assert seo.trim_at_word("  fits\nas is ") == "fits as is"
    assert seo.trim_at_word("x" * 200, 20) == "x" * 19 + "…"


def test_list_pages_have_description_canonical_and_opengraph(built):
    site, _ = built
    home = head(site, "index.html")
    assert home.one("description") == "Explainers for the tests."
    assert home.link("canonical")[0]["href"] == BASE
    assert home.one("og:type") == "website" and home.one("og:title") == "Test Desk"
    local = head(site, "category/local/index.html")
    assert local.link("canonical")[0]["href"] == BASE + "category/local/"
    assert local.one("og:title") == "Local" and "Local" in local.one("description")
    assert head(site, "404.html").one("robots") == "noindex"


def test_pages_link_to_their_feeds_with_working_relative_urls(built):
    site, _ = built
    expected = {
        "index.html": [BASE + "feed.xml"],
        "lights/index.html": [BASE + "feed.xml", BASE + "category/local/feed.xml"],
        "category/local/index.html": [BASE + "feed.xml", BASE + "category/local/feed.xml"],
        "tag/energy/index.html": [BASE + "feed.xml"],
    }
    for rel, feeds in expected.items():
        page_url = BASE + rel.removesuffix("index.html")
        alternates = [link for link in head(site, rel).link("alternate")
                      if link.get("type") == "application/atom+xml"]
        assert [urljoin(page_url, link["href"]) for link in alternates] == feeds
        for link in alternates:
            assert (site.out / urlsplit(urljoin(page_url, link["href"])).path
                    .removeprefix("/explainers/")).is_file()


# JSON-LD ----------------------------------------------------------------------------------------------

def test_json_ld_is_a_news_article_with_the_fields_google_asks_for(built):
    site, _ = built
    page = head(site, "lights/index.html")
    data = page.json_ld()
    assert data["@context"] == "https://schema.org" and data["@type"] == "NewsArticle"
    assert data["headline"] == "The city switches its streetlights to LEDs"
    shapes = [re.fullmatch(re.escape(BASE) + r"lights/hero-(16x9|4x3|1x1)\.[0-9a-f]{10}\.jpg", url)
              for url in data["image"]]
    assert [shape.group(1) for shape in shapes if shape] == ["16x9", "4x3", "1x1"]      # what Google asks for
    assert data["datePublished"] == "2024-03-01T00:00:00+00:00"
    assert data["dateModified"] == "2024-03-05T00:00:00+00:00"
    assert data["author"] == [{"@type": "Person", "name": "Ana Example"}]
    assert data["publisher"]["@type"] == "Organization" and data["publisher"]["name"] == "Test Desk"
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": BASE + "lights/"}
    assert data["articleSection"] == "Local"
    assert data["keywords"] == ["energy", "city hall"]
    assert data["description"] == page.one("description")


def test_speakable_selectors_exist_on_the_page(built):
    site, _ = built
    page = head(site, "lights/index.html")
    selectors = page.json_ld()["speakable"]["cssSelector"]
    assert selectors == [".lede", 'section[data-axiom-key="the-big-picture"]']
    assert "lede" in page.classes and "the-big-picture" in page.axioms


def test_explainer_without_a_byline_is_credited_to_the_newsroom(built):
    site, _ = built
    data = head(site, "hostile/index.html").json_ld()
    assert data["author"] == [{"@type": "Organization", "name": "Test Desk"}]
    assert data["dateModified"] == data["datePublished"] == "2024-04-02T09:30:00+02:00"
    assert data["image"] == [BASE + "hostile/social-card.png"]


def test_hostile_title_breaks_neither_html_nor_json_ld(built):
    site, _ = built
    html = site.page("hostile/index.html")
    page = Head(html)
    assert len(page.scripts) == 1, "the title must not open or close a script element"
    assert html.count("</script>") == 1
    data = page.json_ld()
    assert "</script><script>alert(1)</script>" in data["headline"]
    assert "🚀" in data["headline"] and "&" in data["headline"]
    assert page.one("og:title") == data["headline"]
    assert page.one("og:image:alt").startswith(data["headline"])


# Feeds ------------------------------------------------------------------------------------------------

def test_atom_feed_parses_with_absolute_links_full_content_and_dates(built):
    site, _ = built
    feed = feedparser.parse((site.out / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "Test Desk"
    assert feed.feed.link == BASE
    assert [link.href for link in feed.feed.links if link.rel == "self"] == [BASE + "feed.xml"]
    assert feed.feed.updated == "2024-04-02T09:30:00+02:00"
    assert [e.link for e in feed.entries] == [BASE + "hostile/", BASE + "lights/"]   # newest first
    lights = feed.entries[1]
    assert lights.id == BASE + "lights/"
    assert lights.published == "2024-03-01T00:00:00+00:00" and lights.updated == "2024-03-05T00:00:00+00:00"
    assert lights.author == "Ana Example"
    assert {t.term for t in lights.tags} == {"local", "energy", "city-hall"}
    content = lights.content[0]
    assert content.type == "text/html"
    assert LONG_LEDE.split(",")[0] in content.value
    assert "Lighting is the second-biggest bill." in content.value
    assert re.search(f'src="{re.escape(BASE)}' + r'lights/hero-640\.[0-9a-f]{10}\.png"', content.value)
    assert re.search(f'src="{re.escape(BASE)}' + r'lights/chart-200\.[0-9a-f]{10}\.png"', content.value)
    assert f'href="{BASE}hostile/"' in content.value
    assert feed.entries[0].author == "Test Desk"       # no byline: the feed's author


def test_feed_with_a_hostile_title_is_well_formed_xml(built):
    site, _ = built
    root = ElementTree.parse(site.out / "feed.xml").getroot()
    titles = [e.findtext(f"{ATOM}title") for e in root.iter(f"{ATOM}entry")]
    assert any("</script><script>alert(1)</script>" in t and "🚀" in t for t in titles)
    ids = [e.findtext(f"{ATOM}id") for e in root.iter(f"{ATOM}entry")]
    assert len(ids) == len(set(ids))
    parsed = feedparser.parse((site.out / "feed.xml").read_bytes())
    assert parsed.entries[0].title == titles[0]


def test_one_feed_per_category_holds_only_its_explainers(built):
    site, _ = built
    local = feedparser.parse((site.out / "category/local/feed.xml").read_bytes())
    assert not local.bozo
    assert local.feed.title == "Test Desk: Local"
    assert [e.link for e in local.entries] == [BASE + "lights/"]
    assert [link.href for link in local.feed.links if link.rel == "self"] == [BASE + "category/local/feed.xml"]
    assert local.feed.link == BASE + "category/local/"


def test_feed_holds_the_newest_twenty(make_site):
    files = {"site.yml": f"base_url: {BASE}\nsocial_cards: never\n"}
    for day in range(1, 26):
        files[f"n{day:02}.md"] = f"---\ntitle: Number {day}\ndate: 2024-01-{day:02}\n---\nLede {day}.\n"
    site = make_site(files)
    build_site(site)
    feed = feedparser.parse((site.out / "feed.xml").read_bytes())
    assert [e.title for e in feed.entries] == [f"Number {day}" for day in range(25, 5, -1)]


def test_feed_updated_is_the_newest_moment_across_time_zones(make_site):
    site = make_site({"site.yml": f"base_url: {BASE}\nsocial_cards: never\n",
                      "east.md": "---\ntitle: East\ndate: 2024-04-02T09:30:00+02:00\n---\nLede.\n",
                      "west.md": "---\ntitle: West\ndate: 2024-04-02T08:00:00+00:00\n---\nLede.\n"})
    build_site(site)
    feed = feedparser.parse((site.out / "feed.xml").read_bytes())
    assert feed.feed.updated == "2024-04-02T08:00:00+00:00"      # 07:30 UTC in the east is earlier
    assert [e.title for e in feed.entries] == ["West", "East"]


def test_drafts_appear_in_no_feed_sitemap_or_page(built):
    site, _ = built
    for path in site.out.rglob("*"):
        if path.suffix in (".xml", ".html", ".txt"):
            text = path.read_text(encoding="utf-8")
            assert "secret" not in text and "A draft nobody may see" not in text, path


def test_absolute_links_rewrites_only_attributes():
    html = ('<p>href="x" <a href="../b/">b</a> <img src=\'c.png\' alt="a &amp; b"> <a href="#fn:1">1</a>'
            ' <a href="https://other.org/?a=1&amp;b=2">o</a></p>')
    out = absolute_links(html, "https://example.com/x/a/")
    assert out == ('<p>href="x" <a href="https://example.com/x/b/">b</a> '
                   '<img src="https://example.com/x/a/c.png" alt="a &amp; b"> '
                   '<a href="https://example.com/x/a/#fn:1">1</a> '
                   '<a href="https://other.org/?a=1&amp;b=2">o</a></p>')


# Sitemap and robots.txt -------------------------------------------------------------------------------

def test_sitemap_lists_every_public_page_with_lastmod(built):
    site, _ = built
    root = ElementTree.parse(site.out / "sitemap.xml").getroot()
    assert root.tag == f"{SITEMAP}urlset"
    entries = {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod") for u in root}
    pages = {BASE + p.relative_to(site.out).as_posix().removesuffix("index.html")
             for p in site.out.rglob("index.html")}
    assert set(entries) == pages
    assert entries[BASE + "lights/"] == "2024-03-05T00:00:00+00:00"
    assert entries[BASE] == "2024-04-02T09:30:00+02:00"
    assert entries[BASE + "category/local/"] == "2024-03-05T00:00:00+00:00"
    for lastmod in entries.values():
        datetime.fromisoformat(lastmod)


def test_sitemap_urls_are_percent_encoded(make_site):
    site = make_site({"site.yml": f"base_url: {BASE}\nsocial_cards: never\n",
                      "a.md": "---\ntitle: A\ndate: 2024-01-01\ncategory: Économie\n---\nLede.\n"})
    build_site(site)
    root = ElementTree.parse(site.out / "sitemap.xml").getroot()
    locs = [u.findtext(f"{SITEMAP}loc") for u in root]
    assert BASE + "category/%C3%A9conomie/" in locs
    assert all(loc.isascii() for loc in locs)


def test_robots_txt_points_at_the_sitemap(built):
    site, _ = built
    lines = (site.out / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "User-agent: *" in lines and f"Sitemap: {BASE}sitemap.xml" in lines


def test_the_sites_own_robots_txt_wins(make_site):
    site = make_site({**sample_files(), "robots.txt": "User-agent: *\nDisallow: /private/\n"})
    build_site(site)
    assert (site.out / "robots.txt").read_text(encoding="utf-8") == "User-agent: *\nDisallow: /private/\n"


def test_without_an_absolute_base_url_the_build_warns_once_and_skips_absolute_urls(make_site, cli):
    site = make_site(sample_files(base_url="/explainers/"))
    result = cli("build", "--content", str(site.content), "--out", str(site.out))
    assert result.code == 0, result.err
    warnings = [line for line in result.err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "base_url" in warnings[0]
    for name in ("feed.xml", "sitemap.xml", "robots.txt", "category/local/feed.xml"):
        assert not (site.out / name).exists()
    page = head(site, "hostile/index.html")
    assert not page.link("canonical") and "og:url" not in page.meta and "og:image" not in page.meta
    assert not page.scripts and not page.link("alternate")
    assert page.one("og:title") and page.one("description")
    assert not (site.out / "hostile" / seo.CARD_FILE).exists()   # a card is only used with an absolute URL


def test_an_absolute_base_url_gives_no_warning(make_site, cli):
    site = make_site(sample_files())
    result = cli("build", "--content", str(site.content), "--out", str(site.out))
    assert result.code == 0 and "warning" not in result.err


# Social cards -----------------------------------------------------------------------------------------

def test_card_is_a_1200_by_630_png_used_when_there_is_no_hero(built):
    site, _ = built
    card = site.out / "hostile" / seo.CARD_FILE
    with Image.open(card) as image:
        assert image.format == "PNG" and image.size == (1200, 630)
    page = head(site, "hostile/index.html")
    assert page.one("og:image") == BASE + "hostile/" + seo.CARD_FILE
    assert (page.one("og:image:width"), page.one("og:image:height")) == ("1200", "630")
    assert page.one("og:image:type") == "image/png"
    assert not (site.out / "lights" / seo.CARD_FILE).exists()


def test_social_cards_always_and_never(make_site, tmp_path):
    site = make_site(sample_files(social_cards="always"))
    build_site(site)
    assert head(site, "lights/index.html").one("og:image") == BASE + "lights/" + seo.CARD_FILE
    images = head(site, "lights/index.html").json_ld()["image"]
    assert images[0] == BASE + "lights/" + seo.CARD_FILE and [url.split("-")[1].split(".")[0]
                                                               for url in images[1:]] == ["16x9", "4x3", "1x1"]
    site.write("site.yml", sample_files(social_cards="never")["site.yml"])
    build_site(site)
    assert not list(site.out.rglob(seo.CARD_FILE))
    hostile = head(site, "hostile/index.html")
    assert "og:image" not in hostile.meta and hostile.one("twitter:card") == "summary"


def test_cards_are_byte_identical_across_builds_and_caches(make_site, tmp_path):
    site = make_site(sample_files(social_cards="always"))
    build_site(site)
    first = {p.relative_to(site.out): p.read_bytes() for p in site.out.rglob(seo.CARD_FILE)}
    assert len(first) == 2
    other = tmp_path / "second"
    report = build(load_config(site.content, other, use_cache=False,
                               now=datetime.fromisoformat("2026-01-01T00:00:00+00:00")))
    assert report.cards_drawn == 2
    assert {p.relative_to(other): p.read_bytes() for p in other.rglob(seo.CARD_FILE)} == first
    for data in first.values():
        assert b"tIME" not in data and b"tEXt" not in data


def test_cards_drawn_by_worker_processes_are_the_same_bytes(make_site, tmp_path):
    files = {"site.yml": f"base_url: {BASE}\n"}
    for day in range(1, cards.PARALLEL_FROM + 1):
        files[f"n{day:02}.md"] = f"---\ntitle: Story number {day}\ndate: 2024-01-{day:02}\n---\nLede.\n"
    site = make_site(files)
    now = datetime.fromisoformat("2026-01-01T00:00:00+00:00")
    serial = cards.make_cards(build_explainers(site), load_config(site.content, site.out, jobs=1, now=now))
    serial_bytes = {rel: path.read_bytes() for rel, path in serial.files.items()}
    # Clean interpreters (spawn), as beside the preview server.
    parallel = cards.make_cards(build_explainers(site),
                                load_config(site.content, site.out, jobs=2, use_cache=False, now=now),
                                folder=tmp_path / "cards of its own", start_method=SPAWN)
    assert serial.drawn == parallel.drawn == cards.PARALLEL_FROM
    assert {rel: path.read_bytes() for rel, path in parallel.files.items()} == serial_bytes


def build_explainers(site):
    from generator import content
    explainers, _ = content.load_all(load_config(site.content, site.out))
    return explainers


def test_unchanged_cards_are_not_drawn_again(make_site):
    site = make_site(sample_files())
    assert build_site(site).cards_drawn == 1
    card = site.out / "hostile" / seo.CARD_FILE
    cached = list((site.root / ".explainer-cache" / "cards").glob("*.png"))
    assert len(cached) == 1
    before = (card.stat().st_mtime_ns, cached[0].stat().st_mtime_ns)
    assert build_site(site).cards_drawn == 0
    assert (card.stat().st_mtime_ns, cached[0].stat().st_mtime_ns) == before
    site.write("hostile.md", site.content.joinpath("hostile.md").read_text().replace("& it", "and it"))
    assert build_site(site).cards_drawn == 1
    assert len(list((site.root / ".explainer-cache" / "cards").glob("*.png"))) == 1, "stale card pruned"
    assert build_site(site, use_cache=False).cards_drawn == 1


def test_preview_builder_reuses_cards(make_site):
    site = make_site(sample_files())
    config = load_config(site.content, site.out)
    builder = Builder(lambda: config)          # the preview server's builder: state kept in memory
    assert builder.build().cards_drawn == 1
    again = builder.build()
    assert again.cards_drawn == 0 and seo.CARD_FILE not in " ".join(again.changed_paths)


def test_a_bundle_file_named_like_the_card_is_an_error(make_site):
    site = make_site({**sample_files(social_cards="always"), f"lights/{seo.CARD_FILE}": png_bytes()})
    with pytest.raises(ContentError) as err:
        build_site(site)
    assert seo.CARD_FILE in str(err.value) and "lights" in str(err.value)


def test_long_titles_shrink_and_wrap_inside_the_card():
    fonts = cardimage.find_fonts()
    setter = cardimage.Typesetter(fonts.bold, rtl=False, bidi=cardimage.has_bidi_layout())
    width, height = 1040, cardimage.TITLE_BOTTOM - cardimage.TITLE_TOP
    short_size, short_lines = cardimage.fit_title("Why the Moon has phases", setter, width, height)
    long_title = "A very long headline about a council vote that keeps going " * 8
    long_size, long_lines = cardimage.fit_title(long_title, setter, width, height)
    assert short_size > long_size and len(long_lines) > len(short_lines)
    assert len(long_lines) * round(long_size * cardimage.LINE_HEIGHT) <= height
    assert all(setter.length(line, long_size) <= width for line in long_lines)
    assert long_lines[-1].endswith("…")


def test_card_colours_have_good_contrast():
    def luminance(rgb):
        channels = [c / 255 for c in rgb]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    def contrast(a, b):
        high, low = sorted((luminance(a), luminance(b)), reverse=True)
        return (high + 0.05) / (low + 0.05)

    for colour in (cardimage.TITLE_COLOUR, cardimage.ACCENT, cardimage.MUTED):
        assert contrast(colour, cardimage.BACKGROUND) >= 7


def test_characters_the_font_lacks_are_left_out():
    font = cardimage.Typesetter(cardimage.find_fonts().bold, rtl=False, bidi=False).font(40)
    assert cardimage.drawable("Rockets 🚀 and 👩‍🚀 go", font) == "Rockets and go"
    assert cardimage.drawable("שלום – ça va? Ω", font) == "שלום – ça va? Ω"


def test_visual_order_for_the_basic_layout():
    assert cardimage.visual_order("אבג") == "גבא"
    assert cardimage.visual_order("אב 2035") == "2035 בא"
    assert cardimage.visual_order("ב-2035") == "2035-ב"
    assert cardimage.visual_order("אב (NASA) גד") == "דג (NASA) בא"


def _ink_runs(png: bytes, top: int, bottom: int) -> list[tuple[int, int]]:
    """Horizontal extents of the title's glyph groups: columns with light pixels between top and bottom."""
    with Image.open(io.BytesIO(png)) as image:
        band = image.convert("L").crop((0, top, 1200, bottom))
        columns = [any(band.getpixel((x, y)) > 128 for y in range(0, band.height, 2)) for x in range(1200)]
    runs, start = [], None
    for x, inked in enumerate(columns + [False]):
        if inked and start is None:
            start = x
        elif not inked and start is not None:
            runs.append((start, x))
            start = None
    return runs


@pytest.mark.parametrize("bidi", [True, False], ids=["raqm", "basic"])
def test_right_to_left_titles_start_at_the_right(bidi):
    if bidi and not cardimage.has_bidi_layout():
        pytest.skip("Pillow has no raqm layout here")
    # ו is narrow and ש is wide: read right to left, the narrow one must be drawn on the right.
    text = cardimage.CardText(title="ו ש", category="", site="", date="", rtl=True)
    card = cardimage.draw_card(text, cardimage.find_fonts(), bidi)
    runs = _ink_runs(card, cardimage.TITLE_TOP, cardimage.TITLE_BOTTOM)
    assert len(runs) == 2
    (left_start, left_end), (right_start, right_end) = runs
    assert right_end - right_start < left_end - left_start
    assert 1200 - cardimage.MARGIN - 10 <= right_end <= 1200 - cardimage.MARGIN + 2


def test_whole_site_output_is_deterministic(make_site, tmp_path):
    site = make_site(sample_files())
    build_site(site)
    first = {p.relative_to(site.out): p.read_bytes() for p in site.out.rglob("*") if p.is_file()}
    other = tmp_path / "again"
    build(load_config(site.content, other, use_cache=False,
                      now=datetime.fromisoformat("2026-01-01T00:00:00+00:00")))
    assert {p.relative_to(other): p.read_bytes() for p in other.rglob("*") if p.is_file()} == first


# Browser and packaging --------------------------------------------------------------------------------

@pytest.mark.slow
def test_chromium_finds_the_speakable_parts_and_one_script(built):
    playwright = pytest.importorskip("playwright.sync_api")
    site, _ = built
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                       else route.abort())
            for slug in ("lights", "hostile"):
                page.goto((site.out / slug / "index.html").as_uri())
                data = page.evaluate("JSON.parse(document.querySelector("
                                     "'script[type=\"application/ld+json\"]').textContent)")
                assert page.evaluate("document.scripts.length") == 1
                for selector in data["speakable"]["cssSelector"]:
                    assert page.query_selector(selector) is not None, (slug, selector)
                assert page.evaluate("document.title").startswith(data["headline"])
        finally:
            browser.close()


@pytest.mark.slow
def test_wheel_ships_the_card_fonts_licence_and_templates(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(REPO)],
                   check=True, timeout=600, env=dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1"))
    wheel = next(tmp_path.glob("explainer-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("generator/images/fonts/DejaVuSans.ttf", "generator/images/fonts/DejaVuSans-Bold.ttf",
                 "generator/images/fonts/LICENSE.txt", "generator/themes/default/templates/partials/meta.html",
                 "generator/themes/default/templates/feed.xml", "generator/themes/default/templates/sitemap.xml",
                 "generator/themes/default/templates/robots.txt"):
        assert name in names, name
