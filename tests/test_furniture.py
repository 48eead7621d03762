"""Reader furniture: share links (plain links, nothing loaded from the services), the pull quote, and what the print
stylesheet adds (fact source URLs). Layout in a real browser: tests/test_newsroom_pages.py."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup

from conftest import article
from generator.render.share import TARGETS, is_share_link, share_links

SITE_YML = "title: The Desk\nbase_url: https://example.com/news/\n"
TITLE = "Rates & “rents”: why?"


def build(make_site, cli, site_yml: str = SITE_YML, **fields: str):
    site = make_site({"site.yml": site_yml, "rates.md": article("'Rates & \"rents\": why?'", body="Lede.\n",
                                                                 **fields)})
    result = cli("build", cwd=site.root)
    assert result.code == 0, result.err
    return site


def share_section(site) -> BeautifulSoup:
    return BeautifulSoup(site.page("rates/index.html"), "html.parser").select_one("article section.share")


def test_share_links_carry_the_absolute_page_url_and_title(make_site, cli):
    section = share_section(build(make_site, cli))
    assert section["aria-labelledby"] == "share-title" and section.h2.get_text() == "Share"
    links = {a["class"][0]: a for a in section.find_all("a")}
    assert list(links) == ["share-email", "share-x", "share-facebook", "share-linkedin", "share-whatsapp",
                           "share-copy"]
    page = "https://example.com/news/rates/"
    email = urlsplit(links["share-email"]["href"])
    assert email.scheme == "mailto" and parse_qs(email.query) == {"subject": [TITLE], "body": [page]}
    x = urlsplit(links["share-x"]["href"])
    assert (x.netloc, parse_qs(x.query)) == ("x.com", {"text": [TITLE], "url": [page]})
    assert parse_qs(urlsplit(links["share-facebook"]["href"]).query) == {"u": [page]}
    assert parse_qs(urlsplit(links["share-linkedin"]["href"]).query) == {"url": [page]}
    assert parse_qs(urlsplit(links["share-whatsapp"]["href"]).query) == {"text": [f"{TITLE} {page}"]}
    assert links["share-copy"]["href"] == page and links["share-copy"].get_text() == "Copy link"


def test_each_share_link_has_a_name_that_contains_its_visible_text(make_site, cli):
    section = share_section(build(make_site, cli))
    names = [(a.get_text(), a.get("aria-label")) for a in section.find_all("a")]
    assert names == [("Email", "Share by email"), ("X", "Share on X"), ("Facebook", "Share on Facebook"),
                     ("LinkedIn", "Share on LinkedIn"), ("WhatsApp", "Share on WhatsApp"), ("Copy link", None)]
    assert not section.find(["script", "img", "iframe", "link"])      # nothing loaded, nothing run
    assert not [a for a in section.find_all(True) if any(n.startswith("on") for n in a.attrs)]


def test_share_links_speak_the_pages_language(make_site, cli):
    section = share_section(build(make_site, cli, language="es"))
    assert section.h2.get_text() == "Compartir"
    names = [(a.get_text(), a.get("aria-label")) for a in section.find_all("a")]
    assert names[0] == ("Correo electrónico", "Compartir por correo electrónico")
    assert names[1] == ("X", "Compartir en X") and names[-1] == ("Copiar enlace", None)


def test_without_an_absolute_base_url_only_the_copy_link_is_left(make_site, cli):
    site = build(make_site, cli, "title: The Desk\nbase_url: /news/\n")
    links = share_section(site).find_all("a")
    assert [(a["class"], a["href"]) for a in links] == [(["share-copy"], "./")]


def test_share_links_are_the_services_forms_and_check_does_not_fetch_them(make_site, cli):
    links = share_links("https://example.com/a/", "A")
    assert [link.key for link in links] == [key for key, _, _ in TARGETS]
    assert all(is_share_link(link.href) for link in links)
    assert not is_share_link("https://x.com/desk/status/1") and not is_share_link("https://example.com/")
    assert share_links(None, "A") == ()
    site = build(make_site, cli)
    assert "outside link" not in cli("check", cwd=site.root).out     # five share links, none counted to fetch


# ---------------------------------------------------------------- pull quote

def test_a_pullquote_class_reaches_the_blockquote(make_site, cli):
    body = ('Lede.\n\n> "Prices will fall."\n>\n> — The minister\n{: .pullquote}\n\nText.\n\n'
            '> A plain quote.\n\nBetween.\n\n> Styled too.\n{: .pullquote .wide }\n')
    site = make_site({"site.yml": SITE_YML, "rates.md": article("R", body=body)})
    cli("build", check=True, cwd=site.root)
    quotes = BeautifulSoup(site.page("rates/index.html"), "html.parser").select(".lede blockquote")
    assert [q.get("class") for q in quotes] == [["pullquote"], None, ["pullquote"]]
    assert [p.get("class") for p in quotes[0].find_all("p")] == [None, None]
    assert quotes[2].p["class"] == ["wide"]          # other classes stay where attr_list put them
    assert quotes[0].p.get_text() == "“Prices will fall.”"


def test_the_stylesheet_styles_pull_quotes_and_prints_fact_sources(built_sample):
    css = next(built_sample.rglob("style.*.css")).read_text(encoding="utf-8")
    assert "blockquote.pullquote {" in css
    print_rules = css[css.index("@media print"):]
    assert ":is(.facts, .sidebar) .source a[href^=\"http\"]::after" in print_rules and "attr(href)" in print_rules
    assert ".share, .embed-frame { display: none; }" in print_rules
