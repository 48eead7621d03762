"""The seams of the pipeline: one edition of the site for build and check, a theme environment nobody
changes after it is made, worker processes started as the caller says, bodies read from their files when a
page needs them and kept nowhere, each source file read once."""
from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import article
from generator import content, edition, parallel
from generator.build import Builder, build
from generator.check.site import check_site
from generator.config import load_config
from generator.errors import ExplainerError
from generator.incremental import bodies, loading
from generator.render import seo, themes
from generator.render.filters import FILTERS
from generator.selection import select
from test_cache import many, tree

BASE = "https://news.example.com/"
SECTIONS = "\n\n**Why it matters:** It does.\n\n**The big picture:** Wide.\n"


# ------------------------------------------------------------------ check sees what only build publishes

def test_check_reports_a_content_file_in_the_place_of_a_social_card(make_site, cli):
    # A single-file explainer gets its card at lights/social-card.png; a content folder `lights/` with a
    # file of that name would replace it. Only the build draws cards: check finds it through the edition.
    site = make_site({"site.yml": f"title: Desk\nbase_url: {BASE}\n", "lights.md": article(body="Lede." + SECTIONS),
                      f"lights/{seo.CARD_FILE}": b"not the card"})
    built = cli("build", cwd=site.root)
    assert built.code == 1 and f"lights/{seo.CARD_FILE}" in built.err
    report = check_site(load_config(site.content, site.out))
    clashes = [f for f in report.findings if f.rule == "build/error" and "clashes with" in str(f.message)]
    assert [(Path(f.place.path).as_posix(), str(f.message).split(",")[0]) for f in clashes] == [
        (f"{site.content.as_posix()}/lights/{seo.CARD_FILE}",
         f"this file would be published as lights/{seo.CARD_FILE}")], report.findings


def test_a_link_to_the_explainers_own_social_card_is_not_broken(make_site):
    site = make_site({"site.yml": f"title: Desk\nbase_url: {BASE}\n",
                      "tides/index.md": article(body=f"Lede with [the card]({seo.CARD_FILE})." + SECTIONS)})
    report = check_site(load_config(site.content, site.out))
    assert [f for f in report.findings if f.rule.startswith("links/")] == []
    site.write("tides/index.md", article(body="Lede with [no card](social-card.jpg)." + SECTIONS))
    report = check_site(load_config(site.content, site.out))
    assert [f.rule for f in report.findings if f.rule.startswith("links/")] == ["links/internal"]


# ------------------------------------------------------------------ filters once, per-render data passed

def prepared(site, title: str, theme: themes.Theme) -> edition.Edition:
    site.write("site.yml", f"title: {title}\n")
    config = load_config(site.content, site.out)
    explainers, tree_ = content.load_all(config)
    return edition.prepare(config, theme, tree_, select(explainers, config).published)


def test_two_sites_rendered_with_one_environment_each_see_their_own_context(make_site):
    site = make_site({"a.md": article(body="Lede." + SECTIONS)})
    chain = themes.resolve(load_config(site.content, site.out))
    theme = themes.load(chain)
    filters, globals_ = dict(theme.env.filters), dict(theme.env.globals)
    morning, evening = prepared(site, "Morning Desk", theme), prepared(site, "Evening Desk", theme)
    pages = {page.path: page for page in morning.pages}
    first = BeautifulSoup(pages["index.html"].render(), "html.parser")
    assert first.title.get_text() == "Morning Desk"
    assert "Evening Desk" not in pages["a/index.html"].render()
    later = {page.path: page for page in evening.pages}
    assert BeautifulSoup(later["index.html"].render(), "html.parser").title.get_text() == "Evening Desk"
    assert (dict(theme.env.filters), dict(theme.env.globals)) == (filters, globals_), "rendering changed the env"


def test_the_filter_table_is_in_every_environment_from_the_start(make_site):
    site = make_site({"a.md": article()})
    env = themes.environment(themes.resolve(load_config(site.content, site.out)))
    assert {name: env.filters[name] for name in FILTERS} == dict(FILTERS)
    assert "site" not in env.globals and "seo" not in env.globals


def test_the_preview_builders_environment_stays_as_it_was_made(make_site):
    site = make_site({"a.md": article(body="Lede." + SECTIONS), "site.yml": "title: First\n"})
    builder = Builder(lambda: load_config(site.content, site.out))
    builder.build()
    env = builder.session.env
    assert env is not None
    made = (dict(env.filters), dict(env.globals))
    site.write("site.yml", "title: Second\n")
    builder.build()
    assert builder.session.env is env and (dict(env.filters), dict(env.globals)) == made
    assert "<title>Second</title>" in site.page("index.html")


def test_a_theme_that_asks_seo_page_for_its_meta_still_gets_the_same_page(make_site):
    """Themes copied meta.html when it began with `{% set meta = seo.page() %}`; they keep working."""
    site = make_site({"site.yml": f"title: Desk\nbase_url: {BASE}\n", "a.md": article(body="Lede." + SECTIONS)})
    build(load_config(site.content, site.root / "plain", use_cache=False))
    packaged = themes.packaged_themes_dir() / "default" / "templates" / "partials" / "meta.html"
    lines = packaged.read_text().split("\n")
    site.write("/themes/default/templates/partials/meta.html",
               "\n".join([lines[0], "{% set meta = seo.page() %}", *lines[1:]]))
    build(load_config(site.content, site.root / "older", use_cache=False))
    assert tree(site.root / "older") == tree(site.root / "plain")


# ------------------------------------------------------------------ the pool's start method is the caller's

def test_a_pool_starts_its_workers_the_way_it_is_told():
    import workerprobe
    with parallel.process_pool(1, parallel.SPAWN) as pool:
        assert pool.submit(workerprobe.imported, "pytest").result() is False    # a clean interpreter
    with parallel.process_pool(1, parallel.FORK) as pool:
        assert pool.submit(workerprobe.imported, "pytest").result() is True     # a copy of this process
    with pytest.raises(ValueError, match="unknown start method 'thread'"), parallel.process_pool(1, "thread"):
        pass


def test_a_build_with_spawned_workers_gives_the_bytes_of_forked_ones(make_site):
    site = make_site(many(loading.PARALLEL_FROM))
    site.write("site.yml", "title: Many\n")      # no social cards: only the Markdown is converted in the pool

    def config(out: str):
        return load_config(site.content, site.root / out, use_cache=False, jobs=2)
    forked = build(config("forked"), start_method=parallel.FORK)
    spawned = build(config("spawned"), start_method=parallel.SPAWN)
    assert forked.loaded == spawned.loaded == loading.PARALLEL_FROM
    assert tree(site.root / "forked") == tree(site.root / "spawned")
    with pytest.raises(ValueError, match="unknown start method"):    # the choice reaches the pool
        build(config("told"), start_method="thread")


def test_workers_leave_out_the_bodies_the_state_already_holds(make_site, cli):
    # A new site title reloads every explainer (the state's explainers carry the old settings), but their
    # Markdown is unchanged: the workers read and key each file, and the bodies come from the state.
    site = make_site(many(loading.PARALLEL_FROM))
    site.write("site.yml", "title: Many\n")       # no social cards to draw: only the loading is under test
    cli("build", "--jobs", "2", check=True, cwd=site.root)
    site.write("site.yml", "title: Several\n")
    assert "48 explainers" in cli("build", "--jobs", "2", check=True, cwd=site.root).out
    cli("build", "--no-cache", "--jobs", "1", "--out", "fresh", check=True, cwd=site.root)
    assert tree(site.out) == tree(site.root / "fresh")
    assert "Lede 7 with" in site.page("story-007/index.html")


# ------------------------------------------------------------------ bodies: read when needed, kept nowhere

def test_a_stored_body_is_read_from_its_file_on_every_use(tmp_path):
    from generator.markdown.sections import Converter
    body = Converter().convert("A lede.\n\n**Why it matters:** Because.\n")
    stored = bodies.spill_body(body, tmp_path)
    assert stored.load() == body and stored.lede_text == body.lede_text
    stored.path.unlink()
    with pytest.raises(ExplainerError, match="missing from the build cache"):
        stored.lede_text    # noqa: B018 — nothing was kept in memory from the read above


# ------------------------------------------------------------------ each source file read and keyed once

def test_an_edited_explainer_is_read_and_keyed_once(make_site, monkeypatch):
    from generator.content import batch, load
    site = make_site({"a.md": article(body="First." + SECTIONS), "b.md": article(title="B")})
    build(load_config(site.content, site.out))
    reads: list[Path] = []
    keys: list[str] = []
    read_text, body_cache_key = load.yamlfile.read_text, batch.body_cache_key
    monkeypatch.setattr(load.yamlfile, "read_text", lambda path: reads.append(path) or read_text(path))
    monkeypatch.setattr(batch, "body_cache_key", lambda *args: keys.append(body_cache_key(*args)) or keys[-1])
    site.write("a.md", article(body="Second." + SECTIONS))
    assert build(load_config(site.content, site.out)).loaded == 1
    assert reads == [site.content / "a.md"] and len(keys) == 1
    assert "Second." in site.page("a/index.html")
