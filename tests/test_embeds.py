"""Embeds: a paragraph that is only a provider's address becomes a responsive frame (markdown/embeds.py, the
theme's partials/embed.html); raw iframes get the same box; site.yml `embeds:`; what `check` says about frames,
scripts, fixed widths and the hosts a page loads from.

Fast tests read the built pages parsed. Slow ones (tests/test_newsroom_browser.py) load them in Chromium.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup

from conftest import article
from generator.markdown.providers import PROVIDERS, compile_pattern, frame_address
from generator.markdown.sections import Converter

SITE_YML = "title: The Desk\nbase_url: https://example.com/news/\n"

# One address per built-in provider (every kind), with what it must become.
ADDRESSES = {
    "youtube": ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=30", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    "youtube-shorts": ("https://youtube.com/shorts/abcDEF12345", "https://www.youtube-nocookie.com/embed/abcDEF12345"),
    "vimeo": ("https://vimeo.com/123456789", "https://player.vimeo.com/video/123456789?dnt=1"),
    "tiktok": ("https://www.tiktok.com/@desk/video/7234567890123456789",
               "https://www.tiktok.com/player/v1/7234567890123456789"),
    "spotify": ("https://open.spotify.com/episode/4rOoJ6Egrf8K2IrywzwOMk",
                "https://open.spotify.com/embed/episode/4rOoJ6Egrf8K2IrywzwOMk"),
    "spotify-list": ("https://open.spotify.com/intl-de/playlist/37i9dQZF1DXcBWIGoYBM5M",
                     "https://open.spotify.com/embed/playlist/37i9dQZF1DXcBWIGoYBM5M"),
    "x": ("https://twitter.com/desk/status/1234567890", "https://platform.twitter.com/embed/Tweet.html?id=1234567890&dnt=true"),
    "instagram": ("https://www.instagram.com/reel/Cxyz123/", "https://www.instagram.com/reel/Cxyz123/embed/"),
    "bluesky": ("https://bsky.app/profile/desk.bsky.social/post/3kabc123",
                "https://embed.bsky.app/embed/desk.bsky.social/app.bsky.feed.post/3kabc123?colorMode=system"),
    "datawrapper": ("https://datawrapper.dwcdn.net/AbC12/3/", "https://datawrapper.dwcdn.net/AbC12/"),
    "flourish": ("https://public.flourish.studio/visualisation/1234567/",
                 "https://flo.uri.sh/visualisation/1234567/embed"),
    "infogram": ("https://infogram.com/launch-times-1h7z2l8www9lx6o",
                 "https://e.infogram.com/launch-times-1h7z2l8www9lx6o?src=embed"),
    "pdf": ("https://example.org/files/report.pdf", "https://example.org/files/report.pdf"),
}
FACADES = {"youtube", "youtube-shorts", "vimeo", "tiktok", "spotify", "spotify-list", "x", "instagram", "bluesky",
           "pdf"}


def every_embed_body() -> str:
    return "A lede.\n\n" + "\n\n".join(url for url, _ in ADDRESSES.values()) + "\n"


def build(make_site, cli, files: dict[str, str], *args: str):
    site = make_site({"site.yml": SITE_YML, **files})
    result = cli("build", *args, cwd=site.root)
    return site, result


def soup(site, rel: str) -> BeautifulSoup:
    return BeautifulSoup(site.page(rel), "html.parser")


def test_the_table_has_one_address_here_for_every_provider():
    assert sorted(ADDRESSES) == sorted(p.key for p in PROVIDERS)


@pytest.mark.parametrize("key", sorted(ADDRESSES))
def test_each_provider_turns_its_address_into_its_frame(key):
    url, frame = ADDRESSES[key]
    provider = next(p for p in PROVIDERS if p.key == key)
    matched = [values for values in (compile_pattern(m).values(url) for m in provider.match) if values is not None]
    assert matched, f"{key} does not recognise {url}"
    assert frame_address(provider.embed, matched[0], url) == frame


def test_every_kind_of_embed_is_a_titled_lazy_responsive_frame(make_site, cli):
    site, result = build(make_site, cli, {"a.md": article("A", body=every_embed_body())})
    assert result.code == 0, result.err
    page = soup(site, "a/index.html")
    figures = page.select("figure.embed")
    assert [f["class"][1] for f in figures] == [f"embed-{key}" for key in ADDRESSES]
    for figure, (key, (url, frame)) in zip(figures, ADDRESSES.items()):
        box = figure.select_one(".embed-frame")
        assert box["style"].startswith(("aspect-ratio: ", "height: ")), key
        iframe = box.iframe
        assert iframe["title"] and iframe["loading"] == "lazy", key
        assert iframe["referrerpolicy"] == "strict-origin-when-cross-origin", key
        provider = next(p for p in PROVIDERS if p.key == key)
        assert (" ".join(iframe["sandbox"]) if iframe.has_attr("sandbox") else None) == provider.sandbox, key
        assert figure.figcaption.a["href"] == url, key          # the original, for every reader
        if key in FACADES:
            assert not iframe.has_attr("src"), f"{key}: a facade loads nothing before the click"
            facade = BeautifulSoup(iframe["srcdoc"], "html.parser")
            link = facade.a
            assert link["href"].startswith(frame) and provider.name in link.get_text(), key
            assert facade.html["lang"] == "en" and facade.title.get_text() == iframe["title"], key
            assert not facade.find(["img", "script", "link"]), f"{key}: the facade itself fetches nothing"
        else:
            assert iframe["src"] == frame and not iframe.has_attr("srcdoc"), key
    video = figures[0]
    assert video.iframe["title"] == "YouTube video"
    assert BeautifulSoup(video.iframe["srcdoc"], "html.parser").a.get_text() == "Play video on YouTube"
    assert BeautifulSoup(video.iframe["srcdoc"], "html.parser").a["href"] == \
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=30&autoplay=1"     # t=30 in the address
    chart = page.select_one("figure.embed-datawrapper")
    assert chart.iframe["title"] == "Datawrapper chart" and chart.figcaption.get_text() == "Open on Datawrapper"
    post = page.select_one("figure.embed-x iframe")
    assert BeautifulSoup(post["srcdoc"], "html.parser").a.get_text() == "Load the X embed"
    assert page.select_one("figure.embed-pdf figcaption").get_text() == "Open the PDF"
    assert "data-explainer-embed" not in site.page("a/index.html")


@pytest.mark.parametrize("written", [
    "https://vimeo.com/123456789", "<https://vimeo.com/123456789>", "[https://vimeo.com/123456789](https://vimeo.com/123456789)"])
def test_a_bare_an_autolinked_or_a_self_named_address_is_an_embed(written):
    body = Converter().convert(f"Lede.\n\n{written}\n")
    assert [e.provider for e in body.embeds] == ["vimeo"]
    assert body.lede_html.endswith('<p data-explainer-embed="0"><a href="https://vimeo.com/123456789">'
                                   'https://vimeo.com/123456789</a></p>')


@pytest.mark.parametrize("written", [
    "Watch https://vimeo.com/123456789 now.", "[the video](https://vimeo.com/123456789)",
    "- https://vimeo.com/123456789", "> https://vimeo.com/123456789", "https://vimeo.com/about",
    "https://example.org/page", "`https://vimeo.com/123456789`", "ftp://example.org/report.pdf"])
def test_an_address_in_a_sentence_a_list_a_quote_or_code_or_of_no_provider_stays_a_link(written):
    body = Converter().convert(f"Lede.\n\n{written}\n")
    assert body.embeds == ()
    assert "data-explainer-embed" not in body.lede_html


@pytest.mark.parametrize("given, start", [("t=90", "?start=90"), ("t=1m30s", "?start=90"), ("t=1h2m3s", "?start=3723"),
                                          ("start=12", "?start=12"), ("t=soon", ""), ("", "")])
def test_a_link_to_a_moment_of_a_video_starts_the_player_there(given, start):
    embed = Converter().convert(f"Lede.\n\nhttps://youtu.be/abc?{given}\n").embeds[0]
    assert embed.src == f"https://www.youtube-nocookie.com/embed/abc{start}"
    assert embed.play == embed.src + ("&" if start else "?") + "autoplay=1"


def test_attr_list_gives_an_embed_its_title_and_shape():
    body = Converter().convert('Lede.\n\nhttps://vimeo.com/1\n{: title="The launch" ratio="4:3" }\n\n'
                               'https://datawrapper.dwcdn.net/AbC12/\n{: height=600 }\n')
    video, chart = body.embeds
    assert (video.title, video.ratio, video.height) == ("The launch", "4 / 3", None)
    assert (chart.title, chart.ratio, chart.height) == (None, None, 600)


def test_the_authors_title_names_the_frame(make_site, cli):
    site, _ = build(make_site, cli, {"a.md": article("A", body='Lede.\n\nhttps://vimeo.com/1\n'
                                                                '{: title="Rehearsal <at> the pad" }\n')})
    iframe = soup(site, "a/index.html").select_one("figure.embed iframe")
    assert iframe["title"] == "Rehearsal <at> the pad"
    assert BeautifulSoup(iframe["srcdoc"], "html.parser").title.get_text() == "Rehearsal <at> the pad"


def test_a_bad_ratio_or_height_is_an_error_at_the_address_line(make_site, cli):
    body = "Lede.\n\nhttps://vimeo.com/1\n{: ratio=\"wide\" }\n\nhttps://datawrapper.dwcdn.net/AbC12/\n{: height=9 }\n"
    site, result = build(make_site, cli, {"a.md": article("A", body=body)})
    assert result.code == 1
    assert "content/a.md:7: the embed of https://vimeo.com/1: ratio='wide' is not a width:height ratio" in result.err
    assert "content/a.md:10: the embed of https://datawrapper.dwcdn.net/AbC12/: height='9' is not a height in " \
           "pixels (a whole number from 50 to 4000)" in result.err
    assert not site.out.exists()


def test_a_raw_iframe_keeps_working_inside_the_responsive_box():
    raw = '<iframe width="560" height="315" src="https://www.youtube.com/embed/x" title="Raw"></iframe>'
    body = Converter().convert(f"Lede.\n\n{raw}\n\nText with <iframe width=\"560\" height=\"315\"></iframe> inline.\n")
    assert body.lede_html.startswith(
        f'<p>Lede.</p>\n<div class="embed-frame embed-raw" style="max-width: 560px; aspect-ratio: 560 / 315">{raw}'
        '\n</div>')
    assert body.outline.html[0].html == raw + "\n"     # check reads what was written
    assert 'inline' in body.lede_html and body.lede_html.count("embed-raw") == 1   # inline HTML is left as it is
    assert "embed-raw" not in Converter(raw_html=False).convert(f"Lede.\n\n{raw}\n").lede_html
    pasted = Converter().convert(f"Lede.\n\n{raw}\n<script>resize()</script>\n")   # an embed code with its script
    assert pasted.lede_html.endswith("</iframe></div>\n<script>resize()</script>")


def test_feeds_get_a_link_to_the_original_instead_of_a_frame(make_site, cli):
    site, _ = build(make_site, cli, {"a.md": article("A", body='Lede.\n\nhttps://vimeo.com/1\n{: title="Launch" }\n')})
    feed = ET.fromstring(site.page("feed.xml"))
    content = feed.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}content").text
    entry = BeautifulSoup(content, "html.parser")
    assert not entry.find("iframe") and "data-explainer-embed" not in content
    link = entry.find("a", href="https://vimeo.com/1")
    assert link.get_text() == "Open on Vimeo" and link.parent.get_text() == "Open on Vimeo: Launch"


def test_the_facade_speaks_the_pages_language(make_site, cli):
    site, _ = build(make_site, cli, {"a.md": article("A", body="Lede.\n\nhttps://vimeo.com/1\n", language="es")})
    figure = soup(site, "a/index.html").select_one("figure.embed")
    facade = BeautifulSoup(figure.iframe["srcdoc"], "html.parser")
    assert figure.iframe["title"] == "Vídeo de Vimeo" and figure.figcaption.get_text() == "Abrir en Vimeo"
    assert facade.html["lang"] == "es" and facade.a.get_text() == "Reproducir el vídeo en Vimeo"
    assert facade.p.get_text() == "No se carga nada de player.vimeo.com hasta que hagas clic."


# ---------------------------------------------------------------- site.yml `embeds:`

OUR_VIDEO = """embeds:
  - key: desk-video
    name: Desk TV
    kind: video
    match:
      - video.example.org/v/{id}
      - "video.example.org/watch?clip={id:[0-9]+}"
    embed: https://video.example.org/embed/{id}
    facade: true
    play: autoplay=1
    ratio: "4:3"
    sandbox: allow-scripts allow-same-origin
  - key: datawrapper
    facade: true
"""


def test_a_site_adds_a_provider_and_changes_a_built_in_one(make_site, cli):
    body = "Lede.\n\nhttps://video.example.org/watch?clip=42\n\nhttps://datawrapper.dwcdn.net/AbC12/\n"
    site, result = build(make_site, cli, {"site.yml": SITE_YML + OUR_VIDEO, "a.md": article("A", body=body)})
    assert result.code == 0, result.err
    ours, chart = soup(site, "a/index.html").select("figure.embed")
    assert ours["class"] == ["embed", "embed-desk-video", "embed-video", "embed-facade"]
    assert ours.select_one(".embed-frame")["style"] == "aspect-ratio: 4 / 3"
    assert ours.iframe["title"] == "Desk TV video" and ours.iframe["sandbox"] == ["allow-scripts", "allow-same-origin"]
    assert BeautifulSoup(ours.iframe["srcdoc"], "html.parser").a["href"] == \
        "https://video.example.org/embed/42?autoplay=1"
    assert "embed-facade" in chart["class"] and not chart.iframe.has_attr("src")


def test_changing_the_providers_converts_cached_bodies_again(make_site, cli):
    site, _ = build(make_site, cli, {"a.md": article("A", body="Lede.\n\nhttps://datawrapper.dwcdn.net/AbC12/\n")})
    assert soup(site, "a/index.html").select_one("figure.embed iframe")["src"]
    site.write("site.yml", SITE_YML + "embeds:\n  - key: datawrapper\n    height: 640\n")
    assert cli("build", cwd=site.root).code == 0
    assert soup(site, "a/index.html").select_one(".embed-frame")["style"] == "height: 640px"


@pytest.mark.parametrize("entry, line, message", [
    ("  - key: desk\n    name: Desk\n    match: a.org/{id}\n    embed: https://a.org/e/{id}\n    facde: true\n", 8,
     "embeds: unknown key 'facde' in a provider (did you mean 'facade'?)"),
    ("  - key: desk\n    name: Desk\n    kind: vidoe\n    match: a.org/{id}\n    embed: https://a.org/e/{id}\n", 6,
     "embeds: unknown kind 'vidoe' (did you mean 'video'? the kinds: video, audio, post, chart, document, page)"),
    ("  - key: desk\n    name: Desk\n    match: a.org/{id}\n    embed: https://a.org/e/{clip}\n", 7,
     "embeds: {clip} in the embed address is not in the pattern 'a.org/{id}'"),
    ("  - key: desk\n    name: Desk\n    match: a.org/{id}\n    embed: http://a.org/e/{id}\n", 7,
     "embeds: the embed address must start with https://"),
    ("  - key: desk\n    match: a.org/{id}\n    embed: https://a.org/e/{id}\n", 4,
     "embeds: the new provider 'desk' needs `name`"),
    ("  - key: vimeo\n    sandbox: allow-scripts allow-top-navigation\n", 5,
     "embeds: unknown sandbox token 'allow-top-navigation'"),
    ("  - key: vimeo\n    ratio: 16:9\n", 5, "embeds: ratio 969 is not width:height (quote it: ratio: \"16:9\")"),
    ("  - key: Desk Video\n", 4, "embeds: each provider needs a `key`"),
    ("  - key: desk\n    name: Desk\n    match: /v/{id}\n    embed: https://a.org/e/{id}\n", 6,
     "embeds: '/v/{id}' does not start with a host name"),
])
def test_a_wrong_provider_is_an_error_at_its_site_yml_line(make_site, cli, entry, line, message):
    _, result = build(make_site, cli, {"site.yml": SITE_YML + "embeds:\n" + entry, "a.md": article("A")})
    assert result.code == 1 and "Traceback" not in result.err
    assert f"content/site.yml:{line}: {message}" in result.err, result.err


def test_a_provider_without_patterns_is_turned_off(make_site, cli):
    site, result = build(make_site, cli, {"site.yml": SITE_YML + "embeds:\n  - key: vimeo\n    match: []\n",
                                          "a.md": article("A", body="Lede.\n\nhttps://vimeo.com/1\n")})
    assert result.code == 0, result.err
    assert not soup(site, "a/index.html").select("figure.embed")


def test_embeds_must_be_a_list(make_site, cli):
    _, result = build(make_site, cli, {"site.yml": SITE_YML + "embeds: youtube\n", "a.md": article("A")})
    assert result.code == 1 and "content/site.yml:3: 'embeds' must be a list of providers" in result.err


# ---------------------------------------------------------------- check

CHECKED = """---
title: Frames
date: 2024-01-02
summary: One sentence.
---
Lede.

https://www.youtube.com/watch?v=dQw4w9WgXcQ

**Why it matters:** A chart.

https://datawrapper.dwcdn.net/AbC12/

<iframe width="560" height="315" src="https://www.youtube.com/embed/abc"></iframe>

<div style="width: 600px">Wide.</div>

<script src="https://cdn.example.net/widget.js"></script>

![A chart](https://images.example.org/chart.png)

<iframe src="https://maps.example.com/embed?x=1" title="A map" width="300" height="200"></iframe>
"""


def check(make_site, cli, fmt: str = "text"):
    site = make_site({"site.yml": SITE_YML, "frames/index.md": CHECKED})
    return cli("check", *(["--format", "json"] if fmt == "json" else []), cwd=site.root)


def test_check_lists_every_third_party_host_a_page_loads_at_its_line(make_site, cli):
    out = check(make_site, cli).out
    at = "content/frames/index.md"
    expected = [
        f"{at}:8: info: privacy/third-party: the page loads a frame (YouTube video) from www.youtube-nocookie.com "
        "only when the reader clicks to load it",
        f"{at}:12: info: privacy/third-party: the page loads a frame (Datawrapper chart) from datawrapper.dwcdn.net "
        "without asking the reader",
        f"{at}:14: info: privacy/third-party: the page loads a frame from www.youtube.com without asking the reader",
        f"{at}:18: info: privacy/third-party: the page loads a script from cdn.example.net without asking the reader",
        f"{at}:20: info: privacy/third-party: the page loads an image from images.example.org without asking the "
        "reader",
        f"{at}:22: info: privacy/third-party: the page loads a frame from maps.example.com without asking the reader",
    ]
    assert [line for line in out.splitlines() if "privacy/third-party" in line] == expected


def test_check_warns_on_fixed_widths_scripts_and_frames_with_advice(make_site, cli):
    out = check(make_site, cli).out
    at = "content/frames/index.md"
    assert f"{at}:14: warning: content/raw-html-fixed-width: this <iframe> is 560 px wide (width=\"560\"), wider " \
           "than a 320 px phone: the default theme fits it to the column, but other themes, feed readers and e-mail " \
           "do not (for a provider's player or chart, put its address on a line of its own: docs/embeds.md)" in out
    assert f"{at}:14: warning: content/raw-html-iframe: an embedded <iframe> from www.youtube.com in the text (it " \
           "reaches the page as written; make sure it is meant to be there; it has no title=, which screen readers " \
           "need to name it; its address on a line of its own makes a YouTube embed that loads nothing until the " \
           "reader asks)" in out
    assert f"{at}:16: warning: content/raw-html-fixed-width: style=\"width: 600px\" keeps this <div> 600 px wide, " \
           "wider than a 320 px phone, and no stylesheet can change it (use max-width, or a width in %)" in out
    assert f"{at}:18: warning: content/raw-html-script: a <script> from cdn.example.net in the text (it reaches " \
           "the page as written; make sure it is meant to be there)" in out
    assert f"{at}:22: warning: content/raw-html-iframe: an embedded <iframe> from maps.example.com in the text " \
           "(it reaches the page as written; make sure it is meant to be there)" in out
    assert ":22: warning: content/raw-html-fixed-width" not in out          # 300 px fits a phone
    assert ":8: warning" not in out and ":12: warning" not in out           # embeds are no raw HTML


def test_check_json_has_the_same_findings_with_their_levels(make_site, cli):
    result = check(make_site, cli, "json")
    findings = json.loads(result.out)["findings"]
    third = [(f["line"], f["level"]) for f in findings if f["rule"] == "privacy/third-party"]
    assert third == [(8, "info"), (12, "info"), (14, "info"), (18, "info"), (20, "info"), (22, "info")]
    fixed = [(f["path"], f["line"], f["level"]) for f in findings if f["rule"] == "content/raw-html-fixed-width"]
    assert fixed == [("content/frames/index.md", 14, "warning"), ("content/frames/index.md", 16, "warning")]


def test_third_party_hosts_can_be_turned_off_and_are_never_a_failure(make_site, cli):
    site = make_site({"site.yml": SITE_YML + "check:\n  disable: [content, brevity]\n", "frames/index.md": CHECKED})
    result = cli("check", "--strict", cwd=site.root)
    assert "privacy/third-party" in result.out and result.code == 0, result.out
    site.write("site.yml", SITE_YML + "check:\n  disable: [content, brevity, privacy]\n")
    assert "privacy/third-party" not in cli("check", cwd=site.root).out


def test_a_site_without_embeds_or_outside_resources_loads_from_no_other_host(make_site, cli):
    site = make_site({"site.yml": SITE_YML, "a.md": article("A", body="Lede [a link](https://example.org).\n")})
    assert "privacy/third-party" not in cli("check", cwd=site.root).out
