"""Sidebar boxes beyond key facts: facts.yml (or front matter `facts:`) with `boxes:` of kinds facts, timeline,
numbers, people and glossary. Each box renders with its kind's partial, errors point at their file and line,
the old shapes render exactly as before, check knows the new kinds, and the boxes sit beside the article on
wide screens (the browser tests are slow: Chromium, vnu and axe)."""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import article

BOXES = """\
boxes:
  - kind: facts
    items:
      - {label: Fine, value: 5 million, source: Court ruling}
  - kind: timeline
    title: How we got here
    items:
      - {date: 1969, text: The first landing}
      - {date: 2020-03, text: A month, source: {name: WHO, url: "https://who.example.org/"}}
      - {date: 2020-06-10, text: A day}
      - {date: "2020-06-11T09:30", text: A time}
  - kind: numbers
    items:
      - {value: 1 in 3, label: adults have heard of it, source: Pew}
  - kind: people
    items:
      - {name: Jane Doe, role: Minister of Health, image: jane.png}
      - {name: Bo Li}
  - kind: glossary
    items:
      - {term: Moratorium, definition: A pause on an activity for a set time}
"""


def build(make_site, cli, files: dict, *args: str):
    site = make_site(files)
    result = cli("build", "--content", site.content, "--out", site.out, *args)
    return site, result


def soup(site, rel: str = "a/index.html") -> BeautifulSoup:
    return BeautifulSoup(site.page(rel), "html.parser")


@pytest.fixture
def boxes_site(make_site, cli, make_photo):
    site, result = build(make_site, cli, {"a/index.md": article(body="Lede.\n\n**Why it matters:** Yes.\n"),
                                          "a/facts.yml": BOXES, "a/jane.png": make_photo(90, 120, "PNG")})
    assert result.code == 0, result.err
    return site


def test_each_box_is_an_aside_of_its_kind_in_the_order_written(boxes_site):
    page = soup(boxes_site)
    column = page.select_one("article > div.sidebars")
    assert column is not None and column.find_previous_sibling("div", class_="lede") is not None
    asides = column.find_all("aside", recursive=False)
    assert [a["class"] for a in asides] == [["facts"], ["sidebar", "sidebar-timeline"], ["sidebar", "sidebar-numbers"],
                                            ["sidebar", "sidebar-people"], ["sidebar", "sidebar-glossary"]]
    titles = [a.h2.get_text() for a in asides]
    assert titles == ["Key facts", "How we got here", "By the numbers", "Key people", "Glossary"]
    ids = [a["aria-labelledby"] for a in asides]
    assert ids == ["facts-title", "timeline-title", "numbers-title", "people-title", "glossary-title"]
    assert all(page.find(id=i) is not None for i in ids)
    assert not any(a.has_attr("tabindex") for a in asides), "stacked boxes do not scroll on their own"


def test_a_timeline_is_an_ordered_list_of_dates_as_written(boxes_site):
    events = soup(boxes_site).select("aside.sidebar-timeline > ol > li")
    assert [(li.time["datetime"], li.time.get_text()) for li in events] == [
        ("1969", "1969"), ("2020-03", "March 2020"), ("2020-06-10", "June 10, 2020"),
        ("2020-06-11T09:30:00+00:00", "June 11, 2020, 9:30\u202fAM UTC")]
    assert events[1].select_one(".source a")["href"] == "https://who.example.org/"
    assert events[0].select_one(".event").get_text() == "The first landing"


def test_numbers_people_and_glossary(boxes_site):
    page = soup(boxes_site)
    number = page.select_one("aside.sidebar-numbers li")
    assert (number.select_one(".figure").get_text(), number.select_one(".label").get_text()) == \
        ("1 in 3", "adults have heard of it")
    assert "Source: Pew" in number.select_one(".source").get_text()
    people = page.select("aside.sidebar-people li")
    img = people[0].img
    assert img.parent.name == "picture" and [s["type"] for s in img.parent.find_all("source")] == \
        ["image/avif", "image/webp"]
    assert re.fullmatch(r"\.\./a/jane-90\.[0-9a-f]{10}\.jpg", img["src"]), img["src"]
    assert (img["alt"], img["width"], img["height"], img["loading"], img["sizes"]) == ("", "90", "120", "lazy", "3rem")
    assert [(p.select_one(".name").get_text(), p.select_one(".role").get_text() if p.select_one(".role") else None)
            for p in people] == [("Jane Doe", "Minister of Health"), ("Bo Li", None)]
    assert people[1].img is None
    assert (boxes_site.out / img["src"].removeprefix("../")).is_file()
    assert not (boxes_site.out / "a" / "jane.png").exists(), "the original is withheld, as a hero's is"
    glossary = page.select_one("aside.sidebar-glossary dl")
    assert glossary.select_one("dt dfn").get_text() == "Moratorium"
    assert glossary.select_one("dd").get_text() == "A pause on an activity for a set time"


def test_one_box_stands_alone_and_a_facts_box_in_boxes_is_the_old_facts_box(make_site, cli):
    old, result = build(make_site, cli, {"a/index.md": article(),
                                         "a/facts.yml": "title: Numbers\nfacts:\n  - {label: A, value: 1}\n"})
    assert result.code == 0, result.err
    before = str(soup(old).select_one("aside.facts"))
    shutil.rmtree(old.root / "content")
    new, result = build(make_site, cli, {"a/index.md": article(), "a/facts.yml":
                                         "boxes:\n  - kind: facts\n    title: Numbers\n    items:\n"
                                         "      - {label: A, value: 1}\n"})
    assert result.code == 0, result.err
    assert str(soup(new).select_one("aside.facts")) == before
    assert soup(new).select_one(".sidebars") is None and 'tabindex="0"' in before


def test_a_single_timeline_stands_alone_and_can_be_scrolled_by_keyboard(make_site, cli):
    site, result = build(make_site, cli, {"a.md": article(facts="{boxes: [{kind: timeline, items: "
                                                                "[{date: 2001, text: One}]}]}")})
    assert result.code == 0, result.err
    aside = soup(site, "a/index.html").select_one("article > aside.sidebar-timeline")
    assert aside is not None and aside["tabindex"] == "0"


def test_boxes_in_front_matter_of_a_single_file(make_site, cli):
    facts = "\n  boxes:\n    - kind: glossary\n      items:\n        - {term: T, definition: D}\n" \
            "    - kind: numbers\n      items:\n        - {value: 42, label: answers, source: Deep Thought}"
    site, result = build(make_site, cli, {"a.md": article(facts=facts)})
    assert result.code == 0, result.err
    page = soup(site)
    assert [a["class"][-1] for a in page.select(".sidebars > aside")] == ["sidebar-glossary", "sidebar-numbers"]


def test_feeds_show_every_box_with_absolute_addresses(boxes_site, cli):
    site = boxes_site
    (site.content / "site.yml").write_text("base_url: https://example.com/news/\n")
    assert cli("build", "--content", site.content, "--out", site.out).code == 0
    feed = site.page("feed.xml")
    entry = re.search(r'<content type="html"[^>]*>(.*?)</content>', feed, re.DOTALL)
    content = BeautifulSoup(html.unescape(entry.group(1)), "html.parser")
    assert [a["class"] for a in content.find_all("aside")][1:] == [
        ["sidebar", "sidebar-timeline"], ["sidebar", "sidebar-numbers"], ["sidebar", "sidebar-people"],
        ["sidebar", "sidebar-glossary"]]
    src = content.select_one(".sidebar-people img")["src"]
    assert re.fullmatch(r"https://example\.com/news/a/jane-90\.[0-9a-f]{10}\.jpg", src), src
    assert (site.out / src.removeprefix("https://example.com/news/")).is_file()


def test_boxes_come_back_from_the_cache_byte_for_byte(boxes_site, cli):
    site = boxes_site
    first = site.page("a/index.html")
    assert cli("build", "--content", site.content, "--out", site.out, "--force").code == 0   # warm
    (site.content / "a" / "index.md").write_text(article(body="Lede.\n\n**Why it matters:** Yes!\n"))
    assert cli("build", "--content", site.content, "--out", site.out).code == 0
    warm = site.page("a/index.html")
    assert cli("build", "--content", site.content, "--out", site.root / "cold", "--no-cache").code == 0
    assert warm == (site.root / "cold" / "a" / "index.html").read_text()
    assert first.count("<aside") == warm.count("<aside") == 5


@pytest.mark.parametrize("facts_yml, expected", [
    ("boxes:\n  - kind: timline\n    items: [{date: 2001, text: x}]\n",
     "content/a/facts.yml:2: unknown kind of box: 'timline' (did you mean 'timeline'?"),
    ("boxes:\n  - items: [{date: 2001, text: x}]\n",
     "content/a/facts.yml:2: a box needs a `kind` (the kinds: facts, timeline, numbers, people, glossary)"),
    ("boxes:\n  - kind: glossary\n    items:\n      - {term: T, defintion: D}\n",
     "content/a/facts.yml:4: unknown key 'defintion' in an item of a glossary box (did you mean 'definition'?)"),
    ("boxes:\n  - kind: timeline\n    items:\n      - {text: x}\n      - {date: yesterday, text: y}\n",
     "content/a/facts.yml:5: a timeline date must be a year, a month, a day or a time: 'yesterday'"),
    ("boxes:\n  - kind: people\n    items:\n      - name: Ann\n        image: nobody.jpg\n",
     "content/a/facts.yml:5: image not found: nobody.jpg"),
    ("boxes:\n  - kind: numbers\n", "content/a/facts.yml:2: a numbers box needs a list of items under `items:`"),
    ("title: T\nboxes:\n  - kind: facts\n    items: [{label: A, value: 1}]\n",
     "content/a/facts.yml:1: unknown key 'title' beside `boxes:` (with boxes, each box has its own kind"),
    ("boxes:\n  - kind: facts\n    title: [a]\n    items: [{label: A, value: 1}]\n",
     "content/a/facts.yml:3: title must be text, not a list"),
])
def test_mistakes_in_boxes_name_their_line(make_site, cli, facts_yml, expected):
    _, result = build(make_site, cli, {"a/index.md": article(), "a/facts.yml": facts_yml})
    assert result.code == 1
    assert expected in result.err, result.err
    assert "Traceback" not in result.err


def test_a_missing_date_is_at_its_item(make_site, cli):
    _, result = build(make_site, cli, {"a/index.md": article(), "a/facts.yml":
                                       "boxes:\n  - kind: timeline\n    items:\n      - {text: x}\n"})
    assert "content/a/facts.yml:4: missing date" in result.err, result.err


def test_a_broken_portrait_is_an_error_like_any_picture(make_site, cli):
    _, result = build(make_site, cli, {"a/index.md": article(), "a/p.jpg": b"\xff\xd8\xff\xe0 cut",
                                       "a/facts.yml": "boxes:\n  - kind: people\n    items:\n"
                                                      "      - {name: A, image: p.jpg}\n"})
    assert result.code == 1 and "content/a/facts.yml:4:" in result.err and "p.jpg" in result.err, result.err


def test_check_warns_about_a_timeline_out_of_order_and_numbers_without_sources(make_site, cli):
    site = make_site({"a/index.md": article(summary="S.", body="Lede.\n\n**Why it matters:** A.\n\n"
                                                                "**The big picture:** B.\n"),
                      "a/facts.yml": "boxes:\n  - kind: timeline\n    items:\n      - {date: 2001, text: a}\n"
                                     "      - {date: 2005, text: b}\n      - {date: 2003, text: c}\n"
                                     "  - kind: numbers\n    items:\n      - {value: 3, label: x}\n"
                                     "  - kind: facts\n    items:\n      - {label: A, value: 1, source: S}\n"
                                     "      - {label: a, value: 2, source: S}\n"
                                     "  - kind: facts\n    items:\n      - {label: A, value: 1, source: S}\n"})
    result = cli("check", "--content", site.content, "--format", "json")
    found = {(f["line"], f["rule"]) for f in json.loads(result.out)["findings"]}
    assert (6, "sidebars/timeline-order") in found
    assert (9, "facts/source") in found
    assert (13, "facts/duplicate") in found
    assert not any(line == 16 for line, _ in found), "a label may repeat in another box"
    assert sum(rule == "sidebars/timeline-order" for _, rule in found) == 1


def test_a_newest_first_timeline_is_in_order(make_site, cli):
    site = make_site({"a/index.md": article(), "a/facts.yml": "boxes:\n  - kind: timeline\n    items:\n"
                      "      - {date: 2005, text: a}\n      - {date: 2005, text: b}\n"
                      "      - {date: 2001-02, text: c}\n"})
    result = cli("check", "--content", site.content, "--format", "json")
    assert "sidebars/timeline-order" not in result.out


def test_check_follows_the_source_links_of_every_box(make_site, cli):
    site = make_site({"a/index.md": article(), "a/facts.yml": "boxes:\n  - kind: timeline\n    items:\n"
                      "      - date: 2001\n        text: a\n        source: {name: N, url: ../nowhere/}\n"})
    result = cli("check", "--content", site.content)
    assert "content/a/facts.yml:6: error: links/internal" in result.out, result.out


def test_the_new_explainer_skeleton_shows_boxes_that_build_when_uncommented(make_site, cli):
    site = make_site({})
    assert cli("new", "Boxes", "--content", site.content).code == 0
    facts = site.content / "boxes" / "facts.yml"
    text = facts.read_text()
    assert "# boxes:" in text
    example = "\n".join(line[2:] for line in text.splitlines() if line.startswith("# ") and
                        re.match(r"# (boxes:|  )", line))
    facts.write_text(example + "\n")
    (site.content / "boxes" / "jane-doe.jpg").write_bytes(
        (Path(__file__).parent.parent / "content" / "amazon-facial-recognition-moratorium" / "hero.jpg").read_bytes())
    result = cli("build", "--content", site.content, "--out", site.out, "--drafts")
    assert result.code == 0, result.err
    kinds = [a["class"][-1] for a in soup(site, "boxes/index.html").select(".sidebars > aside")]
    assert kinds == ["facts", "sidebar-timeline", "sidebar-numbers", "sidebar-people", "sidebar-glossary"]


# ---------------------------------------------------------------- in real tools (slow)

@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """A site with every kind of box, in English and Arabic, built once."""
    from conftest import photo
    from generator import cli
    root = tmp_path_factory.mktemp("boxes")
    content = root / "content"
    for rel, text in {"site.yml": "title: Boxes\nbase_url: https://example.com/\n",
                      "a/index.md": article(title="Every box", summary="All kinds.", body="Lede.\n\n"
                                            "**Why it matters:** " + "Words go here. " * 40 + "\n",
                                            image="{src: hero.png, alt: A hero, credit: Us}",
                                            updates="[{date: 2024-01-03, note: Fixed it., kind: correction}]"),
                      "a/facts.yml": BOXES,
                      "qamar/index.md": article(title="كل الصناديق", language="ar",
                                                body="مقدمة.\n\n**لماذا يهم:** نص.\n"),
                      "qamar/facts.yml": BOXES.replace("Jane Doe", "جين دو").replace("How we got here",
                                                                                    "كيف وصلنا")}.items():
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text(text)
    for folder in ("a", "qamar"):
        (content / folder / "jane.png").write_bytes(photo(90, 120, "PNG"))
    (content / "a" / "hero.png").write_bytes(photo(1200, 300, "PNG"))
    assert cli.main(["build", "--content", str(content), "--out", str(root / "site"), "--no-cache"]) == 0
    return root / "site"


@pytest.mark.slow
def test_boxes_pass_the_nu_checker(rendered):
    from test_theme import VNU_JAR, require
    java = require(shutil.which("java"), "java (a Java runtime)")
    proc = subprocess.run([java, "-jar", require(VNU_JAR, "vnu.jar"), "--format", "json", "--stdout",
                           "a/index.html", "qamar/index.html"], cwd=rendered, capture_output=True, text=True,
                          timeout=300)
    errors = [m["message"] for m in json.loads(proc.stdout)["messages"] if m["type"] == "error"]
    assert not errors, errors


@pytest.fixture(scope="module")
def chromium_page(rendered):
    import functools
    import http.server
    import threading

    from playwright.sync_api import sync_playwright

    from test_theme import CHROMIUM, CHROMIUM_ARGS, QuietHandler, require
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler,
                                                                                 directory=str(rendered)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=require(CHROMIUM, "Chromium"), headless=True,
                                             args=CHROMIUM_ARGS)

        def open_page(rel: str, width: int, scheme: str = "light"):
            context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{server.server_port}/{rel}")
            return page
        yield open_page
        browser.close()
    server.shutdown()
    server.server_close()


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_in_the_boxes(chromium_page, scheme):
    from test_theme import AXE_JS, AXE_TAGS, require
    axe = Path(require(AXE_JS, "axe.min.js")).read_text()
    found = []
    for rel in ("a/index.html", "qamar/index.html"):
        page = chromium_page(rel, 1280, scheme)
        page.add_script_tag(content=axe)
        result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
        found += [f"{rel}: {v['id']}: {[n['target'] for n in v['nodes'][:3]]}" for v in result["violations"]]
        page.context.close()
    assert not found, found


LAYOUT = """() => { const r = s => document.querySelector(s).getBoundingClientRect();
  return {lede: r('.lede'), text: r('.lede > p:last-child'), column: r('.sidebars'), sections: r('.sections'),
          people: r('.sidebar-people img'),
          scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth}; }"""


@pytest.mark.slow
@pytest.mark.parametrize("rel", ["a/index.html", "qamar/index.html"])
def test_boxes_sit_beside_the_article_on_wide_screens_and_after_the_lede_on_phones(chromium_page, rel):
    wide = chromium_page(rel, 1280).evaluate(LAYOUT)
    if rel.startswith("qamar"):
        assert wide["column"]["right"] <= wide["lede"]["left"], "beside the article, on its left in Arabic"
    else:
        assert wide["column"]["left"] >= wide["lede"]["right"], "beside the article"
    assert wide["column"]["top"] < wide["lede"]["bottom"]
    assert wide["sections"]["top"] - wide["text"]["bottom"] < 50, "a tall column leaves no gap in the article"
    assert wide["people"]["width"] <= 64 and wide["people"]["height"] <= 64, "portraits are small"
    for width in (320, 390):
        phone = chromium_page(rel, width).evaluate(LAYOUT)
        assert phone["scroll"] <= phone["width"], f"sideways scrolling at {width} px"
        assert phone["lede"]["bottom"] <= phone["column"]["top"] < phone["sections"]["top"]
