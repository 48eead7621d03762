"""Corrections and times: an update of `kind: correction` is a notice at the top of the explainer and is marked in
the log, JSON-LD and the feed move with it; a date or update written with a time of day shows it, with the zone,
in the site's time zone and the page's language."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup

# CLDR puts a narrow no-break space (U+202F) between the time and AM/PM.
SITE_YML = "title: The Desk\nbase_url: https://example.com/news/\ntimezone: America/New_York\n"
ATOM = "{http://www.w3.org/2005/Atom}"

STORY = """---
title: Why the vote slipped
date: 2024-03-01
summary: The vote moved.
updates:
  - date: 2024-03-02
    note: Added the new date.
  - date: 2024-03-03T14:05:00Z
    note: An earlier version gave the wrong district.
    kind: correction
  - date: 2024-03-02T08:00
    note: The first correction.
    kind: correction
---
The vote moved a week.

**Why it matters:** Turnout.
"""


def build(make_site, cli, files: dict[str, str]):
    site = make_site({"site.yml": SITE_YML, **files})
    result = cli("build", cwd=site.root)
    return site, result


def page(site, rel: str = "vote/index.html") -> BeautifulSoup:
    return BeautifulSoup(site.page(rel), "html.parser")


def test_the_latest_correction_is_a_notice_at_the_top_with_its_time(make_site, cli):
    site, result = build(make_site, cli, {"vote.md": STORY})
    assert result.code == 0, result.err
    article = page(site).select_one("article.explainer")
    notice = article.select_one("section.correction")
    children = [c for c in article.children if c.name]
    assert children.index(notice) == 1 and children[0].name == "header"     # right under the headline
    assert notice["aria-labelledby"] == "correction-title"
    assert notice.find(id="correction-title").name == "h2" and notice.h2.get_text() == "Correction"
    time = notice.find("time")
    assert time["datetime"] == "2024-03-03T14:05:00+00:00"
    assert time.get_text() == "March 3, 2024, 9:05\u202fAM EST"          # in the site's zone, New York
    assert notice.p.get_text() == "March 3, 2024, 9:05\u202fAM EST: An earlier version gave the wrong district."


def test_every_correction_is_marked_in_the_updates_log(make_site, cli):
    site, _ = build(make_site, cli, {"vote.md": STORY})
    items = page(site).select(".updates li")
    assert [i.get_text(" ", strip=True) for i in items] == [
        "Correction March 3, 2024, 9:05\u202fAM EST : An earlier version gave the wrong district.",
        "Correction March 2, 2024, 8:00\u202fAM EST : The first correction.",
        "March 2, 2024 : Added the new date."]
    assert [i.get("class") for i in items] == [["correction-entry"], ["correction-entry"], None]


def test_an_explainer_without_a_correction_has_no_notice(make_site, cli):
    site, _ = build(make_site, cli, {"vote.md": STORY.replace("    kind: correction\n", "")})
    assert page(site).select_one("section.correction") is None
    assert page(site).select_one(".updates .update-kind") is None


def test_json_ld_and_the_feed_move_with_the_correction(make_site, cli):
    site, _ = build(make_site, cli, {"vote.md": STORY})
    ld = json.loads(page(site).find("script", type="application/ld+json").string)
    assert ld["dateModified"] == "2024-03-03T14:05:00+00:00"
    assert ld["correction"] == [
        {"@type": "CorrectionComment", "text": "An earlier version gave the wrong district.",
         "datePublished": "2024-03-03T14:05:00+00:00"},
        {"@type": "CorrectionComment", "text": "The first correction.", "datePublished": "2024-03-02T08:00:00-05:00"}]
    entry = ET.fromstring(site.page("feed.xml")).find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}updated").text == "2024-03-03T14:05:00+00:00"
    assert "<strong>Correction</strong>" in entry.find(f"{ATOM}content").text


def test_a_correction_after_updated_moves_it(make_site, cli):
    story = STORY.replace("date: 2024-03-01\n", "date: 2024-03-01\nupdated: 2024-03-02\n", 1)
    site, _ = build(make_site, cli, {"vote.md": story})
    byline = page(site).select_one(".byline .updated time")
    assert byline["datetime"] == "2024-03-03T14:05:00+00:00"
    entry = ET.fromstring(site.page("feed.xml")).find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}updated").text == "2024-03-03T14:05:00+00:00"


def test_an_unknown_kind_is_an_error_at_its_line_with_a_did_you_mean(make_site, cli):
    site, result = build(make_site, cli, {"vote.md": STORY.replace("kind: correction\n", "kind: corection\n", 1)})
    assert result.code == 1 and "Traceback" not in result.err
    assert "content/vote.md:10: unknown kind of update: 'corection' (did you mean 'correction'? the kinds: " \
           "update, correction)" in result.err
    assert not site.out.exists()


def test_the_notice_and_log_speak_the_pages_language(make_site, cli):
    site, _ = build(make_site, cli, {"vote.md": STORY.replace("summary:", "language: fr\nsummary:")})
    notice = page(site).select_one("section.correction")
    assert notice.h2.get_text() == "Rectificatif"
    assert notice.time.get_text() == "3 mars 2024, 09:05 UTC-05:00"
    assert page(site).select_one(".updates .update-kind").get_text() == "Rectificatif"


# ---------------------------------------------------------------- times in the byline

@pytest.mark.parametrize("date, updated, shown, shown_updated", [
    ("2024-03-01", None, "March 1, 2024", None),
    ("2024-03-01T09:30:00+01:00", None, "March 1, 2024, 3:30\u202fAM EST", None),
    ("'2024-03-01 18:45'", None, "March 1, 2024, 6:45\u202fPM EST", None),
    ("2024-03-01", "2024-07-04T12:00:00Z", "March 1, 2024", "July 4, 2024, 8:00\u202fAM EDT"),
    ("2024-03-01T00:00:00-05:00", "2024-03-02", "March 1, 2024, 12:00\u202fAM EST", "March 2, 2024"),
])
def test_the_byline_shows_the_time_and_zone_only_when_the_front_matter_gives_one(make_site, cli, date, updated,
                                                                                 shown, shown_updated):
    front = f"---\ntitle: T\ndate: {date}\n" + (f"updated: {updated}\n" if updated else "") + "---\nLede.\n"
    site, result = build(make_site, cli, {"vote.md": front})
    assert result.code == 0, result.err
    times = page(site).select(".byline time")
    assert times[0].get_text() == shown
    assert ("T" in times[0]["datetime"]) == ("," in shown.split("2024", 1)[1])   # a time in the text, a time in ISO
    if shown_updated:
        assert times[1].get_text() == shown_updated
    else:
        assert len(times) == 1


def test_the_byline_time_is_in_the_pages_language(make_site, cli):
    front = "---\ntitle: T\ndate: 2024-03-01T09:30:00-05:00\nlanguage: de\n---\nLede.\n"
    site, _ = build(make_site, cli, {"vote.md": front})
    assert page(site).select_one(".byline time").get_text() == "1. März 2024, 09:30 GMT-05:00"
    site.write("site.yml", SITE_YML.replace("America/New_York", "Europe/Berlin"))
    cli("build", cwd=site.root)
    assert page(site).select_one(".byline time").get_text() == "1. März 2024, 15:30 MEZ"
