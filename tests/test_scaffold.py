"""`explainer new`: a draft from the Smart Brevity skeleton, and a whole site that builds and checks clean."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from datetime import date, datetime, timezone

import pytest
import yaml

from conftest import article
from generator import content
from generator.config import load_config
from generator.errors import ExplainerError
from generator.markdown.sections import Converter
from generator.scaffold import new_explainer, slugify

SKELETON = ["Why it matters", "The big picture", "Driving the news", "What they’re saying", "What’s next",
            "Go deeper"]


@pytest.mark.parametrize("title, slug", [
    ("What the new law changes", "what-the-new-law-changes"),
    ("What’s next for the Fed's rate plan?", "whats-next-for-the-feds-rate-plan"),
    ("Ελλάδα: τι αλλάζει στις εκλογές", "ελλάδα-τι-αλλάζει-στις-εκλογές"),
    ("日本の選挙 2025", "日本の選挙-2025"),
    ("Straße & Café — 10 things", "straße-café-10-things"),
    ("  --Leading and trailing!!  ", "leading-and-trailing"),
    ("A very long title that goes on well past what anyone would want to type into a URL bar",
     "a-very-long-title-that-goes-on-well-past-what-anyone-would"),
])
def test_slugs_keep_every_script_and_drop_apostrophes(title, slug):
    assert slugify(title) == slug
    assert len(slug) <= 60


def test_new_writes_a_draft_with_the_skeleton_and_example_facts(make_site):
    site = make_site({})
    created = new_explainer(site.content, "The vote: what’s next?", category="Politics", today=date(2026, 3, 4))
    assert [p.relative_to(site.content).as_posix() for p in created] == [
        "the-vote-whats-next/index.md", "the-vote-whats-next/facts.yml"]
    folder = site.content / "the-vote-whats-next"
    front = content.split_front_matter((folder / "index.md").read_text(encoding="utf-8"), folder / "index.md")
    assert front.data == {"title": "The vote: what’s next?", "date": date(2026, 3, 4), "category": "Politics",
                          "draft": True, "summary": "TODO: one sentence for search results and social previews."}
    body = Converter().convert(front.body)
    assert [s.label for s in body.sections] == SKELETON
    assert body.lede_text.startswith("TODO: the lede.")
    facts = yaml.safe_load((folder / "facts.yml").read_text(encoding="utf-8"))
    assert len(facts["facts"]) == 2
    assert all(fact["source"] for fact in facts["facts"])


def test_single_file_keeps_the_facts_in_front_matter(make_site):
    site = make_site({})
    new_explainer(site.content, "One file", single_file=True, today=date(2026, 3, 4))
    assert sorted(p.name for p in site.content.iterdir()) == ["one-file.md"]
    explainers, _ = content.load_all(load_config(site.content))
    (one,) = explainers
    assert (one.slug, one.draft, one.category, len(one.facts.facts)) == ("one-file", True, None, 2)
    assert [s.label for s in one.body.sections] == SKELETON


def test_titles_that_look_like_yaml_stay_text(make_site):
    site = make_site({})
    title = 'Yes: "quoted" #1 — 2024'
    new_explainer(site.content, title, category="no", today=date(2026, 3, 4), slug="odd")
    (loaded,), _ = content.load_all(load_config(site.content))
    assert (loaded.title, loaded.category.name) == ("Yes: “quoted” #1 — 2024", "no")


def test_new_round_trip_builds_and_checks_clean_but_for_its_placeholders(make_site, cli):
    site = make_site({"done.md": article(summary="S", body="Lede.\n\n**Why it matters:** x\n\n"
                                         "**The big picture:** y\n")})
    result = cli("new", "Rates are going up", "--category", "Economy")
    assert result.code == 0, result.err
    assert "content/rates-are-going-up/index.md" in result.out
    source = (site.content / "rates-are-going-up" / "index.md").read_text(encoding="utf-8")
    assert f"date: {datetime.now(timezone.utc).date().isoformat()}" in source

    built = cli("build", "--drafts")
    assert built.code == 0, built.err
    page = site.page("rates-are-going-up/index.html")
    assert '<section data-axiom="why-it-matters" data-axiom-key="why-it-matters" id="why-it-matters">' in page
    assert '<aside class="facts"' in page

    assert cli("check").code == 0            # a draft is not checked without --drafts
    checked = cli("check", "--drafts", "--format", "json")
    assert checked.code == 1
    findings = json.loads(checked.out)["findings"]
    assert {f["rule"] for f in findings} == {"content/placeholder"}
    assert {f["path"] for f in findings} == {"content/rates-are-going-up/index.md",
                                             "content/rates-are-going-up/facts.yml"}
    assert len(findings) == 14


def test_filling_in_the_placeholders_makes_check_pass(make_site, cli):
    site = make_site({})
    cli("new", "Rates are going up", check=True)
    folder = site.content / "rates-are-going-up"
    for name in ("index.md", "facts.yml"):
        path = folder / name
        path.write_text(path.read_text(encoding="utf-8").replace("TODO: ", ""), encoding="utf-8")
    result = cli("check", "--drafts")
    assert result.code == 0, result.out
    assert result.out.splitlines()[-1] == "Checked 1 explainer and 3 pages: no problems found."


@pytest.mark.parametrize("existing", ["rates/index.md", "rates.md", "Rates/notes.txt"])
def test_an_existing_slug_is_refused(make_site, cli, existing):
    site = make_site({existing: article()})
    before = sorted(p.relative_to(site.content).as_posix() for p in site.content.rglob("*"))
    result = cli("new", "Rates")
    assert result.code == 1
    assert "an explainer named 'rates' already exists (choose another title, or pass --slug another-name)" \
        in result.err
    assert "Traceback" not in result.err
    assert sorted(p.relative_to(site.content).as_posix() for p in site.content.rglob("*")) == before
    assert cli("new", "Rates", "--slug", "rates-2").code == 0


@pytest.mark.parametrize("args, message", [
    (["new"], "error: an explainer needs a title"),
    (["new", "   "], "error: an explainer needs a title"),
    (["new", "!!! ???"], "error: the title has no letters or digits to make a URL from (pass --slug"),
    (["new", "Category"], "error: 'category' is reserved for the site's own pages (pass --slug"),
    (["new", "Fine", "--slug", "a b"], "error: 'a b' cannot be an explainer's URL"),
    (["new", "Fine", "--content", "elsewhere"], "error: content folder not found: elsewhere (run this in "
     "your site's folder, pass --content DIR, or start a site with `explainer new --site DIR`)"),
])
def test_bad_titles_and_slugs_are_refused_with_a_fix(make_site, cli, args, message):
    make_site({})
    result = cli(*args)
    assert result.code == 1
    assert result.err.startswith(message), result.err


def test_new_site_builds_and_checks_clean(tmp_path, cli):
    result = cli("new", "--site", "desk", "Our desk")
    assert result.code == 0, result.err
    desk = tmp_path / "desk"
    assert sorted(p.relative_to(desk).as_posix() for p in desk.rglob("*") if p.is_file()) == [
        "content/how-to-write-an-explainer/facts.yml", "content/how-to-write-an-explainer/index.md",
        "content/site.yml", "themes/default/README.md"]
    built = cli("build", cwd=desk)
    assert built.code == 0, built.err
    page = (desk / "site/how-to-write-an-explainer/index.html").read_text(encoding="utf-8")
    assert "<title>How to write an explainer | Our desk</title>" in page
    checked = cli("check", "--strict", cwd=desk)
    assert checked.code == 0, checked.out
    assert checked.out.splitlines() == ["Checked 1 explainer and 5 pages: no problems found."]


def test_the_theme_readme_recipe_overrides_one_template(tmp_path, cli):
    cli("new", "--site", "desk", check=True)
    desk = tmp_path / "desk"
    readme = (desk / "themes/default/README.md").read_text(encoding="utf-8")
    recipe = readme.split("    {% extends", 1)[1].split("\n\n", 1)[0]
    template = "{% extends" + "\n".join(line.removeprefix("    ") for line in recipe.split("\n"))
    (desk / "themes/default/templates").mkdir()
    (desk / "themes/default/templates/base.html").write_text(template + "\n", encoding="utf-8")
    cli("build", cwd=desk, check=True)
    page = (desk / "site/how-to-write-an-explainer/index.html").read_text(encoding="utf-8")
    assert '<meta name="theme-color" content="#1a5fb4">' in page
    assert '<h1 id="title">How to write an explainer</h1>' in page
    assert cli("check", cwd=desk).code == 0


def test_new_site_refuses_an_existing_site(tmp_path, cli):
    (tmp_path / "desk/content").mkdir(parents=True)
    result = cli("new", "--site", "desk")
    assert result.code == 1
    assert result.err.startswith("error: desk/content: desk/content already exists")


def test_new_explainer_goes_where_content_says(make_site, tmp_path):
    site = make_site({})
    with pytest.raises(ExplainerError):
        new_explainer(tmp_path / "missing", "Title")
    new_explainer(site.content, "Title", today=date(2026, 1, 1))
    assert (site.content / "title" / "index.md").is_file()


@pytest.mark.slow
def test_the_wheel_ships_the_scaffold_templates(tmp_path):
    from conftest import REPO
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(REPO)],
                   check=True, timeout=600, capture_output=True)
    (wheel,) = tmp_path.glob("explainer-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {p.name for p in (REPO / "generator" / "scaffold_templates").iterdir()}
    assert {f"generator/scaffold_templates/{name}" for name in shipped} <= names
