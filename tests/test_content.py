"""Front matter and facts, read straight from files into the model."""
from datetime import datetime, timedelta, timezone

import pytest

from conftest import article
from generator import content
from generator.config import load_config
from generator.errors import ContentError, ErrorList
from generator.markdown.sections import Converter
from generator.model import Source


def load(site, slug="a", bundle=False):
    config = load_config(site.content, site.out)
    source = site.content / (f"{slug}/index.md" if bundle else f"{slug}.md")
    return content.load_explainer(slug, source, source.parent if bundle else None, config,
                                  Converter(config.axioms))


def test_front_matter_fields(make_site):
    site = make_site({"a.md": article("Title", date="2024-05-06T09:30:00+02:00", category="World",
                                      tags="[Climate, climate, Sea level]", authors="[A, B]", summary="S.",
                                      language="fr", updated="2024-05-07")})
    e = load(site)
    assert e.title == "Title" and e.summary == "S." and e.language == "fr" and e.direction == "ltr"
    assert e.date == datetime(2024, 5, 6, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    assert e.updated == datetime(2024, 5, 7, tzinfo=timezone.utc)
    assert e.category.slug == "world" and [t.slug for t in e.tags] == ["climate", "sea-level"]
    assert e.authors == ("A", "B")


def test_dates_without_offset_use_the_site_timezone(make_site):
    site = make_site({"site.yml": "timezone: America/New_York\n", "a.md": article(date="2024-05-06 09:30")})
    assert load(site).date.utcoffset() == timedelta(hours=-4)


def test_front_matter_line_numbers_count_from_the_file_start(make_site):
    site = make_site({"a.md": "---\ntitle: ok\n\n\ndate: 'tuesday'\n---\nx\n"})
    with pytest.raises(ContentError) as err:
        load(site)
    assert "content/a.md:5: date is not a date" in str(err.value)


def test_all_problems_in_one_file_are_reported_together(make_site):
    site = make_site({"a.md": "---\ndraft: maybe\nsummary: [x]\n---\nx\n"})
    with pytest.raises(ErrorList) as err:
        load(site)
    messages = [str(e) for e in err.value.errors]
    assert any("a.md:1" in m or "missing title" in m for m in messages)
    assert any(":2: draft must be true or false" in m for m in messages)
    assert any(":3: summary must be text" in m for m in messages)


def test_facts_file_as_mapping_or_bare_list(make_site):
    site = make_site({"a/index.md": article(), "a/facts.yml": "title: At a glance\nfacts:\n"
                      "  - {label: Cost, value: 12500000, source: {name: Budget office, url: 'https://e.org'}}\n"
                      "  - {label: Share, value: 0.5, source: Survey}\n",
                      "b/index.md": article(), "b/facts.yml": "- label: One\n  value: x\n"})
    a = load(site, "a", bundle=True).facts
    assert a.title == "At a glance"
    assert [(f.label, f.value) for f in a.facts] == [("Cost", "12,500,000"), ("Share", "0.5")]
    assert a.facts[0].source == Source("Budget office", "https://e.org")
    assert a.facts[1].source == Source("Survey") and a.facts[1].where.line == 4
    b = load(site, "b", bundle=True).facts
    assert b.title is None and b.facts[0].label == "One"      # the theme says "Key facts", in the page's language


@pytest.mark.parametrize("facts, message", [
    ("- label: X\n", "a/facts.yml:1: a fact's value must be text or a number"),
    ("- value: 3\n", "a/facts.yml:1: missing label"),
    ("- label: X\n  value: 1\n  source: {url: 'https://x.org'}\n", "a/facts.yml:3: missing name"),
    ("- label: X\n  value: 1\n  source: {name: N, url: 'javascript:alert(1)'}\n",
     "a/facts.yml:3: source url must be a web address"),
    ("title: T\nfacts: nope\n", "facts must have a list under `facts:`"),
    ("title: T\nfacts:\n  - {label: X, value: 1}\n  - just words\n", "a/facts.yml:4: each fact needs a label"),
])
def test_bad_facts(make_site, facts, message):
    site = make_site({"a/index.md": article(), "a/facts.yml": facts})
    with pytest.raises((ContentError, ErrorList)) as err:
        load(site, "a", bundle=True)
    assert message in str(err.value)


def test_a_list_item_that_is_not_an_update_is_reported_at_its_own_line(make_site):
    site = make_site({"a.md": article(updates="\n  - {date: 2024-01-03, note: Fixed}\n  - fixed a typo")})
    with pytest.raises(ContentError) as err:
        load(site)
    assert "a.md:6: each update needs a date and a note" in str(err.value)


def test_facts_in_both_places_is_an_error(make_site):
    site = make_site({"a/index.md": article(facts="[{label: X, value: 1}]"), "a/facts.yml": "- {label: Y, value: 2}\n"})
    with pytest.raises(ContentError, match="facts are given twice"):
        load(site, "a", bundle=True)


def test_titles_get_curly_quotes(make_site):
    site = make_site({"a.md": "---\ntitle: \"'What's next' for \\\"AI\\\"\"\ndate: 2024-01-01\n---\nx\n"})
    assert load(site).title == "\u2018What\u2019s next\u2019 for \u201cAI\u201d"


def test_discover_lists_bundles_single_files_and_static_files(make_site):
    site = make_site({"b/index.md": article(), "a.md": article(), "images/x.png": b"png",
                      "b/pic.png": b"png", "_drafts/y.md": "ignored", ".hidden.md": "ignored"})
    tree = content.discover(site.content)
    assert [slug for slug, _, _ in tree.explainers] == ["a", "b"]
    assert [p.name for p in tree.static_files] == ["x.png"]


def test_markdown_in_a_folder_without_index_is_an_error(make_site):
    site = make_site({"notes/story.md": article()})
    with pytest.raises(ContentError, match=r"needs index\.md"):
        content.discover(site.content)


@pytest.mark.parametrize("slug", ["category", "tag", "404", "bad slug"])
def test_reserved_or_unsafe_slugs_are_refused(make_site, slug):
    site = make_site({f"{slug}.md": article()})
    with pytest.raises(ContentError, match="cannot be an explainer's URL"):
        content.discover(site.content)
