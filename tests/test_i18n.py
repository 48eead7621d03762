"""Every desk's language: the theme's catalogs, pages in their explainer's language, Smart Brevity labels in
other languages, translations linked with hreflang, a front page and feed per language.

Fast tests build a multilingual site (an English–Spanish translation pair, Arabic, French and Swahili, which
has no catalog) and read the pages parsed. Slow tests run the Nu HTML Checker, axe-core and Chromium over the
Arabic page (light and dark, 320 px) and take a 390 px screenshot of it.
"""
from __future__ import annotations

import configparser
import contextlib
import functools
import http.server
import io
import json
import re
import shutil
import subprocess
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

from conftest import REPO
from test_theme import AXE_JS, AXE_TAGS, CHROMIUM, CHROMIUM_ARGS, SETUP_HINT, VNU_JAR, QuietHandler, Visit, require

SHIPPED = ("en", "es", "fr", "de", "it", "pt", "nl", "ar", "he", "fa", "ur", "tr", "ru", "uk", "pl", "zh", "ja", "hi")
LOCALES = REPO / "themes" / "default" / "locales"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")

SITE = {
    "site.yml": "title: The Desk\nbase_url: https://example.com/news/\ndescription: Explainers from the desk.\n"
                "author: The Desk\n",
    "rates.md": """---
title: Why rates went up
date: 2023-11-02
category: Economy
tags: [rates]
authors: [Ann Lee, Bo Chen]
translation_key: rates-2023
summary: Rates went up.
facts:
  - {label: Rate, value: "5%", source: {name: Central bank}}
---
Lede about rates.

**Why it matters:** Money.

**The big picture:** Inflation.
""",
    "tasas.md": """---
title: Por qué subieron las tasas
date: 2023-11-03
language: es
category: Economy
tags: [tasas]
authors: [Ana López]
translation_key: rates-2023
summary: Las tasas subieron.
updates:
  - {date: 2023-11-04, note: Corregido el dato.}
facts:
  - {label: Tasa, value: "5%", source: {name: Banco central}}
---
Entrada sobre las tasas.

**Por qué importa:** Dinero.

**El panorama:** Inflación.

**Qué sigue:** Más datos.

**Profundiza:** Lecturas.
""",
    "qamar/index.md": """---
title: لماذا يتغير شكل القمر كل ليلة
date: 2023-11-02
updated: 2023-11-05
language: ar
category: علوم
tags: [القمر, NASA]
authors: [John Smith, ليلى حسن]
summary: يدور القمر حول الأرض فنرى أجزاء مختلفة من وجهه المضاء.
facts:
  - {label: المسافة, value: "384400 كم", source: {name: NASA, url: "https://science.nasa.gov/moon/"}}
  - {label: الدورة, value: "29.5 يومًا", source: {name: Royal Observatory Greenwich}}
updates:
  - {date: 2023-11-05, note: أضفنا مصدرًا.}
---
يتغير شكل القمر لأننا نرى أجزاء مختلفة من نصفه المضاء بالشمس أثناء دورانه حول الأرض.

**لماذا يهم:** المد والجزر والتقويمات مرتبطة بالقمر.

**الصورة الكبيرة:** القمر يدور حول الأرض مرة كل شهر تقريبًا.

**ما يقولونه:** يقول علماء NASA إن الظاهرة بسيطة.

**ما التالي:** مهمة Artemis II في 2025.
""",
    "lune.md": """---
title: Les phases de la Lune
date: 2023-11-01
language: fr
summary: La Lune tourne.
---
La Lune.

**Pourquoi c'est important :** Les marées.

**Vue d'ensemble\u00a0:** Un mois.
""",
    "mwezi.md": "---\ntitle: Mwezi\ndate: 2023-10-30\nlanguage: sw\nsummary: Mwezi.\ntags: [bahari]\n"
                "facts: [{label: Umbali, value: 384400 km, source: NASA}]\n---\nMwezi.\n\n"
                "**Why it matters:** Bahari.\n",
}


def build(content: Path, out: Path, *extra: str) -> tuple[int, str]:
    """`explainer build` in this process; (exit status, what it printed on stderr)."""
    from generator import cli
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["build", "--content", str(content), "--out", str(out), "--no-cache",
                         *extra])
    return code, err.getvalue()


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def multilingual(tmp_path_factory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("multilingual")
    code, printed = build(write(root / "content", SITE), root / "site")
    assert code == 0, printed
    return root / "site", printed


def page(site: Path, rel: str) -> BeautifulSoup:
    return BeautifulSoup((site / rel).read_text(encoding="utf-8"), "html.parser")


# ---------------------------------------------------------------- the catalogs

def theme_messages() -> dict[str, tuple[str, ...]]:
    """msgid → (singular, plural?) of every string in the default theme, found by Babel's extractors as the
    mapping in babel.cfg says (the same command docs/theme.md tells a developer to run)."""
    config = configparser.ConfigParser()
    config.read(REPO / "babel.cfg", encoding="utf-8")
    found: dict[str, tuple[str, ...]] = {}
    for section in config.sections():
        method, pattern = (part.strip() for part in section.split(":", 1))
        options = dict(config.items(section))
        for path in sorted(REPO.glob(pattern.replace("**.", "**/*."))):
            for _, message, _, _ in extract_from_file(method, str(path), options=options):
                ids = (message,) if isinstance(message, str) else tuple(m for m in message if m)
                if ids:          # gettext(variable) in Python is a call, not a message
                    found[ids[0]] = ids
    return found


def read_catalog(language: str):
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def test_the_extractor_finds_the_theme_strings():
    messages = theme_messages()
    for expected in ("Skip to content", "Key facts", "Source: %(source)s", "%(words)s word",
                     "Link to this section: %(label)s", "Page not found", "%(site)s: every tag."):
        assert expected in messages, expected
    assert messages["%(words)s word"] == ("%(words)s word", "%(words)s words")


@pytest.mark.parametrize("language", SHIPPED)
def test_each_shipped_catalog_has_every_theme_string_and_no_stale_one(language):
    """Later features cannot add an untranslated string silently: this fails until every catalog has it."""
    messages = theme_messages()
    catalog = read_catalog(language)
    ids = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}
    assert sorted(set(messages) - set(ids)) == [], f"{language}: missing (run pybabel update, then translate)"
    assert sorted(set(ids) - set(messages)) == [], f"{language}: stale (no template uses them any more)"
    plurals = get_plural(language).num_plurals
    for msgid, message in ids.items():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(s.strip() for s in strings) and not message.fuzzy, f"{language}: {msgid!r} is not translated"
        if len(messages[msgid]) == 2:
            assert len(strings) == plurals, f"{language}: {msgid!r} needs {plurals} plural forms"
        else:
            assert set(PLACEHOLDER.findall(strings[0])) == set(PLACEHOLDER.findall(msgid)), (language, msgid)
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) <= set(PLACEHOLDER.findall(" ".join(messages[msgid]))), text
            if language != "en" and re.search(r"[A-Za-z]{2}", PLACEHOLDER.sub("", msgid)):
                assert text not in messages[msgid], f"{language}: {msgid!r} is still English"


def words_in(language: str, count: int) -> str:
    from generator.render import i18n
    interface = i18n.load([REPO / "themes" / "default"], [language], "en")
    return interface.page(language).ngettext("%(words)s word", "%(words)s words", count, words=count)


def test_plurals_follow_cldr_rules_arabic_has_six_forms():
    forms = [words_in("ar", n) for n in (0, 1, 2, 3, 11, 100)]
    assert forms == ["لا كلمات", "كلمة واحدة", "كلمتان", "3 كلمات", "11 كلمةً", "100 كلمة"]
    assert words_in("ar", 103) == "103 كلمات" and words_in("ar", 111) == "111 كلمةً"


@pytest.mark.parametrize("language, expected", [
    ("ru", {1: "1 слово", 2: "2 слова", 5: "5 слов", 11: "11 слов", 21: "21 слово", 22: "22 слова", 25: "25 слов"}),
    ("uk", {1: "1 слово", 3: "3 слова", 7: "7 слів", 12: "12 слів", 31: "31 слово", 44: "44 слова"}),
    ("pl", {1: "1 słowo", 2: "2 słowa", 5: "5 słów", 12: "12 słów", 22: "22 słowa", 21: "21 słów"}),
    ("he", {1: "מילה אחת", 2: "שתי מילים", 3: "3 מילים"}),
    ("fr", {0: "0 mot", 1: "1 mot", 2: "2 mots", 1_000_000: "1000000 de mots"}),
    ("en", {1: "1 word", 2: "2 words", 0: "0 words"}),
])
def test_plurals_in_three_form_languages(language, expected):
    assert {n: words_in(language, n) for n in expected} == expected


# ---------------------------------------------------------------- pages in their own language

def english_fragments() -> dict[str, re.Pattern]:
    """The English words of every theme string (placeholders cut out), as whole-word patterns."""
    fragments = set()
    for ids in theme_messages().values():
        for text in ids:
            for part in PLACEHOLDER.split(text)[::2]:
                part = part.strip(" :.“”")
                if re.search(r"[A-Za-z]{2}", part):
                    fragments.add(part)
    return {f: re.compile(rf"(?<![\w-]){re.escape(f)}(?![\w-])") for f in sorted(fragments)}


def interface_text(soup: BeautifulSoup) -> str:
    """What a reader (or a screen reader) gets of the page in its own language: text and aria-labels, without
    the parts marked as another language (the site's name and description, links named in their language)."""
    language = soup.html["lang"]
    for other in soup.find_all(attrs={"lang": True}):
        if other is not soup.html and other["lang"] != language:
            other.decompose()
    labels = " ".join(tag["aria-label"] for tag in soup.find_all(attrs={"aria-label": True}))
    return soup.body.get_text(" ") + " " + labels + " " + soup.title.get_text()


@pytest.mark.parametrize("rel", ["tasas/index.html", "qamar/index.html", "lune/index.html", "es/index.html",
                                 "ar/index.html", "fr/index.html"])
def test_no_english_interface_string_on_a_non_english_page(multilingual, rel):
    site, _ = multilingual
    text = interface_text(page(site, rel))
    left = [words for words, pattern in english_fragments().items() if pattern.search(text)]
    assert not left, f"{rel}: English left: {left}"


def test_the_english_fragments_would_be_found(multilingual):
    """The check above can fail: the same words are found on the English page and on the Swahili one (whose
    language has no catalog, so the interface falls back to English)."""
    site, _ = multilingual
    for rel in ("rates/index.html", "mwezi/index.html"):
        text = interface_text(page(site, rel))
        found = {words for words, pattern in english_fragments().items() if pattern.search(text)}
        assert {"Skip to content", "Key facts", "Source", "By", "min read", "words", "Tags"} <= found, (rel, found)


def test_a_language_without_a_catalog_falls_back_to_english_with_one_warning(multilingual):
    site, printed = multilingual
    warnings = [line for line in printed.splitlines() if "no interface catalog" in line]
    assert len(warnings) == 1 and "'sw'" in warnings[0] and "Kiswahili" in warnings[0], printed
    swahili = page(site, "mwezi/index.html")
    assert swahili.html["lang"] == "sw" and swahili.select_one(".skip-link").get_text() == "Skip to content"
    assert swahili.select_one(".byline time").get_text() == "30 Oktoba 2023"    # Babel still has its dates


def test_dates_and_numbers_in_the_explainers_language(multilingual):
    site, _ = multilingual
    assert [t.get_text() for t in page(site, "tasas/index.html").select(".byline time")] == \
        ["3 de noviembre de 2023", "4 de noviembre de 2023"]
    arabic = page(site, "qamar/index.html")
    assert [t.get_text() for t in arabic.select(".byline time")] == ["2 نوفمبر 2023", "5 نوفمبر 2023"]
    assert arabic.select_one(".updates time").get_text() == "5 نوفمبر 2023"
    assert page(site, "lune/index.html").select_one(".byline time").get_text() == "1 novembre 2023"
    assert page(site, "rates/index.html").select_one(".byline time").get_text() == "November 2, 2023"
    reading = arabic.select_one(".byline .reading").get_text()
    assert re.fullmatch(r"دقيقة واحدة للقراءة · \d+ كلمةً", reading), reading


def test_names_are_isolated_and_lists_joined_in_the_pages_language(multilingual):
    site, _ = multilingual
    authors = page(site, "qamar/index.html").select_one(".byline .authors")
    assert [b.get_text() for b in authors.find_all("bdi")] == ["John Smith", "ليلى حسن"]
    assert authors.get_text() == "بقلم John Smith وليلى حسن"
    assert page(site, "rates/index.html").select_one(".authors").get_text() == "By Ann Lee and Bo Chen"
    source = page(site, "qamar/index.html").select_one(".facts .source")
    assert source.get_text().startswith("المصدر: ") and source.bdi.a["href"] == "https://science.nasa.gov/moon/"


def test_site_name_and_description_keep_the_site_language_on_other_pages(multilingual):
    site, _ = multilingual
    arabic = page(site, "qamar/index.html")
    assert (arabic.select_one(".site-title")["lang"], arabic.select_one(".site-title")["dir"]) == ("en", "ltr")
    footer = arabic.select_one(".site-footer > .wrap > p")
    assert footer["lang"] == "en" and footer.get_text() == "The Desk: Explainers from the desk."
    english = page(site, "rates/index.html")
    assert not english.select_one(".site-title").has_attr("lang")


def test_labels_in_other_languages_start_sections_with_the_english_key(multilingual):
    site, _ = multilingual
    spanish = page(site, "tasas/index.html").select("section[data-axiom]")
    assert [(s["data-axiom"], s["data-axiom-key"]) for s in spanish] == [
        ("por-qué-importa", "why-it-matters"), ("el-panorama", "the-big-picture"),
        ("qué-sigue", "whats-next"), ("profundiza", "go-deeper")]
    arabic = page(site, "qamar/index.html").select("section[data-axiom]")
    assert [s["data-axiom-key"] for s in arabic] == ["why-it-matters", "the-big-picture", "what-theyre-saying",
                                                     "whats-next"]
    french = page(site, "lune/index.html").select("section[data-axiom]")
    assert [s["data-axiom-key"] for s in french] == ["why-it-matters", "the-big-picture"]
    link = spanish[0].find("a", class_="permalink")
    assert link["aria-label"] == "Enlace a esta sección: Por qué importa"
    english = page(site, "rates/index.html").select("section[data-axiom]")
    assert [(s["data-axiom"], s["data-axiom-key"]) for s in english] == [
        ("why-it-matters", "why-it-matters"), ("the-big-picture", "the-big-picture")]


def test_every_translated_label_maps_to_one_key_and_every_shipped_language_has_labels():
    from generator.markdown import axioms
    table = axioms.vocabulary()
    for key, by_language in axioms.TRANSLATIONS.items():
        assert set(by_language) == set(SHIPPED) - {"en"}, key
        for labels in by_language.values():
            assert all(table[axioms.normalise_label(label)] == key for label in labels), (key, labels)


def test_speakable_and_json_ld_use_the_key_and_the_language(multilingual):
    site, _ = multilingual
    data = json.loads(page(site, "qamar/index.html").find("script", type="application/ld+json").string)
    assert data["inLanguage"] == "ar"
    assert data["speakable"]["cssSelector"] == [".lede", 'section[data-axiom-key="the-big-picture"]']


def hreflang(soup: BeautifulSoup) -> dict[str, str]:
    return {link["hreflang"]: link["href"] for link in soup.find_all("link", rel="alternate", hreflang=True)}


def test_translations_carry_reciprocal_hreflang_and_a_visible_link_named_in_its_language(multilingual):
    site, _ = multilingual
    expected = {"en": "https://example.com/news/rates/", "es": "https://example.com/news/tasas/",
                "x-default": "https://example.com/news/rates/"}
    english, spanish = page(site, "rates/index.html"), page(site, "tasas/index.html")
    assert hreflang(english) == expected and hreflang(spanish) == expected
    assert not hreflang(page(site, "qamar/index.html"))          # no translations: no alternates
    link = english.select_one("nav.translations a")
    assert (link.get_text(), link["href"], link["lang"], link["hreflang"]) == ("Español", "../tasas/", "es", "es")
    assert english.select_one("nav.translations p").get_text() == "Also in: Español"
    assert spanish.select_one("nav.translations p").get_text() == "También en: English"
    assert english.find("meta", property="og:locale")["content"] == "en_US"
    assert spanish.find("meta", property="og:locale")["content"] == "es_ES"
    assert spanish.find("meta", property="og:locale:alternate")["content"] == "en_US"


def test_the_sitemap_carries_the_same_alternates(multilingual):
    site, _ = multilingual
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    tree = ET.parse(site / "sitemap.xml")
    alternates = {url.findtext("s:loc", namespaces=ns): {link.get("hreflang"): link.get("href")
                                                         for link in url.findall("x:link", ns)}
                  for url in tree.getroot().findall("s:url", ns)}
    pair = alternates["https://example.com/news/rates/"]
    assert pair == alternates["https://example.com/news/tasas/"] == hreflang(page(site, "rates/index.html"))
    assert alternates["https://example.com/news/qamar/"] == {}
    assert alternates["https://example.com/news/es/"]["x-default"] == "https://example.com/news/"


def test_a_front_page_and_a_feed_per_language(multilingual):
    site, _ = multilingual
    spanish = page(site, "es/index.html")
    assert (spanish.html["lang"], spanish.html["dir"]) == ("es", "ltr")
    assert [a["href"] for a in spanish.select(".cards h2 a")] == ["../tasas/"]
    arabic = page(site, "ar/index.html")
    assert (arabic.html["lang"], arabic.html["dir"]) == ("ar", "rtl")
    assert [a["href"] for a in arabic.select(".cards h2 a")] == ["../qamar/"]
    assert arabic.select_one(".cards time").get_text() == "2 نوفمبر 2023"
    feed = ET.parse(site / "es" / "feed.xml").getroot()
    atom = "{http://www.w3.org/2005/Atom}"
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "es"
    assert [e.findtext(f"{atom}title") for e in feed.findall(f"{atom}entry")] == ["Por qué subieron las tasas"]
    assert feed.findtext(f"{atom}title") == "The Desk (Español)"
    assert ET.parse(site / "feed.xml").getroot().get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert (site / "fr" / "feed.xml").is_file() and (site / "en" / "index.html").is_file()
    # Pages in a language lead back to its front page; its feed is announced.
    tasas = page(site, "tasas/index.html")
    assert tasas.select_one(".site-title")["href"] == "../es/"
    assert "../es/feed.xml" in [a["href"] for a in tasas.find_all("link", type="application/atom+xml")]
    assert page(site, "rates/index.html").select_one(".site-title")["href"] == "../"


def test_the_root_front_page_and_term_pages_list_every_language_each_marked(multilingual):
    site, _ = multilingual
    home = page(site, "index.html")
    cards = {card.h2.a["href"]: card for card in home.select(".cards .card")}
    assert set(cards) == {"./rates/", "./tasas/", "./qamar/", "./lune/", "./mwezi/"}
    assert (cards["./qamar/"]["lang"], cards["./qamar/"]["dir"]) == ("ar", "rtl")
    assert cards["./qamar/"].select_one(".language").get_text() == "العربية"
    assert not cards["./rates/"].has_attr("lang") and not cards["./rates/"].select_one(".language")
    economy = {card.h2.a["href"]: card for card in page(site, "category/economy/index.html").select(".card")}
    assert set(economy) == {"../../rates/", "../../tasas/"}
    assert economy["../../tasas/"]["lang"] == "es" and economy["../../tasas/"].select_one(".language")
    assert economy["../../tasas/"].time.get_text() == "3 de noviembre de 2023"
    languages = [a["href"] for a in home.select("nav.languages a")]
    assert languages == ["./en/", "./ar/", "./es/", "./fr/", "./sw/"]


def test_right_to_left_social_cards_still_drawn_with_the_date_in_their_language(multilingual):
    from PIL import Image

    from generator.config import load_config
    from generator.content import load_all
    from generator.images.cards import card_text
    site, _ = multilingual
    with Image.open(site / "qamar" / "social-card.png") as card:
        assert card.size == (1200, 630)
    config = load_config(site.parent / "content")
    explainers = {e.slug: e for e in load_all(config)[0]}
    text = card_text(explainers["qamar"], config)
    assert (text.date, text.rtl) == ("2 نوفمبر 2023", True)
    assert card_text(explainers["rates"], config).date == "November 2, 2023"


def test_a_monolingual_site_has_no_language_folders_and_no_alternates(built_sample):
    assert not any((built_sample / name).exists() for name in ("en", "es"))
    html = (built_sample / "index.html").read_text(encoding="utf-8")
    assert "hreflang" not in html and "xhtml" not in (built_sample / "sitemap.xml").read_text(encoding="utf-8")


# ---------------------------------------------------------------- mistakes and overrides

def test_an_unknown_language_is_an_error_at_its_line_with_a_did_you_mean(make_site, cli):
    site = make_site({"a.md": "---\ntitle: A\ndate: 2024-01-02\nlanguage: spanish\n---\nText.\n",
                      "b.md": "---\ntitle: B\ndate: 2024-01-02\nlanguage: pt-BX\n---\nText.\n"})
    result = cli("build", cwd=site.root)
    assert result.code == 1 and "Traceback" not in result.err
    assert "content/a.md:4: unknown language 'spanish' (did you mean 'es'?" in result.err
    assert "content/b.md:4: unknown language 'pt-BX' (did you mean 'pt-BR'?" in result.err
    site.write("a.md", "---\ntitle: A\ndate: 2024-01-02\nlanguage: pt-br\n---\nText.\n")
    site.write("b.md", "---\ntitle: B\ndate: 2024-01-02\n---\nText.\n")
    site.write("site.yml", "title: T\nlanguage: Arabic\n")
    result = cli("build", cwd=site.root)
    assert result.code == 1 and "content/site.yml:2: unknown language 'Arabic' (did you mean 'ar'?" in result.err
    site.write("site.yml", "title: T\n")
    cli("build", check=True, cwd=site.root)
    assert '<html lang="pt-BR" dir="ltr">' in site.page("a/index.html")
    assert "Pular para o conteúdo" in site.page("a/index.html")      # pt-BR is served by the pt catalog


def test_a_slug_that_is_a_language_folder_is_an_error_on_a_multilingual_site(make_site, cli):
    site = make_site({"es.md": "---\ntitle: A\ndate: 2024-01-02\n---\nText.\n",
                      "b.md": "---\ntitle: B\ndate: 2024-01-02\nlanguage: es\n---\nTexto.\n"})
    result = cli("build", cwd=site.root)
    assert result.code == 1
    assert "content/es.md: 'es' cannot be an explainer's URL on this site: it is the folder of the es front page" \
        in result.err
    site.write("b.md", "---\ntitle: B\ndate: 2024-01-02\n---\nText.\n")
    cli("build", check=True, cwd=site.root)          # one language: no folders, so `es` is a fine slug


def test_a_site_overrides_one_string_without_copying_a_catalog(make_site, cli):
    site = make_site({"a.md": "---\ntitle: A\ndate: 2024-01-02\nlanguage: es\nfacts: [{label: X, value: Y}]\n"
                              "---\nTexto.\n"})
    site.write("/themes/default/locales/es/LC_MESSAGES/messages.po",
               'msgid ""\nmsgstr ""\n"Language: es\\n"\n\nmsgid "Key facts"\nmsgstr "Lo esencial"\n')
    site.write("/themes/default/locales/en/LC_MESSAGES/messages.po",
               'msgid "Skip to content"\nmsgstr "Skip to the story"\n')
    cli("build", check=True, cwd=site.root)
    spanish = BeautifulSoup(site.page("a/index.html"), "html.parser")
    assert spanish.select_one("#facts-title").get_text() == "Lo esencial"
    assert spanish.select_one(".skip-link").get_text() == "Saltar al contenido"   # the rest from the theme
    assert "Skip to the story" in site.page("404.html")


def test_catalogs_compiled_in_the_cache_give_the_same_pages_until_a_po_file_changes(make_site, cli):
    """A build keeps each language's merged catalog compiled in .explainer-cache/catalogs/; a later build
    renders from it the bytes Babel's .po reading gives, compiles again what is damaged, and an edited .po."""
    spanish = "---\ntitle: A\ndate: 2024-01-02\nlanguage: es\nfacts: [{label: X, value: Y}]\n---\nTexto.\n"
    site = make_site({"a.md": spanish, "b.md": "---\ntitle: B\ndate: 2024-01-03\n---\nText.\n"})
    override = "/themes/default/locales/es/LC_MESSAGES/messages.po"
    site.write(override, 'msgid "Key facts"\nmsgstr "Lo esencial"\n')
    cli("build", check=True, cwd=site.root)
    compiled = site.root / ".explainer-cache" / "catalogs"
    names = sorted(path.name for path in compiled.glob("*.mo"))
    assert [name.split("-")[0] for name in names] == ["en", "es"]     # es: the site's over the theme's

    def rebuilt(text: str) -> BeautifulSoup:
        """Page a rendered again (its text edited), from the compiled catalogs, then by Babel (no cache)."""
        site.write("a.md", spanish.replace("Texto.", text))
        cli("build", check=True, cwd=site.root)
        cli("build", "--no-cache", "--out", "babel", check=True, cwd=site.root)
        page = site.page("a/index.html")
        assert text in page and page == (site.root / "babel" / "a" / "index.html").read_text(encoding="utf-8")
        return BeautifulSoup(page, "html.parser")

    assert rebuilt("Otra vez.").select_one("#facts-title").get_text() == "Lo esencial"
    for path in compiled.glob("*.mo"):
        path.write_bytes(b"not a catalog\n" + path.read_bytes()[40:])
    assert rebuilt("Una vez mas.").select_one("#facts-title").get_text() == "Lo esencial"
    assert all(not path.read_bytes().startswith(b"not a catalog") for path in compiled.glob("*.mo"))
    site.write(override, 'msgid "Key facts"\nmsgstr "Datos clave"\n')   # as long as before
    assert rebuilt("Y otra.").select_one("#facts-title").get_text() == "Datos clave"
    now = sorted(path.name for path in compiled.glob("*.mo"))
    assert len(now) == 2 and now[0] == names[0] and now[1].startswith("es-") and now[1] != names[1]   # replaced


def test_a_broken_catalog_is_an_error_at_its_line(make_site, cli):
    site = make_site({"a.md": "---\ntitle: A\ndate: 2024-01-02\nlanguage: es\n---\nTexto.\n"})
    site.write("/themes/default/locales/es/LC_MESSAGES/messages.po",
               'msgid "Key facts"\nmsgstr "Lo esencial"\n\nmsgid "Source: %(source)s"\nmsgstr "Fuente: %(fuente)s"\n')
    result = cli("build", cwd=site.root)
    assert result.code == 1 and "Traceback" not in result.err
    assert "themes/default/locales/es/LC_MESSAGES/messages.po:4: the translation of 'Source: %(source)s'" \
        in result.err


def test_check_reports_a_lonely_key_and_two_translations_in_one_language(make_site):
    from generator.check.site import check_site
    from generator.config import load_config
    site = make_site({
        "a.md": "---\ntitle: A\ndate: 2024-01-02\ntranslation_key: alone\n---\nText.\n",
        "b.md": "---\ntitle: B\ndate: 2024-01-02\ntranslation_key: pair\n---\nText.\n",
        "c.md": "---\ntitle: C\ndate: 2024-01-03\nlanguage: es\ntranslation_key: pair\n---\nTexto.\n",
        "d.md": "---\ntitle: D\ndate: 2024-01-04\nlanguage: es\ntranslation_key: pair\n---\nTexto.\n"})
    report = check_site(load_config(site.content))
    found = {(str(f.place.path).rsplit("/", 1)[-1], f.place.line, f.rule) for f in report.findings
             if f.rule.startswith("translations/")}
    assert found == {("a.md", 4, "translations/single"), ("d.md", 5, "translations/same-language")}


def test_check_counts_translated_labels_as_the_sections_they_are(make_site):
    from generator.check.site import check_site
    from generator.config import load_config
    site = make_site({"a.md": "---\ntitle: A\ndate: 2024-01-02\nlanguage: es\nsummary: S.\n---\nEntrada.\n\n"
                              "**Por qué importa:** X.\n\n**El panorama:** Y.\n",
                      "b.md": "---\ntitle: B\ndate: 2024-01-02\nlanguage: de\nsummary: S.\n---\nText.\n\n"
                              "**Warum das wichtig ist:** X.\n"})
    report = check_site(load_config(site.content))
    rules = {(str(f.place.path).rsplit("/", 1)[-1], f.rule, f.message) for f in report.findings}
    assert not [r for r in rules if r[0] == "a.md" and r[1].startswith("brevity/missing")]
    assert ("b.md", "brevity/missing-big-picture",
            "no 'Das große Bild' section (add `**Das große Bild:** …` for the context)") in rules


def test_adding_a_translation_rebuilds_the_page_it_translates(make_site, cli):
    site = make_site({"site.yml": "title: T\nbase_url: https://example.com/\n",
                      "a.md": "---\ntitle: A\ndate: 2024-01-02\ntranslation_key: k\n---\nText.\n",
                      "c.md": "---\ntitle: C\ndate: 2024-01-02\nlanguage: es\n---\nOtro.\n"})   # already bilingual
    cli("build", check=True, cwd=site.root)
    assert not hreflang(BeautifulSoup(site.page("a/index.html"), "html.parser"))
    site.write("b.md", "---\ntitle: B\ndate: 2024-01-03\nlanguage: es\ntranslation_key: k\n---\nTexto.\n")
    cli("build", check=True, cwd=site.root)
    assert hreflang(BeautifulSoup(site.page("a/index.html"), "html.parser")) == {
        "en": "https://example.com/a/", "es": "https://example.com/b/", "x-default": "https://example.com/a/"}


def test_a_catalog_edit_reaches_the_preview_too(make_site):
    """The preview's builder keeps stylesheet names stable, so only templates and catalogs re-render pages."""
    from generator.build import Builder
    from generator.config import load_config
    site = make_site({"a.md": "---\ntitle: A\ndate: 2024-01-02\nlanguage: es\n---\nTexto.\n"})
    builder = Builder(lambda: load_config(site.content, site.out), fingerprint=False)
    builder.build()
    site.write("/themes/default/locales/es/LC_MESSAGES/messages.po",
               'msgid "Skip to content"\nmsgstr "Ir a la noticia"\n')
    builder.build()
    assert "Ir a la noticia" in site.page("a/index.html")


# ---------------------------------------------------------------- slow: validator, axe, layout, screenshot

ARABIC_PAGES = ["qamar/index.html", "ar/index.html", "tasas/index.html", "index.html", "category/economy/index.html"]


@pytest.fixture(scope="module")
def served_multilingual(multilingual):
    site, _ = multilingual
    handler = functools.partial(QuietHandler, directory=str(site.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/site/"     # served under a path, like base_url's /news/
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def chromium():
    """Headless Chromium for this module's tests, closed at its end: Playwright's sync API allows one running
    instance at a time, and test_theme's session-wide one starts after."""
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
def test_nu_html_checker_finds_no_errors_on_the_multilingual_pages(multilingual):
    site, _ = multilingual
    java = require(shutil.which("java"), "java (a Java runtime)")
    proc = subprocess.run([java, "-Xss1024k", "-jar", require(VNU_JAR, "vnu.jar"), "--format", "json", "--stdout",
                           *ARABIC_PAGES], cwd=site, capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1) and proc.stdout, proc.stderr
    errors = [f"{m.get('url', '').rsplit('/', 2)[-2:]}:{m.get('lastLine')}: {m['message']}"
              for m in json.loads(proc.stdout)["messages"] if m["type"] == "error"]
    assert not errors, "\n".join(errors)


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_on_the_arabic_page(served_multilingual, chromium, scheme):
    source = Path(require(AXE_JS, "axe.min.js (npm axe-core)")).read_text(encoding="utf-8")
    visit = Visit(chromium, served_multilingual, color_scheme=scheme, viewport={"width": 1280, "height": 800})
    found = []
    try:
        for rel in ARABIC_PAGES:
            tab = visit.open(rel)
            tab.add_script_tag(content=source)
            result = tab.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
            found += [f"{rel}: {v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
                      for v in result["violations"]]
    finally:
        visit.close()
    assert not found, "\n".join(found)
    assert not visit.blocked


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_arabic_page_does_not_scroll_sideways_at_320_px(served_multilingual, chromium, scheme):
    visit = Visit(chromium, served_multilingual, color_scheme=scheme, viewport={"width": 320, "height": 800})
    try:
        for rel in ARABIC_PAGES:
            widths = visit.open(rel).evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert widths[0] <= widths[1], f"{rel}: {widths[0]} > {widths[1]} px"
    finally:
        visit.close()


ORDER = """() => Object.fromEntries(['.byline', '.facts', '.facts .source', '.site-footer'].map(s => {
  const r = document.querySelector(s).getBoundingClientRect();
  return [s, {top: r.top + scrollY, left: r.left, right: r.right}];
}))"""


@pytest.mark.slow
def test_a_phone_screenshot_of_the_arabic_explainer(served_multilingual, chromium, tmp_path_factory):
    """Byline, then the facts with their sources, then the footer, all set from the right edge. The PNG is
    kept for a person to look at (its path is printed with -s)."""
    visit = Visit(chromium, served_multilingual, viewport={"width": 390, "height": 844}, is_mobile=True,
                  has_touch=True, device_scale_factor=1)
    try:
        tab = visit.open("qamar/index.html")
        box = tab.evaluate(ORDER)
        shot = tmp_path_factory.mktemp("screenshots") / "arabic-390.png"
        tab.screenshot(path=str(shot), full_page=True)
    finally:
        visit.close()
    assert box[".byline"]["top"] < box[".facts"]["top"] <= box[".facts .source"]["top"] < box[".site-footer"]["top"]
    assert box[".facts .source"]["right"] > 390 - 80, "the source line starts at the right edge"
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")
