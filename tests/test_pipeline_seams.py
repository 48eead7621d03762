"""The seams of the pipeline: one edition of the site for build and check, worker processes started as the
caller says, a theme environment nobody changes after it is made."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import article
from generator import build as build_module
from generator import content, parallel
from generator.build import build
from generator.check.site import check_site
from generator.config import load_config
from generator.render import Renderer, listing, seo, site_pages, themes
from generator.render.filters import FILTERS
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
    clashes = [f for f in report.findings if f.rule == "build/error" and "clashes with" in f.message]
    assert [(Path(f.path).as_posix(), f.message.split(",")[0]) for f in clashes] == [
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
    site = make_site(many(build_module.PARALLEL_FROM))
    site.write("site.yml", "title: Many\n")      # no social cards: only the Markdown is converted in the pool

    def config(out: str):
        return load_config(site.content, site.root / out, use_cache=False, jobs=2)
    forked = build(config("forked"), start_method=parallel.FORK)
    spawned = build(config("spawned"), start_method=parallel.SPAWN)
    assert forked.loaded == spawned.loaded == build_module.PARALLEL_FROM
    assert tree(site.root / "forked") == tree(site.root / "spawned")
    with pytest.raises(ValueError, match="unknown start method"):    # the choice reaches the pool
        build(config("told"), start_method="thread")


# ------------------------------------------------------------------ filters once, per-render data passed

def index_of(site, title: str, env) -> Callable[[], str]:
    """How to render the home page of the site titled `title`, with `env`."""
    site.write("site.yml", f"title: {title}\n")
    config = load_config(site.content, site.out)
    explainers, _ = content.load_all(config)
    renderer = Renderer(config, env, themes.fingerprint(themes.static_files(themes.resolve(config))),
                        listing(explainers))
    return next(page.render for page in site_pages(renderer) if page.path == "index.html")


def test_two_sites_rendered_with_one_environment_each_see_their_own_context(make_site):
    site = make_site({"a.md": article(body="Lede." + SECTIONS)})
    env = themes.environment(themes.resolve(load_config(site.content, site.out)))
    filters, globals_ = dict(env.filters), dict(env.globals)
    morning, evening = index_of(site, "Morning Desk", env), index_of(site, "Evening Desk", env)
    assert BeautifulSoup(morning(), "html.parser").title.get_text() == "Morning Desk"
    assert BeautifulSoup(evening(), "html.parser").title.get_text() == "Evening Desk"
    assert (dict(env.filters), dict(env.globals)) == (filters, globals_), "rendering changed the environment"


def test_the_filter_table_is_in_every_environment_from_the_start(make_site):
    site = make_site({"a.md": article()})
    env = themes.environment(themes.resolve(load_config(site.content, site.out)))
    assert {name: env.filters[name] for name in FILTERS} == dict(FILTERS)
    assert "site" not in env.globals and "seo" not in env.globals


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
