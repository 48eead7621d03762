"""The build cache and parallel conversion: faster rebuilds, never different output."""
import io
import json
import sys
from pathlib import Path

import pytest

from conftest import article


def many(n: int) -> dict[str, str]:
    files = {"site.yml": "title: Many\nbase_url: https://example.com/\n"}
    for i in range(n):
        files[f"story-{i:03d}/index.md"] = article(
            f"Story {i}", date=f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", category=f"Cat {i % 3}",
            tags=f"[t{i % 5}, t{i % 7}]",
            body=f"Lede {i} with \"quotes\".\n\n**Why it matters:** {'word ' * 40}\n\n**The big picture:** x\n")
        files[f"story-{i:03d}/facts.yml"] = f"- label: Number\n  value: {i}\n"
    return files


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_output_is_identical_with_or_without_cache_and_workers(make_site, cli):
    site = make_site(many(60))
    cli("build", "--no-cache", "--jobs", "1", "--out", "serial", check=True, cwd=site.root)
    cli("build", "--jobs", "2", "--out", "parallel", check=True, cwd=site.root)
    cli("build", "--jobs", "2", "--out", "parallel", check=True, cwd=site.root)   # from the cache
    assert tree(site.root / "serial") == tree(site.root / "parallel")
    assert len(tree(site.root / "serial")) > 60


def test_warm_build_renders_nothing_and_one_edit_renders_its_pages(make_site, cli):
    site = make_site(many(60))
    cli("build", check=True, cwd=site.root)
    warm = cli("build", "-v", check=True, cwd=site.root)
    assert " 0 files written" in warm.out
    story = site.content / "story-007/index.md"
    story.write_text(story.read_text().replace("Lede 7", "Lede seven"))
    edited = cli("build", check=True, cwd=site.root)
    # The explainer page and its category's feed (feeds carry the full text); lists show titles, not ledes.
    assert " 2 files written" in edited.out
    assert "Lede seven" in site.page("story-007/index.html")
    story.write_text(story.read_text().replace("title: Story 7", "title: Story Seven"))
    retitled = cli("build", check=True, cwd=site.root)
    assert "Story Seven" in site.page("index.html") and "Story Seven" in site.page("category/cat-1/index.html")
    written = int(retitled.out.split(" files written")[0].rsplit(" ", 1)[1])
    # The page, the list pages that show its card (an index page, its category and tag pages), the explainers
    # that show it among their related ones, the feeds it is in.
    assert 3 <= written <= 12, retitled.out


def test_damaged_cache_is_ignored(make_site, cli):
    site = make_site(many(5))
    cli("build", check=True, cwd=site.root)
    cache = site.root / ".explainer-cache"
    damaged = [path for path in cache.rglob("*") if path.is_file() and path.name != ".gitignore"]
    assert any(path.name.startswith("build-") for path in damaged)
    for path in damaged:
        path.write_bytes(b"not what was written")
    result = cli("build", check=True, cwd=site.root)
    assert "Built 5 explainers" in result.out and result.err == ""


def test_missing_body_files_are_rebuilt(make_site, cli):
    site = make_site(many(5))
    cli("build", check=True, cwd=site.root)
    for body in (site.root / ".explainer-cache" / "bodies").iterdir():
        body.unlink()
    story = site.content / "story-001/index.md"
    story.write_text(story.read_text() + "\nMore.\n")
    result = cli("build", check=True, cwd=site.root)
    assert result.code == 0 and "More." in site.page("story-001/index.html")
    (site.root / "site" / "story-002" / "index.html").unlink()
    cli("build", check=True, cwd=site.root)
    assert "Lede 2" in site.page("story-002/index.html")


def test_changed_template_rerenders_every_page(make_site, cli):
    site = make_site(many(5))
    cli("build", check=True, cwd=site.root)
    site.write("/themes/default/templates/partials/byline.html", "<p class=\"byline\">BYLINE</p>\n")
    cli("build", check=True, cwd=site.root)
    assert all("BYLINE" in site.page(f"story-{i:03d}/index.html") for i in range(5))


def test_manually_edited_output_file_is_rewritten(make_site, cli):
    site = make_site(many(3))
    cli("build", check=True, cwd=site.root)
    page = site.out / "story-001" / "index.html"
    original = page.read_bytes()
    page.write_text("tampered")
    cli("build", check=True, cwd=site.root)
    assert page.read_bytes() == original


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("stream, shown", [(Terminal, True), (io.StringIO, False)])
def test_progress_bar_only_on_a_terminal(make_site, monkeypatch, stream, shown):
    import gc

    from generator import cli
    from generator.content import batch
    site = make_site(many(60))
    monkeypatch.setattr(batch, "PROGRESS_FROM", 1)        # as a build of hundreds of explainers does
    err = stream()
    monkeypatch.setattr(sys, "stderr", err)
    try:
        assert cli.main(["build", "--content", str(site.content), "--out", str(site.out), "--jobs", "2",
                         "--no-cache"]) == 0
    finally:
        gc.enable()                                       # the CLI turns it off for its own process
    assert ("converting [" in err.getvalue()) is shown
    assert ("60/60" in err.getvalue()) is shown


def test_big_builds_keep_bodies_on_disk_and_give_the_same_bytes(make_site, monkeypatch):
    from generator import build
    from generator.config import load_config
    from generator.incremental import loading
    site = make_site(many(60))
    build.build(load_config(site.content, site.root / "in-memory", use_cache=False, jobs=1))
    monkeypatch.setattr(loading, "SPILL_FROM", 1)    # as a 10,000-explainer site does
    build.build(load_config(site.content, site.root / "spilled", use_cache=False, jobs=2))
    build.build(load_config(site.content, site.root / "spilled-cached", jobs=2))
    build.build(load_config(site.content, site.root / "spilled-cached", jobs=2))   # bodies from the cache
    assert tree(site.root / "in-memory") == tree(site.root / "spilled") == tree(site.root / "spilled-cached")


def test_nothing_changed_is_known_without_loading_anything(make_site, cli):
    site = make_site(many(5))
    cli("build", check=True, cwd=site.root)
    quick = cli("build", "-v", check=True, cwd=site.root)
    assert " 0 files written" in quick.out and "no-op " in quick.out and "load " not in quick.out
    for record in (site.root / ".explainer-cache").glob("noop-*.json"):     # without the no-op record:
        record.unlink()
    checked = cli("build", "-v", check=True, cwd=site.root)        # the build's own up-to-date check
    assert " 0 files written" in checked.out and "check " in checked.out and "load " not in checked.out


def test_a_changed_content_file_outside_bundles_is_copied(make_site, cli):
    site = make_site({**many(3), "images/chart.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>"})
    cli("build", check=True, cwd=site.root)
    site.write("images/chart.svg", "<svg xmlns='http://www.w3.org/2000/svg' width='2'/>")
    cli("build", check=True, cwd=site.root)
    assert "width='2'" in site.page("images/chart.svg")


def test_a_scheduled_explainer_appears_once_its_time_has_come(make_site, cli):
    site = make_site({**many(3), "later.md": article("Later", date="2031-05-01T09:00:00+00:00")})
    cli("build", "--as-of", "2031-05-01T08:00:00+00:00", check=True, cwd=site.root)
    early = cli("build", "--as-of", "2031-05-01T08:30:00+00:00", check=True, cwd=site.root)
    assert "next scheduled: later goes live 2031-05-01T09:00:00+00:00" in early.out
    assert not (site.out / "later").exists()
    cli("build", "--as-of", "2031-05-01T09:30:00+00:00", check=True, cwd=site.root)
    assert (site.out / "later" / "index.html").is_file()


@pytest.mark.parametrize("items", [0, 1, 199, 200, 201, 400, 1001])
def test_the_cache_file_is_written_in_pieces_with_the_bytes_of_one_json_dumps(tmp_path, items):
    from generator.incremental import cache
    loaded = [[[1700000000 + n, n * 7], {"title": f"Überschrift «{n}» \u2028 ✓", "tags": [], "n": n / 3}]
              for n in range(items)]
    data = {"config_key": "k\"ey", "loaded": loaded, "bodies": {f"b{n}": "x" for n in range(items)},
            "empty": [], "short": [1, 2], "none": None}
    cache.write_data(tmp_path / "state.json", data, tmp_path / "content", tmp_path / "site")
    written = (tmp_path / "state.json").read_bytes()
    whole = {"tag": cache.TAG, "for": json.loads(written)["for"], **data}
    assert written == json.dumps(whole, separators=(",", ":")).encode("ascii")
    if items >= 2 * cache.JSON_RUN:                             # never the whole text at once
        assert max(map(len, cache.json_pieces(whole))) < len(written) / 2
    assert cache.read_data(tmp_path / "state.json", tmp_path / "content", tmp_path / "site")["loaded"] == loaded


@pytest.mark.parametrize("damaged", [False, True], ids=["kept", "its-file-damaged"])
def test_bodies_taken_from_the_cache_after_a_site_yml_edit_keep_their_pictures(make_site, cli, damaged):
    """An edit to site.yml that changes no Markdown setting (the title) loads every explainer again, each body
    taken from the cache as converted before: their pictures are still published as derivatives (they come
    from that body, not from the text left out of the conversion), also when a cached body's file turns out
    to be damaged."""
    from test_errors import png
    site = make_site({"site.yml": "title: T\n", "pictured/chart.png": png(60, 40),
                      "pictured/index.md": article("Pictured", body="Lede.\n\n![A chart](chart.png)\n")})
    cli("build", check=True, cwd=site.root)
    if damaged:
        for body in (site.root / ".explainer-cache" / "bodies").iterdir():
            body.write_bytes(body.read_bytes()[:-20])
    (site.content / "site.yml").write_text("title: Another title\n")
    cli("build", check=True, cwd=site.root)
    cli("build", "--no-cache", "--out", "fresh", check=True, cwd=site.root)
    assert "<picture>" in site.page("pictured/index.html")
    assert tree(site.out) == tree(site.root / "fresh")


def test_a_state_read_from_its_file_knows_each_stamp_s_digest(make_site, cli):
    """The digests of the explainers' stamps come with the state file (kept with their cards), so a build
    where one file changed does not digest every stamp again; each is the digest of the stamp it is with."""
    from generator.incremental import state
    from generator.incremental.cache import digest_of
    site = make_site({"site.yml": "title: T\n", **{f"story-{i}/index.md": article(f"Story {i}") for i in range(3)}})
    cli("build", check=True, cwd=site.root)
    state_file = next(p for p in (site.root / ".explainer-cache").glob("build-*.json") if "record" not in p.name)
    loaded = state.load_state(state_file, site.content, site.out)
    assert len(loaded.loaded) == 3
    assert loaded.stamp_digests == {source: (stamp, digest_of(stamp)) for source, (stamp, _) in loaded.loaded.items()}


def test_a_build_without_the_cache_keeps_the_files_it_would_write_alike(make_site, cli):
    """With the cache gone, the build cannot trust its manifest: it compares what it makes with what is in
    site/ and keeps each file that is the same (its mtime stays; a deploy sees no change), cards too."""
    site = make_site(many(6))
    cli("build", check=True, cwd=site.root)
    out = site.root / "site"
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    assert any(p.name == "social-card.png" for p in before)
    for path in (site.root / ".explainer-cache").rglob("*"):
        if path.is_file() and not path.name.startswith("."):
            path.unlink()
    again = cli("build", check=True, cwd=site.root)
    kept = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    assert [p.relative_to(out).as_posix() for p in before if kept.get(p) != before[p]] == []
    assert " 0 files written" in again.out, again.out
