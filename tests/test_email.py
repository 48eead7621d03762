"""`explainer email SLUG`: the newsletter edition of an explainer. An email-safe HTML file (styles inline, a
table layout, absolute addresses, no script, within Gmail's 102 kB) and a plain-text one, both with the Smart
Brevity sections, the boxes and the link to the page; in the explainer's language and direction; theme
templates override them; mistakes are clean errors. The browser tests (slow) render the HTML in Chromium at
600 px, follow every link into the site built from the same content, and strip `<style>` as clients do."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from PIL import Image

from conftest import article, sample_copy

BASE = "https://example.com/news/"
SITE_YML = f"title: The Desk\nbase_url: {BASE}\ndescription: Explainers for the busy.\n"
LAUNCH = """---
title: Why the launch slipped
date: 2026-01-02T09:30
authors: [Ann Lee, Bo Li]
category: Space
summary: The launch moved a week, and the crew waits.
image: {src: hero.png, alt: The pad at dawn, caption: The pad., credit: "Photo: Agency"}
updates:
  - {date: 2026-01-03, note: An earlier version named the wrong pad., kind: correction}
---
The launch moved a week, and the crew waits. See [the other story](../other/).

**Why it matters:** Every delay costs money ([the budget](https://budget.example.org/2026)).

- one
- two

<script>alert("no")</script>

> "We fly when it is safe."
>
> — The flight director
{: .pullquote}

**The big picture:** Pads are busy.

https://www.youtube.com/watch?v=dQw4w9WgXcQ

![A chart of delays](chart.png)

**Go deeper:**

- [The agency's page](https://agency.example.org/launch)
- [Our earlier explainer](../other/)
"""
FACTS = """\
boxes:
  - kind: facts
    items:
      - {label: Pad, value: 39A, source: {name: Launch authority, url: "https://authority.example.org/39a"}}
  - kind: timeline
    items:
      - {date: 2025-12, text: The date is set}
      - {date: 2026-01-02, text: The launch slips, source: Agency}
  - kind: people
    items:
      - {name: Jane Doe, role: Flight director, image: jane.png}
"""


def newsroom(make_site, make_photo, **extra: str):
    files = {"site.yml": SITE_YML, "launch/index.md": LAUNCH, "launch/facts.yml": FACTS,
             "launch/hero.png": make_photo(1600, 900, "PNG"), "launch/chart.png": make_photo(800, 400, "PNG"),
             "launch/jane.png": make_photo(300, 400, "PNG"), "other.md": article("Other", summary="S.")}
    files.update(extra)
    return make_site(files)


@pytest.fixture
def launch(make_site, make_photo, cli):
    site = newsroom(make_site, make_photo)
    result = cli("email", "launch", "--content", site.content, cwd=site.root)
    assert result.code == 0, result.err
    html = (site.root / "launch.email.html").read_text()
    text = (site.root / "launch.email.txt").read_text()
    return site, html, text, result


def test_email_writes_the_html_and_the_text_beside_it(launch):
    site, html, _, result = launch
    assert html.startswith("<!doctype html>") and "Why the launch slipped" in html
    assert "launch.email.html" in result.out and "launch.email.txt" in result.out
    assert f"{BASE}launch/" in result.out
    assert not (site.root / "site").exists(), "email builds no site"


def test_every_address_is_absolute_and_nothing_runs(launch):
    _, html, _, _ = launch
    page = BeautifulSoup(html, "html.parser")
    addresses = [a["href"] for a in page.find_all("a")] + [img["src"] for img in page.find_all("img")]
    assert addresses and all(urlsplit(url).scheme in ("https", "mailto") for url in addresses), addresses
    assert f"{BASE}other/" in addresses
    assert not page.find_all(["picture", "source"]) and not page.find_all("img", srcset=True), "one plain file each"
    assert not page.find_all(["script", "iframe", "form", "object", "embed"])
    assert not any(name.startswith("on") for tag in page.find_all(True) for name in tag.attrs)
    assert "https://www.youtube.com/watch?v=dQw4w9WgXcQ" in addresses, "the embed is a link to its original"


def test_the_layout_is_tables_with_the_styles_inline(launch):
    _, html, _, _ = launch
    page = BeautifulSoup(html, "html.parser")
    assert page.find("table", role="presentation") is not None
    assert "max-width:600px" in page.select_one(".email-column")["style"]
    for selector in ("body", "td.email-main", "h1", "p", "a", "strong.axiom-label", ".email-box-cell", "dd"):
        element = page.select_one(selector)
        assert element is not None and element.get("style"), f"{selector} has no inline style"
    assert "font-weight:800" in page.select_one("strong.axiom-label")["style"]
    style = page.find("style").get_text()
    assert "prefers-color-scheme: dark" in style, "dark mode stays in <style>"
    assert not re.search(r"^\s*p\s*\{", style, re.MULTILINE), "inlined rules leave <style>"
    assert page.find("meta", attrs={"name": "color-scheme"})["content"] == "light dark"


def test_pictures_fit_the_column_and_portraits_are_small(launch):
    _, html, _, _ = launch
    page = BeautifulSoup(html, "html.parser")
    hero = page.select_one(".email-figure img")
    assert (hero["width"], hero["height"]) == ("552", "310")
    chart = page.find("img", alt="A chart of delays")
    assert (chart["width"], chart["height"]) == ("552", "276")
    portrait = page.select_one(".sidebar-people img")
    assert (portrait["width"], portrait["height"]) == ("48", "64")
    # Published files a mail client reads (JPEG or PNG), twice the column wide where the original has the
    # pixels (the 800 px chart is as wide as it gets); the portrait twice its 48 px.
    files = [re.fullmatch(rf"{BASE}launch/(\w+)-(\d+)\.[0-9a-f]{{10}}\.(jpg|png)", img["src"])
             for img in (hero, chart, portrait)]
    assert all(files), [img["src"] for img in (hero, chart, portrait)]
    assert [(m.group(1), m.group(2)) for m in files if m] == [("hero", "1200"), ("chart", "800"), ("jane", "96")]


def test_the_html_has_the_sections_the_boxes_and_the_correction(launch):
    _, html, _, _ = launch
    page = BeautifulSoup(html, "html.parser")
    assert [s["data-axiom-key"] for s in page.select(".section")] == ["why-it-matters", "the-big-picture",
                                                                    "go-deeper"]
    assert [t["class"][-1] for t in page.select("table.email-box")] == [
        "email-correction", "email-box-facts", "email-box-timeline", "email-box-people"]
    assert page.select_one(".lede").get_text(" ", strip=True).startswith("The launch moved a week")
    assert "An earlier version named the wrong pad." in page.select_one(".email-correction").get_text()
    assert page.select_one(".preheader").get_text() == "The launch moved a week, and the crew waits."
    assert page.select_one("a.email-button")["href"] == f"{BASE}launch/"


def test_the_text_has_every_label_box_and_address(launch):
    _, html, text, _ = launch
    for label in ("WHY IT MATTERS:", "THE BIG PICTURE:", "GO DEEPER:", "KEY FACTS", "TIMELINE", "KEY PEOPLE",
                  "CORRECTION:", "READ IT ON THE WEB:"):
        assert label in text, label
    links = BeautifulSoup(html, "html.parser").select(".lede a, .section a, .email-box a, .email-button")
    assert len(links) == 7
    for a in links:
        assert a["href"] in text, a["href"]
    assert "- Pad: 39A (Source: Launch authority <https://authority.example.org/39a>)" in text
    assert "- December 2025: The date is set" in text
    assert "- Jane Doe: Flight director" in text
    assert "the other story\n<https://example.com/news/other/>" in text or \
        "the other story <https://example.com/news/other/>" in text
    assert "<script" not in text and "alert" not in text
    assert all(len(line) <= 76 or "://" in line for line in text.splitlines()), "lines wrapped for mail"


@pytest.mark.parametrize("language, words, direction", [("es", "Ver en el navegador", "ltr"),
                                                        ("ar", "اعرض في المتصفح", "rtl")])
def test_the_email_speaks_the_explainers_language(make_site, make_photo, cli, language, words, direction):
    site = newsroom(make_site, make_photo, **{"launch/index.md": LAUNCH.replace(
        "category: Space", f"category: Space\nlanguage: {language}")})
    result = cli("email", "launch", "--content", site.content, "--out", site.root / "out.html", cwd=site.root)
    assert result.code == 0, result.err
    html, text = (site.root / "out.html").read_text(), (site.root / "out.txt").read_text()
    page = BeautifulSoup(html, "html.parser")
    assert (page.html["lang"], page.html["dir"]) == (language, direction)
    assert page.select_one("table.email-bg")["dir"] == direction, "Gmail keeps no <html> attributes"
    assert words in html and words in text
    assert f"text-align:{'right' if direction == 'rtl' else 'left'}" in page.select_one("td.email-main")["style"]


def test_a_theme_overrides_the_email_templates(make_site, make_photo, cli):
    site = newsroom(make_site, make_photo, **{
        "/themes/default/templates/email/explainer.txt": "Custom text: {{ explainer.title }}\n",
        "/themes/default/templates/email/style.css": "{% include 'default/email/style.css' %}\n"
                                                       "h1 { color: #123456; }\n"})
    result = cli("email", "launch", "--content", site.content, cwd=site.root)
    assert result.code == 0, result.err
    assert (site.root / "launch.email.txt").read_text() == "Custom text: Why the launch slipped\n"
    h1 = BeautifulSoup((site.root / "launch.email.html").read_text(), "html.parser").h1
    assert "color:#123456" in h1["style"]


def test_out_may_be_a_folder_and_text_a_file_of_its_own(make_site, make_photo, cli):
    site = newsroom(make_site, make_photo)
    (site.root / "letters").mkdir()
    result = cli("email", "launch", "--content", site.content, "--out", site.root / "letters",
                 "--text", site.root / "plain.txt", cwd=site.root)
    assert result.code == 0, result.err
    assert (site.root / "letters" / "launch.email.html").is_file() and (site.root / "plain.txt").is_file()
    result = cli("email", "launch", "--content", site.content, "--out", "new/", cwd=site.root)
    assert result.code == 0, result.err
    assert (site.root / "new" / "launch.email.html").is_file() and (site.root / "new" / "launch.email.txt").is_file()


def test_an_unknown_slug_says_which_one_was_meant(make_site, make_photo, cli):
    site = newsroom(make_site, make_photo)
    result = cli("email", "lanch", "--content", site.content, cwd=site.root)
    assert result.code == 1 and "no explainer named 'lanch'" in result.err and "did you mean 'launch'?" in result.err
    assert "Traceback" not in result.err and not list(site.root.glob("*.email.*"))


def test_an_email_needs_an_absolute_base_url(make_site, make_photo, cli):
    site = newsroom(make_site, make_photo, **{"site.yml": "title: The Desk\nbase_url: /news/\n"})
    result = cli("email", "launch", "--content", site.content, cwd=site.root)
    assert result.code == 1
    assert "content/site.yml:2: an email needs the site's public address, and base_url is '/news/'" in result.err
    assert "set base_url: https://" in result.err and not list(site.root.glob("*.email.*"))
    assert cli("email", "launch", "--content", site.content, "--base-url", BASE, cwd=site.root).code == 0


def test_drafts_and_scheduled_explainers_only_when_asked(make_site, make_photo, cli):
    site = newsroom(make_site, make_photo, **{"draft.md": article("Draft", draft="true"),
                                              "later.md": article("Later", date="2999-01-01")})
    draft = cli("email", "draft", "--content", site.content, cwd=site.root)
    assert draft.code == 1 and "'draft' is a draft (pass --drafts" in draft.err
    assert cli("email", "draft", "--content", site.content, "--drafts", cwd=site.root).code == 0
    later = cli("email", "later", "--content", site.content, cwd=site.root)
    assert later.code == 1 and "'later' is scheduled for 2999-01-01" in later.err and "--future" in later.err
    assert cli("email", "later", "--content", site.content, "--future", cwd=site.root).code == 0


def test_email_never_writes_into_the_site_or_the_content(make_site, make_photo, cli):
    site = newsroom(make_site, make_photo)
    for out in (site.root / "site" / "launch.html", site.content / "launch.html"):
        result = cli("email", "launch", "--content", site.content, "--out", out, cwd=site.root)
        assert result.code == 1 and "is inside the" in result.err
        assert not out.exists()


def test_gmail_clipping_is_a_warning(make_site, make_photo, cli):
    paragraph = "A sentence that goes on for a while, as long paragraphs in long explainers do. " * 6
    body = "Lede.\n\n**Why it matters:** " + "\n\n".join([paragraph] * 400) + "\n"
    site = newsroom(make_site, make_photo, **{"long.md": article("Long", body=body)})
    result = cli("email", "long", "--content", site.content, cwd=site.root)
    assert result.code == 0
    assert "warning:" in result.err and "Gmail clips a message after about 102,000 bytes" in result.err
    assert (site.root / "long.email.html").stat().st_size > 102_000


@pytest.mark.parametrize("slug", ["why-the-moon-has-phases", "what-is-a-leap-second",
                                  "amazon-facial-recognition-moratorium"])
def test_the_sample_explainers_fit_in_gmail(tmp_path, cli, slug):
    content = sample_copy(tmp_path)
    result = cli("email", slug, "--content", content, "--out", tmp_path / "e.html")
    assert result.code == 0, result.err
    assert (tmp_path / "e.html").stat().st_size <= 102_000


def test_converting_only_its_own_body_makes_the_same_email(make_site, make_photo):
    """email converts the Markdown of the explainer it shows and plans the pictures of no other: the same email
    as a full load and the whole site's images give."""
    from generator import content, edition
    from generator.config import load_config
    from generator.images.publish import plan_images
    from generator.newsletter import email_of
    from generator.render import themes
    from generator.render.mail import render_email
    from generator.selection import select
    site = newsroom(make_site, make_photo, **{"uno.md": article("Uno", language="es", translation_key="k"),
                                              "one.md": article("One", translation_key="k", category="Space")})
    config = load_config(site.content)
    explainers, tree = content.load_all(config)
    published = select(explainers, config).published
    images = plan_images(published, config)        # the whole site's pictures: the email plans only its own
    renderer = edition.prepare(config, themes.load(themes.resolve(config)), tree, published, images=images).renderer
    for slug in ("launch", "one"):
        full = render_email(renderer, next(e for e in published if e.slug == slug))
        assert email_of(config, slug) == full


# ---------------------------------------------------------------- the inliner and the text, piece by piece

def test_the_cascade_more_specific_then_later_then_the_elements_own():
    from generator.render.inline import inline_css
    doc = ("<html><head><style>p { color: red; margin: 0 } .a p { color: blue } p { margin: 4px }"
           " a:hover { color: green } @media (max-width: 600px) { p { color: pink } }</style></head>"
           "<body><div class='a'><p style='margin: 9px'>x</p></div><p>y</p></body></html>")
    out = BeautifulSoup(inline_css(doc, 552), "html.parser")
    first, second = out.find_all("p")
    assert first["style"] == "color:blue;margin:9px"
    assert second["style"] == "color:red;margin:4px"
    kept = out.style.get_text()
    assert "a:hover" in kept and "@media (max-width: 600px)" in kept and "margin: 0" not in kept


def test_html_to_text():
    from generator.render.plaintext import html_to_text
    html = ('<p><strong class="axiom-label">Go deeper:</strong></p><ul><li><a href="../x/">X</a></li>'
            '<li><a href="https://y.org/">https://y.org/</a></li></ul><blockquote><p>Q.</p><p>— W</p></blockquote>'
            '<ol><li>one</li><li>two</li></ol><p>a &amp; b<br>c</p>')
    assert html_to_text(html, "https://e.com/s/") == (
        "GO DEEPER:\n\n- X <https://e.com/x/>\n- https://y.org/\n\n> Q.\n>\n> — W\n\n1. one\n2. two\n\na & b\nc")


# ---------------------------------------------------------------- in Chromium (slow)

def _build_and_email(root: Path, content: Path, slugs: list[str]) -> dict[str, Path]:
    """The site built from `content` into root/site, and each slug's email in root/mail."""
    from generator import cli
    assert cli.main(["build", "--content", str(content), "--out", str(root / "site"), "--no-cache"]) == 0
    made = {}
    for slug in slugs:
        out = root / "mail" / f"{slug}.html"
        assert cli.main(["email", slug, "--content", str(content), "--out", str(out)]) == 0
        made[slug] = out
    return made


@pytest.fixture(scope="module")
def emails(tmp_path_factory):
    """Emails of the sample explainers, of the longest of 40 corpus explainers, of the newsroom's launch
    explainer and of its Arabic twin, each beside the site built from the same content."""
    from conftest import photo
    from test_images import tagged_photo
    made: dict[str, tuple[Path, Path, str]] = {}
    sample = tmp_path_factory.mktemp("sample")
    content = sample_copy(sample)
    slugs = ["why-the-moon-has-phases", "what-is-a-leap-second", "amazon-facial-recognition-moratorium"]
    for slug, path in _build_and_email(sample, content, slugs).items():
        made[slug] = (path, sample / "site", "https://example.com/")
    corpus = tmp_path_factory.mktemp("corpus")
    subprocess.run([sys.executable, "/work/shared/bench/corpus.py", "--n", "40", "--format", "explainer",
                    "--out", str(corpus)], check=True, capture_output=True)
    (corpus / "content" / "site.yml").write_text('title: "Explainers"\nbase_url: "https://news.example.org/"\n')
    longest = max((corpus / "content").glob("*/index.md"), key=lambda p: len(p.read_text().split())).parent.name
    made["corpus"] = (_build_and_email(corpus, corpus / "content", [longest])[longest], corpus / "site",
                      "https://news.example.org/")
    news = tmp_path_factory.mktemp("newsroom")
    files = {"site.yml": SITE_YML, "launch/index.md": LAUNCH, "launch/facts.yml": FACTS,
             "qamar/index.md": LAUNCH.replace("title: Why the launch slipped",
                                              "title: لماذا تأخر الإطلاق\nlanguage: ar")
             .replace("**Why it matters:**", "**لماذا يهم:**"), "qamar/facts.yml": FACTS,
             "other.md": article("Other", summary="S.")}
    for rel, text in files.items():
        (news / "content" / rel).parent.mkdir(parents=True, exist_ok=True)
        (news / "content" / rel).write_text(text)
    for folder in ("launch", "qamar"):
        for name, size in (("hero.png", (1600, 900)), ("chart.png", (800, 400)), ("jane.png", (300, 400))):
            (news / "content" / folder / name).write_bytes(photo(*size, "PNG"))
    # launch's hero and portrait are camera JPEGs as a newsroom gets them: photo-sized, with EXIF and GPS
    # (the site withholds such originals and publishes derivatives without them).
    launch = news / "content" / "launch"
    (launch / "index.md").write_text(LAUNCH.replace("src: hero.png", "src: hero.jpg"))
    (launch / "facts.yml").write_text(FACTS.replace("image: jane.png", "image: jane.jpg"))
    (launch / "hero.jpg").write_bytes(tagged_photo(3000, 2000))
    (launch / "jane.jpg").write_bytes(tagged_photo(600, 800, seed=2))
    for slug, path in _build_and_email(news, news / "content", ["launch", "qamar"]).items():
        made[slug] = (path, news / "site", BASE)
    return made


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    from test_theme import CHROMIUM, CHROMIUM_ARGS, require
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=require(CHROMIUM, "Chromium"), headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _open(chromium, path: Path, width: int, scheme: str = "light", strip_style: bool = False):
    context = chromium.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
    context.route("**/*", lambda route: route.abort() if not route.request.url.startswith("file:")
                  else route.continue_())      # an email's pictures live on the site: nothing leaves the machine
    page = context.new_page()
    html = path.read_text()
    if strip_style:
        html = re.sub(r"<style>.*?</style>", "", html, flags=re.DOTALL)
    stripped = path.with_name(path.stem + ("-nostyle" if strip_style else "-shown") + ".html")
    stripped.write_text(html)
    page.goto(stripped.as_uri())
    return page


EMAILS = ["why-the-moon-has-phases", "what-is-a-leap-second", "amazon-facial-recognition-moratorium", "corpus",
          "launch", "qamar"]


@pytest.mark.slow
@pytest.mark.parametrize("name", EMAILS)
def test_no_horizontal_overflow_at_600_px_and_on_a_phone(emails, chromium, name):
    path = emails[name][0]
    for width, scheme in ((600, "light"), (600, "dark"), (375, "light")):
        page = _open(chromium, path, width, scheme)
        scroll, inner, column = page.evaluate("""() => [document.documentElement.scrollWidth,
            document.documentElement.clientWidth,
            document.querySelector('.email-column').getBoundingClientRect().width]""")
        page.context.close()
        assert scroll <= inner, f"{name} at {width} px ({scheme}): {scroll} > {inner}"
        assert column <= 600


@pytest.mark.slow
@pytest.mark.parametrize("name", EMAILS)
def test_every_link_is_absolute_and_resolves_in_the_built_site(emails, name):
    path, site, base = emails[name]
    assert path.stat().st_size <= 102_000, f"{name}: {path.stat().st_size:,} bytes, Gmail would clip it"
    page = BeautifulSoup(path.read_text(), "html.parser")
    assert not page.find_all("script")
    internal = 0
    for url in [a["href"] for a in page.find_all("a")] + [i["src"] for i in page.find_all("img")]:
        parts = urlsplit(url)
        assert parts.scheme in ("https", "http", "mailto") and (parts.netloc or parts.scheme == "mailto"), url
        if url.startswith(base):
            internal += 1
            rel = url[len(base):].split("#")[0]
            target = site / rel / "index.html" if rel.endswith("/") or not rel else site / rel
            assert target.is_file(), f"{name}: {url} is no file of the built site"
    assert internal >= 2, "the page and the site's home at least"
    for img in page.find_all("img"):             # what a mail client can show: a JPEG, PNG or GIF, no EXIF
        with Image.open(site / img["src"][len(base):]) as picture:
            assert picture.format in ("JPEG", "PNG", "GIF"), f"{name}: {img['src']} is {picture.format}"
            assert not dict(picture.getexif()), f"{name}: {img['src']} keeps EXIF"


@pytest.mark.slow
def test_a_camera_photo_is_emailed_as_a_published_derivative(emails):
    """A photo-sized camera JPEG as the hero and as a portrait: the email names derivatives of the built site
    (the originals are withheld), the hero's at least twice the 600 px column wide, the portrait's small."""
    path, site, base = emails["launch"]
    page = BeautifulSoup(path.read_text(), "html.parser")
    assert not (site / "launch" / "hero.jpg").exists() and not (site / "launch" / "jane.jpg").exists()
    hero, portrait = page.select_one(".email-figure img"), page.select_one(".sidebar-people img")
    assert (hero["width"], hero["height"]) == ("552", "368")
    with Image.open(site / hero["src"][len(base):]) as picture:
        assert picture.format == "JPEG" and picture.size == (1200, 800)
    with Image.open(site / portrait["src"][len(base):]) as picture:
        assert picture.format == "JPEG" and picture.size == (96, 128)
    shown = BeautifulSoup((site / "launch" / "index.html").read_text(), "html.parser")
    assert portrait["src"].removeprefix(f"{base}launch/") in shown.select_one(".sidebar-people img")["srcset"], \
        "the page's portrait and the email's are the same published files"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["launch", "qamar", "corpus"])
def test_the_key_styles_survive_a_client_that_strips_style(emails, chromium, name):
    page = _open(chromium, emails[name][0], 600, strip_style=True)
    found = page.evaluate("""() => { const s = q => getComputedStyle(document.querySelector(q));
        return {label: s('strong.axiom-label').fontWeight, h1: s('h1').fontSize, main: s('td.email-main').fontSize,
                card: s('.email-card').backgroundColor, body: s('body').backgroundColor,
                column: document.querySelector('.email-column').getBoundingClientRect().width,
                scroll: document.documentElement.scrollWidth, inner: document.documentElement.clientWidth}; }""")
    page.context.close()
    assert int(found["label"]) >= 700 and found["h1"] == "30px" and found["main"] == "17px"
    assert found["card"] == "rgb(255, 255, 255)" and found["body"] == "rgb(243, 245, 247)"
    assert found["column"] <= 600 and found["scroll"] <= found["inner"]


@pytest.mark.slow
def test_dark_mode_where_clients_support_it(emails, chromium):
    page = _open(chromium, emails["launch"][0], 600, "dark")
    card, text = page.evaluate("""() => [getComputedStyle(document.querySelector('.email-card')).backgroundColor,
        getComputedStyle(document.querySelector('td.email-main')).color]""")
    page.context.close()
    assert card == "rgb(28, 32, 38)" and text == "rgb(236, 239, 243)"


@pytest.mark.slow
def test_an_arabic_email_runs_right_to_left(emails, chromium):
    page = _open(chromium, emails["qamar"][0], 600)
    found = page.evaluate("""() => ({dir: document.documentElement.dir, table: document.querySelector('.email-bg').dir,
        direction: getComputedStyle(document.querySelector('td.email-main p')).direction,
        align: getComputedStyle(document.querySelector('td.email-main')).textAlign})""")
    page.context.close()
    assert found == {"dir": "rtl", "table": "rtl", "direction": "rtl", "align": "right"}
    text = emails["qamar"][0].with_suffix(".txt").read_text()
    assert "لماذا يهم:" in text and "اقرأه على الموقع" in text

