"""The seams of the pipeline: worker processes started as the caller says."""
from __future__ import annotations

import pytest

from generator import build as build_module
from generator import parallel
from generator.build import build
from generator.config import load_config
from test_cache import many, tree

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
