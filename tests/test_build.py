"""Building sites through the real CLI, and what readers get: the markup contract on built pages."""
import re
from datetime import datetime, timedelta, timezone

from bs4 import BeautifulSoup

from conftest import article
from test_errors import png


def soup(site, rel):
    return BeautifulSoup(site.page(rel), "html.parser")


STORY = article("Police and <script>alert(1)</script> \"tech\"", date="2020-06-10", category="Technology",
                tags="[privacy, AI]", authors="[Jane Doe]", summary="A one-line summary.",
                image="{src: hero.png, alt: A camera lens, caption: The lens., credit: 'Photo: Desk'}",
                body="The lede, short.\n\n**Why it matters:** Stakes.\n\n**The big picture:** Wide.\n\n"
                     "- one\n- two\n\n**What they're saying:** \"A.\"\n\n**What they're saying:** \"B.\"\n\n"
                     "**Go deeper:** [Read the study](https://example.org/study)\n")
FACTS = """title: Key facts
facts:
  - label: Length
    value: one year
    source: {name: Company statement, url: https://example.org/s}
  - label: Count
    value: 27
  - label: <b>Escaped</b>
    value: x
    source: Plain source
"""


def test_build_prints_a_summary_and_writes_pretty_urls(make_site, cli):
    site = make_site({"story/index.md": STORY, "story/facts.yml": FACTS, "story/hero.png": png(640, 360),
                      "other.md": article("Other", date="2021-01-01", category="Science")})
    result = cli("build", check=True, cwd=site.root)
    assert re.search(r"Built 2 explainers, \d+ pages: \d+ files written", result.out)
    for rel in ("index.html", "story/index.html", "other/index.html", "404.html",
                "category/technology/index.html", "category/science/index.html", "tag/ai/index.html",
                "tag/privacy/index.html", "category/index.html", "tag/index.html"):
        assert (site.out / rel).is_file(), rel
    assert sorted(p.name for p in (site.out / "story").glob("hero-640.*")) != []   # the hero, as derivatives
    assert not (site.out / "story/hero.png").exists()                          # and not the original


def test_explainer_page_follows_the_markup_contract(make_site, cli):
    site = make_site({"story/index.md": STORY, "story/facts.yml": FACTS, "story/hero.png": png(640, 360)})
    cli("build", check=True, cwd=site.root)
    page = soup(site, "story/index.html")
    assert len(page.find_all("h1")) == 1
    assert page.h1.get_text() == "Police and <script>alert(1)</script> \u201ctech\u201d"
    assert "<script>alert" not in site.page("story/index.html")
    sections = page.select("section[data-axiom]")
    assert [(s["data-axiom"], s["id"]) for s in sections] == [
        ("why-it-matters", "why-it-matters"), ("the-big-picture", "the-big-picture"),
        ("what-theyre-saying", "what-theyre-saying"), ("what-theyre-saying", "what-theyre-saying-2"),
        ("go-deeper", "go-deeper")]
    for section in sections:
        first = section.find(True)
        label = first if "axiom-label" in (first.get("class") or []) else first.find(class_="axiom-label")
        assert label is not None and section.get_text().strip().startswith(label.get_text().strip()[:5])
    assert "<li>one</li>" in str(page.select_one("#the-big-picture"))
    assert page.select_one(".lede").get_text(strip=True) == "The lede, short."

    facts = page.select_one("aside.facts")
    assert facts.find(["h2", "h3"]).get_text() == "Key facts"
    assert [dt.get_text() for dt in facts.select("dl dt")] == ["Length", "Count", "<b>Escaped</b>"]
    assert facts.select("dl dd")[0].a["href"] == "https://example.org/s"
    assert "Plain source" in facts.select("dl dd")[2].get_text()

    figure = page.select_one("figure")
    img = figure.img
    assert (img["alt"], img["width"], img["height"]) == ("A camera lens", "640", "360")
    assert (site.out / "story" / img["src"]).is_file() and img["fetchpriority"] == "high"
    caption = figure.figcaption.get_text(" ", strip=True)
    assert "The lens." in caption and "Photo: Desk" in caption

    times = page.find_all("time")
    assert times[0]["datetime"] == "2020-06-10"
    category = page.find("a", string="Technology")
    assert (site.out / "story" / category["href"] / "index.html").resolve() == \
        (site.out / "category/technology/index.html").resolve()


def test_index_lists_every_explainer_newest_first(make_site, cli):
    site = make_site({"old.md": article("Old", date="2019-01-01"), "new.md": article("New", date="2024-05-01"),
                      "mid.md": article("Mid", date="2021-03-03", category="Science")})
    cli("build", check=True, cwd=site.root)
    titles = [a.get_text() for a in soup(site, "index.html").select(".cards h2 a")]
    assert titles == ["New", "Mid", "Old"]
    assert [a.get_text() for a in soup(site, "category/science/index.html").select(".cards h2 a")] == ["Mid"]


def test_internal_links_are_relative_so_any_base_path_works(make_site, cli):
    site = make_site({"site.yml": "title: S\nbase_url: https://example.com/explainers/\n",
                      "a.md": article("A", category="World", tags="[x]")})
    cli("build", check=True, cwd=site.root)
    for path in site.out.rglob("*.html"):
        page = BeautifulSoup(path.read_text(), "html.parser")
        for tag in page.find_all(["a", "link", "img"]):
            url = tag.get("href") or tag.get("src")
            if not url or url.startswith(("http", "#", "mailto:")):
                continue
            if path.name == "404.html":
                assert url.startswith("/explainers/"), url
                target = site.out / url.removeprefix("/explainers/")
            else:
                target = path.parent / url
            target = target / "index.html" if url.endswith("/") else target
            assert target.resolve().is_file(), f"{path.relative_to(site.out)} → {url}"


def test_drafts_are_left_out_unless_asked_for(make_site, cli):
    site = make_site({"a.md": article("A"), "b.md": article("B", draft="true")})
    result = cli("build", check=True, cwd=site.root)
    assert not (site.out / "b/index.html").exists() and "1 draft left out" in result.out
    cli("build", "--drafts", check=True, cwd=site.root)
    assert (site.out / "b/index.html").exists()


def test_future_explainers_wait_for_their_date(make_site, cli):
    later = (datetime.now(timezone.utc) + timedelta(days=3)).replace(microsecond=0)
    site = make_site({"a.md": article("A"), "soon.md": article("Soon", date=later.isoformat())})
    result = cli("build", check=True, cwd=site.root)
    assert not (site.out / "soon/index.html").exists()
    assert f"next scheduled: soon goes live {later.isoformat()}" in result.out
    cli("build", "--future", check=True, cwd=site.root)
    assert (site.out / "soon/index.html").exists()
    cli("build", "--as-of", (later + timedelta(hours=1)).isoformat(), check=True, cwd=site.root)
    assert (site.out / "soon/index.html").exists()


def test_rtl_language_gets_dir_rtl(make_site, cli):
    site = make_site({"a.md": article("عنوان", language="ar")})
    cli("build", check=True, cwd=site.root)
    html = soup(site, "a/index.html").html
    assert (html["lang"], html["dir"]) == ("ar", "rtl")


def test_updates_log_sets_updated(make_site, cli):
    site = make_site({"a.md": article("A", updates="[{date: 2024-02-01, note: Fixed a figure.}, "
                                                   "{date: 2024-03-05, note: Added a quote.}]")})
    cli("build", check=True, cwd=site.root)
    page = soup(site, "a/index.html")
    assert page.select_one(".updated time")["datetime"] == "2024-03-05"
    assert "Fixed a figure." in page.get_text()


def test_single_file_explainer_with_facts_in_front_matter(make_site, cli):
    site = make_site({"moon.md": article("Moon", facts="[{label: Cycle, value: 29.5 days}]")})
    cli("build", check=True, cwd=site.root)
    page = soup(site, "moon/index.html")
    assert page.select_one("aside.facts dt").get_text() == "Cycle"


def test_content_files_outside_bundles_are_copied(make_site, cli):
    site = make_site({"a.md": article("A", body="![Chart of x](images/chart.png)\n"),
                      "images/chart.png": png(), "images/unused.png": png(), "images/notes.txt": "n"})
    cli("build", check=True, cwd=site.root)
    img = soup(site, "a/index.html").select_one(".lede img")
    assert (site.out / "a" / img["src"]).resolve().parent == (site.out / "images").resolve()   # a derivative
    assert (site.out / "images/unused.png").is_file() and (site.out / "images/notes.txt").is_file()


def test_building_twice_gives_identical_bytes_and_keeps_unchanged_files(make_site, cli):
    site = make_site({"story/index.md": STORY, "story/facts.yml": FACTS, "story/hero.png": png(),
                      "b.md": article("B")})
    cli("build", check=True, cwd=site.root)
    first = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in site.out.rglob("*") if p.is_file()}
    second_run = cli("build", check=True, cwd=site.root)
    second = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in site.out.rglob("*") if p.is_file()}
    assert first == second
    assert " 0 files written" in second_run.out


def test_deleted_explainer_disappears_from_the_site(make_site, cli):
    site = make_site({"a.md": article("A"), "b.md": article("B")})
    cli("build", check=True, cwd=site.root)
    (site.content / "b.md").unlink()
    result = cli("build", check=True, cwd=site.root)
    assert not (site.out / "b").exists() and "1 removed" in result.out   # no card: base_url is not absolute


def test_site_local_theme_overrides_one_template(make_site, cli):
    site = make_site({"a.md": article("A")})
    site.write("/themes/default/templates/partials/card.html",
               "<li class=\"card\"><a href=\"{{ root }}{{ item.url }}\">LOCAL {{ item.title }}</a></li>\n")
    cli("build", check=True, cwd=site.root)
    assert "LOCAL A" in site.page("index.html")
    assert "<h1" in site.page("a/index.html")   # the rest of the default theme still applies


def test_named_theme_extends_the_default(make_site, cli):
    site = make_site({"site.yml": "title: S\ntheme: mine\n", "a.md": article("A")})
    site.write("/themes/mine/templates/404.html",
               "{% extends 'default/404.html' %}{% block title %}Lost{% endblock %}\n")
    cli("build", check=True, cwd=site.root)
    assert "<title>Lost</title>" in site.page("404.html")
    assert "Page not found" in site.page("404.html")


def test_theme_path_option(make_site, cli, tmp_path):
    site = make_site({"a.md": article("A")})
    site.write("/elsewhere/templates/404.html", "custom 404\n")
    cli("build", "--theme", str(site.root / "elsewhere"), check=True, cwd=site.root)
    assert site.page("404.html") == "custom 404\n"


def test_help_explains_every_option(cli):
    result = cli("build", "--help", check=True)
    for option in ("--content", "--out", "--theme", "--drafts", "--future", "--base-url", "--as-of"):
        assert option in result.out


def test_sample_site_builds_with_lede_sections_and_facts(built_sample):
    page = BeautifulSoup((built_sample / "amazon-facial-recognition-moratorium/index.html").read_text(),
                         "html.parser")
    assert page.select_one(".lede").get_text(strip=True)
    axioms = [s["data-axiom"] for s in page.select("section[data-axiom]")]
    assert {"why-it-matters", "the-big-picture", "what-theyre-saying", "go-deeper"} <= set(axioms)
    assert len(page.select("aside.facts dl dt")) >= 5
    assert page.select_one("figure img")["width"]
