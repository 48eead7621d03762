"""The shared error helpers and the collector pause around a build."""
from __future__ import annotations

import gc

import pytest

from conftest import article
from generator.errors import ConfigError, ErrorList, did_you_mean, flatten
from generator.parallel import cyclic_gc_paused


def test_did_you_mean_names_the_closest_choice_or_lists_them_all():
    assert did_you_mean("titel", ("title", "date")) == "did you mean 'title'?"
    assert did_you_mean("zzz", ("title", "date")) == "known keys: title, date"
    assert did_you_mean("zzz", {"a": 1, "b": 2}, "kinds") == "kinds: a, b"


def test_did_you_mean_variants_keep_the_wording_of_their_call_sites():
    assert did_you_mean("prod", {"prd": 0, "stage": 0}, "known targets", and_list=True) == \
        "did you mean 'prd'? known targets: prd, stage"
    assert did_you_mean("zzz", ["a"], otherwise="look again") == "look again"
    assert did_you_mean("intro", ["introduction"], cutoff=0.95, otherwise="") == ""
    assert did_you_mean("tops", ["top"], show=lambda found: f"#{found}") == "did you mean '#top'?"


def test_flatten_opens_an_error_list_and_wraps_a_single_error():
    one, two = ConfigError("one"), ConfigError("two")
    assert flatten(ErrorList([one, two])) == [one, two]
    assert flatten(one) == [one]


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_during_a_build_and_left_as_it_was(enabled):
    before = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with pytest.raises(RuntimeError), cyclic_gc_paused():
            assert not gc.isenabled()
            raise RuntimeError("a build that fails")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if before else gc.disable)()


def test_explainer_build_leaves_the_collector_enabled(make_site, monkeypatch, capsys):
    from generator import cli
    site = make_site({"a/index.md": article()})
    monkeypatch.chdir(site.root)
    gc.enable()
    try:
        assert cli.main(["build"]) == 0
        assert gc.isenabled()      # main used to leave it disabled for the rest of the process
    finally:
        gc.enable()
