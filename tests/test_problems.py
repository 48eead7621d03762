"""One problem type and one formatter: build's stderr, check's text and JSON and the preview's terminal and
error page show a problem the same way, with paths relative to the root the command line chose."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import article
from generator import content
from generator.build import Builder
from generator.check.site import check_site, format_text
from generator.config import load_config
from generator.errors import ContentError, ExplainerError, problems
from generator.problems import Formatter, Place, Problem
from generator.serve.errorpage import error_page
from generator.serve.preview import Preview
from generator.serve.reload import ReloadHub

GOOD = "Lede.\n\n**Why it matters:** x\n\n**The big picture:** y\n"
BYLINE = "/themes/default/templates/partials/byline.html"
WHERE = "themes/default/templates/partials/byline.html:2"
MESSAGE = "error rendering a/index.html: ZeroDivisionError: integer division or modulo by zero"
HINT = "fix the expression on that line"


@pytest.fixture
def broken_theme(make_site):
    """A site whose explainer page fails in a template partial, line 2."""
    return make_site({"a.md": article(summary="S.", body=GOOD), BYLINE: "<p>\n{{ 1 // 0 }}\n</p>\n"})


def test_build_check_and_the_preview_show_one_problem_the_same_way(broken_theme, cli, capsys):
    site = broken_theme
    built = cli("build", "--content", "content", "--out", "site")
    assert built.code == 1
    assert built.err == f"error: {WHERE}: {MESSAGE} ({HINT})\n  while rendering the page of content/a.md\n"

    checked = cli("check", "--content", "content")
    assert checked.out.splitlines()[0] == (f"{WHERE}: error: build/error: {MESSAGE} ({HINT}), while rendering "
                                           "the page of content/a.md")
    document = json.loads(cli("check", "--content", "content", "--format", "json").out)
    assert document["findings"] == [{"path": WHERE.split(":")[0], "line": 2, "level": "error", "rule": "build/error",
                                     "message": f"{MESSAGE} ({HINT}), while rendering the page of content/a.md"}]

    # The preview: the same lines on its terminal, the same parts on the page every open tab shows.
    preview = Preview(Builder(lambda: load_config(site.content, site.root / "preview"), fingerprint=False),
                      site.root / "preview", ReloadHub(), Formatter(site.root))
    capsys.readouterr()
    preview.rebuild()
    assert capsys.readouterr().err.startswith(built.err)
    assert preview.failure is not None
    page = error_page(preview.failure, preview.shown).decode()
    assert (f'<li><code class="where">{WHERE}</code>: <span class="message">{MESSAGE}</span> '
            f'<span class="hint">({HINT})</span> <br><span class="page-of">while rendering the page of '
            '<code>content/a.md</code></span></li>') in page


def test_a_broken_feed_entry_names_its_explainer_in_build_check_and_preview(make_site, cli, capsys):
    site = make_site({"site.yml": "base_url: https://example.org/\n", "a.md": article(summary="S.", body=GOOD),
                      "/themes/default/templates/partials/feed-entry.html": "{{ explainer.no_such.field }}\n"})
    built = cli("build", "--content", "content", "--out", "site")
    assert built.code == 1 and "  while rendering the page of content/a.md" in built.err, built.err
    assert ", while rendering the page of content/a.md" in cli("check", "--content", "content").out
    preview = Preview(Builder(lambda: load_config(site.content, site.root / "preview"), fingerprint=False),
                      site.root / "preview", ReloadHub(), Formatter(site.root))
    preview.rebuild()
    assert "while rendering the page of content/a.md" in capsys.readouterr().err


def test_paths_are_shown_from_the_folder_the_command_runs_in(make_site, cli, tmp_path):
    site = make_site({"a.md": "---\ntitle: A\ndate: someday\n---\nLede.\n"})
    expected = "error: {}a.md:3: date is not a date: 'someday'"
    out = ("--out", site.out)
    assert cli("build", "--content", site.content, *out, cwd=site.root).err.startswith(expected.format("content/"))
    assert cli("build", "--content", site.content, *out, cwd=site.content).err.startswith(expected.format(""))
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    elsewhere.mkdir()
    result = cli("build", "--content", site.content, *out, cwd=elsewhere)
    assert result.err.startswith(expected.format(f"{site.content.resolve()}/"))       # outside it: in full
    checked = cli("check", "--content", site.content, cwd=site.content)
    assert checked.out.startswith("a.md:3: error: build/error: date is not a date")


def test_nothing_below_the_command_line_asks_for_the_working_folder_to_show_a_problem(make_site, monkeypatch,
                                                                                      tmp_path):
    site = make_site({"a.md": article(body="Lede [x](nowhere/).\n"),
                      "b.md": "---\ntitle: B\ndate: 2024-01-02\n---\nLede.\n"})

    def no_cwd(*args, **kwargs):
        raise AssertionError("the working folder was asked for")
    monkeypatch.chdir(tmp_path.parent)
    monkeypatch.setattr(Path, "cwd", staticmethod(no_cwd))
    report = check_site(load_config(site.content, site.out))
    text = format_text(report, Formatter(site.root))
    assert ("content/a.md:5: error: links/internal: nowhere/ points at no page or file in the site (check the "
            "spelling and the folder)") in text.splitlines()
    site.write("b.md", "---\ntitle: B\ndate: later\n---\nLede.\n")
    with pytest.raises(ExplainerError) as err:
        content.load_all(load_config(site.content, site.out))
    assert Formatter(site.root).build_errors(problems(err.value)) == (
        "error: content/b.md:3: date is not a date: 'later' (use YYYY-MM-DD or an ISO 8601 time such as "
        "2026-11-26T09:30:00+01:00)")
    assert str(err.value).startswith(f"{site.content}/b.md:3: ")      # no root: the path as it was given


def test_the_formatter_shows_paths_relative_to_its_root(tmp_path, monkeypatch):
    root = tmp_path / "newsroom"
    (root / "content").mkdir(parents=True)
    (root / "content" / "real.md").write_text("x")
    (root / "content" / "link.md").symlink_to(root / "content" / "real.md")
    monkeypatch.chdir(tmp_path)          # the process's folder plays no part
    shown = Formatter(root)
    assert shown.place(Place(root / "content" / "a.md", 3)) == "content/a.md:3"
    assert shown.place(Place(Path("content/a.md"), 3)) == "content/a.md:3"       # relative: to the root
    assert shown.place(Place(root / "content" / "link.md")) == "content/link.md"  # the link, not its target
    assert shown.place(Place(tmp_path / "other.md", 1)) == f"{tmp_path}/other.md:1"
    assert shown.place(Place("tag/index.html")) == "tag/index.html"              # a page of the site
    message = ContentError(("a link to a file outside ", root / "content", "/"), Place(root / "x.md", 2),
                           hint=("copy it into ", root / "content", "/"))
    assert shown.located(message.problem) == "x.md:2: a link to a file outside content/ (copy it into content/)"
    assert Formatter().located(message.problem).startswith(f"{root}/x.md:2: a link to a file outside {root}/")
    assert shown.finding(Problem(None, "no place", rule="build/error")) == ".: error: build/error: no place"


def test_problems_cross_processes_with_their_page(tmp_path):
    import pickle
    err = ContentError("m", Place(tmp_path / "a.md", 1), hint="h", page_of=Place(tmp_path / "b.md"))
    again = pickle.loads(pickle.dumps(err))
    assert again.problem == err.problem and again.page_of == Place(tmp_path / "b.md")
    assert os.fspath(again.where.path) == os.fspath(tmp_path / "a.md")
