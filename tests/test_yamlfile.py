"""YAML with line numbers: the C loader and the pure-Python one must agree, errors included."""
from pathlib import Path

import pytest

from generator import yamlfile
from generator.errors import ContentError

BAD = [
    "title: 'open\ndate: 2020-01-01\n",
    "a: [1, 2\nb: 3\n",
    "a: b: c\n",
    "a: 1\na: 2\n",
    "- x\ny: 1\n",
    "a:\n  - b\n  c: d\n",
    "a: {b: 1, b: 2}\n",
    "? [1, 2]\n: x\n",
    "a: *nowhere\n",
    "a: 1\n\tb: 2\n",
]


@pytest.mark.parametrize("text", BAD)
def test_both_loaders_report_the_same_error(text):
    messages = []
    for loader in (yamlfile.FAST_LOADER, yamlfile.PURE_LOADER):
        with pytest.raises(ContentError) as err:
            yamlfile.parse(text, Path("x.md"), first_line=2, loader=loader)
        messages.append(str(err.value))
    fast, pure = messages
    assert fast.split(":")[:2] == pure.split(":")[:2], (fast, pure)   # same file and line
    assert fast == pure or ("invalid YAML" in fast and "invalid YAML" in pure)


def test_fast_loader_is_the_c_one_when_libyaml_is_there():
    import yaml
    if hasattr(yaml, "CSafeLoader"):
        assert issubclass(yamlfile.FAST_LOADER, yaml.CSafeLoader)


def test_line_numbers_of_keys():
    data = yamlfile.parse("a: 1\n\nb:\n  c: 2\n", Path("x.yml"), first_line=5)
    assert yamlfile.line_of(data, "a", 5) == 5 and yamlfile.line_of(data, "b", 5) == 7
    assert yamlfile.line_of(data["b"], "c", 5) == 8


def test_a_quote_left_open_is_blamed_not_the_line_where_parsing_fails():
    text = 'title: "Why the sea <b>now\ndate: 2025-03-04\ncategory: Science\nsummary: "The Moon"\n'
    for loader in (yamlfile.FAST_LOADER, yamlfile.PURE_LOADER):
        with pytest.raises(ContentError) as err:
            yamlfile.parse(text, Path("x.md"), first_line=2, loader=loader)
        assert str(err.value).startswith("x.md:2: invalid YAML")


@pytest.mark.parametrize("loader", [yamlfile.FAST_LOADER, yamlfile.PURE_LOADER], ids=["fast", "pure"])
def test_list_items_keep_their_own_lines(loader):
    text = "disable:\n  - links\n  - links\n  -\n    name: x\nflow: [a,\n  b]\n"
    data = yamlfile.parse(text, Path("x.yml"), first_line=1, loader=loader)
    assert [yamlfile.line_of(data["disable"], n, 1) for n in range(3)] == [2, 3, 5]
    assert [yamlfile.line_of(data["flow"], n, 1) for n in range(2)] == [6, 7]
    assert data["disable"] == ["links", "links", {"name": "x"}]      # still plain lists to everyone else
    assert yamlfile.line_of(data["disable"], 7, 1) == 1              # no such item: the first line
