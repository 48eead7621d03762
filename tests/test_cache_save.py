"""The save at the end of a build reuses what it can: the state's mappings are lines of runs of entries whose
bytes are kept while the entries stay the same (cache.mapping_chunks), the record and the no-op record take
the output files' and folders' bytes from the state's, and the prune looks only among the body files the
state's read found. None of it may change what is saved: these tests compare it with a save from nothing."""
from __future__ import annotations

import json
import os
import random
import shutil
import time
from pathlib import Path

import pytest

from conftest import article
from test_cache_safety import stories
from test_noop_build import noop_record, took_noop


def state_file(site) -> Path:
    return next(p for p in (site.root / ".explainer-cache").glob("build-*.json") if "record" not in p.name)


def record_file(site) -> Path:
    return next((site.root / ".explainer-cache").glob("build-*.record.json"))


def as_it_is(out: Path) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Every output file's [size, mtime_ns] and every folder's [inode, mtime_ns], as stat says now."""
    files, folders = {}, {}
    for folder, _, names in os.walk(out):
        rel = os.path.relpath(folder, out)
        rel = "" if rel == "." else rel
        st = os.stat(folder)
        folders[rel] = [st.st_ino, st.st_mtime_ns]
        for name in names:
            st = os.stat(os.path.join(folder, name))
            files[f"{rel}/{name}" if rel else name] = [st.st_size, st.st_mtime_ns]
    return files, folders


EDITS = {
    "text": lambda site: site.write("story-2/index.md", site.content.joinpath("story-2/index.md").read_text()
                                    + "\nOne more line.\n"),
    "title": lambda site: site.write("story-4/index.md", site.content.joinpath("story-4/index.md").read_text()
                                     .replace("title: Story 4", "title: Story four")),
    "new": lambda site: site.write("story-new/index.md", article("A new one", date="2024-03-20", tags="[a]")),
    "gone": lambda site: shutil.rmtree(site.content / "story-1"),
}


@pytest.mark.parametrize("chunk", [2, 256], ids=["runs-of-2", "runs-of-256"])
def test_a_state_saved_from_the_bytes_it_read_is_the_state_saved_from_nothing(make_site, cli, monkeypatch, chunk):
    """After each kind of edit, the state file a build saved (most of its lines the bytes it read) is byte
    for byte what saving the same state from nothing writes, and it loads as the same state; the record and
    the no-op record it left describe the output folder as it is, so the next build has nothing to do."""
    from generator.incremental import cache, state
    monkeypatch.setattr(cache, "CHUNK", chunk)          # runs of 2: every mapping is many lines
    site = make_site(stories(9))
    cli("build", check=True, cwd=site.root)
    for name, edit in EDITS.items():
        edit(site)
        cli("build", check=True, cwd=site.root)
        path = state_file(site)
        saved = path.read_bytes()
        read = state.load_state(path, site.content, site.out)
        assert read.loaded and read.manifest and read.chunks["outputs"], name
        afresh = state.BuildState(config_key=read.config_key, theme_stamp=read.theme_stamp, loaded=read.loaded,
                                  bodies=read.bodies, manifest=read.manifest, shown=read.shown, cards=read.cards,
                                  folders=read.folders, related=read.related)     # no bytes kept to reuse
        again = path.with_name("build-again.json")
        state.save_state(again, afresh, site.content, site.out)
        assert again.read_bytes() == saved, name
        reread = state.load_state(again, site.content, site.out)
        for field in ("config_key", "theme_stamp", "manifest", "shown", "cards", "folders", "related", "bodies"):
            if field == "bodies":
                assert {k: b.name for k, b in reread.bodies.items()} == {k: b.name for k, b in read.bodies.items()}
            else:
                assert getattr(reread, field) == getattr(read, field), (name, field)
        again.unlink()
        files, folders = as_it_is(site.out)
        record = json.loads(record_file(site).read_bytes())
        assert (record["outputs"], record["folders"]) == (files, folders), name
        noop = json.loads(noop_record(site).read_bytes())
        assert (noop["outputs"], noop["out_folders"]) == (files, folders), name
        assert took_noop(cli("build", "-v", check=True, cwd=site.root)), name


def test_a_mapping_encoded_from_the_runs_of_another_is_its_own_json(monkeypatch):
    """Whatever mapping the runs at hand were made from, the bytes are the compact JSON of the mapping given,
    and a run whose entries are those of the run in its place is that run's bytes, not encoded again."""
    from generator.incremental import cache
    monkeypatch.setattr(cache, "CHUNK", 3)
    rng = random.Random(19)

    def value() -> object:
        return rng.choice([f"d{rng.randrange(5)}", [rng.randrange(3), rng.randrange(3)],
                           (f"s{rng.randrange(3)}", "x"), ("t",) * rng.randrange(3)])

    for _ in range(300):
        before = {f"k{rng.randrange(40)}": value() for _ in range(rng.randrange(12))}
        after = dict(before)
        for _ in range(rng.randrange(4)):
            action = rng.randrange(3)
            if action == 0 and after:
                after[rng.choice(list(after))] = value()
            elif action == 1 and after:
                del after[rng.choice(list(after))]
            else:
                after[f"n{rng.randrange(40)}"] = value()
        previous = cache.mapping_chunks(before)
        runs = cache.mapping_chunks(after, previous)
        assert cache.joined_object(runs) == json.dumps(after, separators=(",", ":")).encode("ascii")
        for number, (run, data) in enumerate(runs):
            if number < len(previous) and previous[number][0] == run:
                assert data is previous[number][1]
    same = cache.mapping_chunks({"a": "1", "b": "2", "c": "3", "d": "4"})
    first, second = cache.mapping_chunks({"a": "1", "b": "2", "c": "3", "d": "5"}, same)
    assert first[1] is same[0][1] and second[1] == b'{"d":"5"}'


def test_a_body_file_nothing_refers_to_leaves_the_cache_once_it_is_an_hour_old(make_site, cli):
    """The prune looks among the files the folder held when the state was read: one nothing refers to goes
    once it is an hour old (younger, it may be a concurrent build's), and every file the state names stays."""
    from generator.incremental import state
    site = make_site(stories(3))
    cli("build", check=True, cwd=site.root)
    bodies = site.root / ".explainer-cache" / "bodies"
    old, young = bodies / ("0" * 32 + ".json"), bodies / ("1" * 32 + ".json")
    for stray in (old, young):
        stray.write_bytes(b"[]")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    EDITS["text"](site)
    cli("build", check=True, cwd=site.root)
    assert not old.exists() and young.exists()
    read = state.load_state(state_file(site), site.content, site.out)
    named = {e.body.name for _, e in read.loaded.values()} | {e.sidebars.name for _, e in read.loaded.values()}
    assert len(read.loaded) == 3 and all((bodies / name).is_file() for name in named)
