"""Hostile input: YAML and Markdown that explode, impossible dates, links out of content/, raw HTML.

Each case must end in a `file:line: message (hint)` error (or a documented, safe result) quickly, with no
traceback, and nothing from outside content/ may reach site/.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from conftest import article
from generator import cli, yamlfile
from generator.errors import ContentError

QUICK = 10   # seconds; generous (the old behaviour was minutes), the point is "not minutes"

BILLION_LAUGHS = "".join(
    f"{name}: &{name} [{', '.join([previous] * 9)}]\n"
    for name, previous in zip("abcdefghi", ["x", "*a", "*b", "*c", "*d", "*e", "*f", "*g", "*h"]))


def run_build(site, *extra: str, capsys) -> tuple[int, str]:
    """`explainer build` in-process from the site's folder; (exit code, stderr)."""
    cwd = os.getcwd()
    os.chdir(site.root)
    try:
        code = cli.main(["build", "--no-cache", *extra])
    finally:
        os.chdir(cwd)
    return code, capsys.readouterr().err


def assert_refused(site, capsys, where: str, message: str) -> str:
    started = time.monotonic()
    code, err = run_build(site, capsys=capsys)
    assert time.monotonic() - started < QUICK
    assert code == 1, err
    assert f"error: {where}: {message}" in err, err
    assert "Traceback" not in err
    assert not site.out.exists(), "a failed build writes nothing"
    return err


# --- YAML that explodes -----------------------------------------------------------------------------

def test_the_billion_laughs_is_the_size_of_a_tweet():
    assert len(BILLION_LAUGHS) < 527


def test_an_anchor_bomb_in_site_yml_is_refused_at_once(make_site, capsys):
    site = make_site({"a.md": article(), "site.yml": "title: Desk\ncheck:\n  disable: []\n"
                      + "".join(f"  {line}\n" for line in BILLION_LAUGHS.splitlines())})
    assert_refused(site, capsys, "content/site.yml:8", "YAML aliases expand to more than 10,000 values")


def test_an_anchor_bomb_in_front_matter_is_refused_at_once(make_site, capsys):
    bomb = "".join(f"  {line}\n" for line in BILLION_LAUGHS.splitlines())
    site = make_site({"a.md": f"---\ntitle: T\ndate: 2024-01-02\nfacts:\n{bomb}---\nLede.\n"})
    assert_refused(site, capsys, "content/a.md:9", "YAML aliases expand to more than 10,000 values")


def test_an_anchor_bomb_in_facts_yml_is_refused_at_once(make_site, capsys):
    site = make_site({"a/index.md": article(), "a/facts.yml": BILLION_LAUGHS})
    assert_refused(site, capsys, "content/a/facts.yml:5", "YAML aliases expand to more than 10,000 values")


@pytest.mark.parametrize("levels", [101, 800, 5000])
def test_lists_nested_too_deep_are_refused_at_once(make_site, capsys, levels):
    site = make_site({"a.md": f"---\ntitle: T\ndate: 2024-01-02\nx: {'[' * levels}{']' * levels}\n---\nLede.\n"})
    assert_refused(site, capsys, "content/a.md:4", "YAML nested too deeply: more than 100 levels")


def test_block_nesting_is_refused_at_the_line_that_goes_too_deep(make_site, capsys):
    nested = "".join("  " * level + f"k{level}:\n" for level in range(150))
    site = make_site({"a/index.md": article(), "a/facts.yml": nested})
    assert_refused(site, capsys, "content/a/facts.yml:101", "YAML nested too deeply")


LIMIT_CASES = {
    "bomb": (BILLION_LAUGHS, 5, "YAML aliases expand to more than 10,000 values"),
    "flow 5000": ("a: 1\nx: " + "[" * 5000 + "]" * 5000 + "\n", 2, "YAML nested too deeply"),
    "flow 800": ("x: " + "[" * 800 + "]" * 800 + "\n", 1, "YAML nested too deeply"),
    "block": ("x:\n" + "".join("  " * i + "-\n" for i in range(300)), 101, "YAML nested too deeply"),
    "deep alias": ("a: &a " + "[" * 60 + "]" * 60 + "\nb: " + "[" * 50 + "*a" + "]" * 50 + "\n", 2,
                   "YAML nested too deeply: more than 100 levels once *a is expanded"),
    "self alias": ("a: &a [1, *a]\n", 1, "YAML alias *a refers to the value it is inside of"),
    "self alias in a mapping": ("a: &a {b: *a}\n", 1, "YAML alias *a refers to the value it is inside of"),
}


@pytest.mark.parametrize("case", LIMIT_CASES)
@pytest.mark.parametrize("loader", [yamlfile.FAST_LOADER, yamlfile.PURE_LOADER], ids=["C", "pure"])
def test_both_loaders_refuse_the_same_way(case, loader):
    text, line, message = LIMIT_CASES[case]
    started = time.monotonic()
    with pytest.raises(ContentError) as err:
        yamlfile.parse(text, Path("x.yml"), first_line=1, loader=loader)
    assert time.monotonic() - started < QUICK
    assert str(err.value).startswith(f"x.yml:{line}: {message}"), str(err.value)


@pytest.mark.parametrize("loader", [yamlfile.FAST_LOADER, yamlfile.PURE_LOADER], ids=["C", "pure"])
def test_ordinary_anchors_and_nesting_still_load(loader):
    text = ("defaults: &defaults {kind: s3, region: eu-west-1}\n"
            "deploy:\n  - <<: *defaults\n    name: live\n  - <<: *defaults\n    name: staging\n"
            "deep: " + "[" * 99 + "1" + "]" * 99 + "\n")
    data = yamlfile.parse(text, Path("x.yml"), loader=loader)
    assert data["deploy"][1] == {"kind": "s3", "region": "eu-west-1", "name": "staging"}
    many = "x: &x [" + ", ".join(["1"] * 99) + "]\n" + "".join(f"k{n}: *x\n" for n in range(100))
    assert len(yamlfile.parse(many, Path("x.yml"), loader=loader)) == 101   # 10,000 values: the limit


def test_emphasis_nested_thousands_deep_is_an_error_not_a_recursion_error(make_site, capsys):
    site = make_site({"a.md": article(body="Lede.\n\nFine line.\n\n" + "*" * 5000 + "x" + "*" * 5000 + "\n")})
    assert_refused(site, capsys, "content/a.md:9", "Markdown nested too deeply to convert")


def test_underscores_nested_thousands_deep_in_a_bundle(make_site, capsys):
    site = make_site({"a/index.md": article(body="_" * 5000 + "x" + "_" * 5000 + "\n")})
    assert_refused(site, capsys, "content/a/index.md:5", "Markdown nested too deeply to convert")


# --- impossible dates and times -----------------------------------------------------------------------

IMPOSSIBLE = {
    "2026-02-30": "day is out of range for month",
    "2026-13-01": "month must be in 1..12",
    "2026-01-01T25:00:00": "hour must be in 0..23",
    "2026-01-01T10:00:00+25:00": "a time zone offset must be less than 24 hours",
}


@pytest.mark.parametrize("value", IMPOSSIBLE)
def test_an_impossible_date_in_front_matter_names_the_value_and_line(make_site, capsys, value):
    site = make_site({"a.md": article(date=value)})
    err = assert_refused(site, capsys, "content/a.md:3", f"not a real date: {value} ({IMPOSSIBLE[value]};")
    assert "quotes" in err


@pytest.mark.parametrize("value", IMPOSSIBLE)
def test_an_impossible_date_anywhere_else(make_site, capsys, value):
    site = make_site({"a/index.md": article(updated=value)})
    assert_refused(site, capsys, "content/a/index.md:4", f"not a real date: {value}")
    site.write("a/index.md", article(updates=f"\n  - date: 2024-01-03\n    note: fine\n  - date: {value}\n"
                                              "    note: impossible"))
    assert_refused(site, capsys, "content/a/index.md:7", f"not a real date: {value}")
    site.write("a/index.md", article())
    site.write("a/facts.yml", f"- label: Founded\n  value: {value}\n")
    assert_refused(site, capsys, "content/a/facts.yml:2", f"not a real date: {value}")
    site.write("a/facts.yml", "- label: Founded\n  value: 1999\n")
    site.write("site.yml", f"title: Desk\nlaunch: {value}\n")
    assert_refused(site, capsys, "content/site.yml:2", f"not a real date: {value}")


@pytest.mark.parametrize("loader", [yamlfile.FAST_LOADER, yamlfile.PURE_LOADER], ids=["C", "pure"])
def test_both_loaders_agree_on_impossible_dates(loader):
    for value, reason in IMPOSSIBLE.items():
        with pytest.raises(ContentError) as err:
            yamlfile.parse(f"a: 1\nb: [{value}]\n", Path("x.yml"), first_line=3, loader=loader)
        assert str(err.value).startswith(f"x.yml:4: not a real date: {value} ({reason};")
    assert str(yamlfile.parse("a: 2026-02-28\n", Path("x.yml"), loader=loader)["a"]) == "2026-02-28"
