"""The no-op build (generator/incremental/noop.py): a build that finds nothing changed since the last one
with the same options says so from its record alone (`-v` shows its one stage, `no-op`), prints what the
normal warm build prints, and for every kind of change to what the output depends on takes the normal path,
whose output is byte for byte a build's from nothing."""
from __future__ import annotations

import json
import os
import re
import shutil
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import REPO, article

PARTIAL = "themes/default/templates/partials/byline.html"


def files(n: int = 4) -> dict[str, str]:
    found = {"site.yml": "title: No-op\nbase_url: /\n",
             "draft.md": article("A draft", draft="true"),
             "later.md": article("Later", date="2099-05-01T09:00:00+00:00"),
             "files/notes.txt": "notes\n"}
    for i in range(n):
        found[f"story-{i}/index.md"] = article(f"Story {i}", date=f"2024-01-0{i + 1}", category="Politics",
                                               body=f"Lede {i}.\n\n**Why it matters:** it does.\n")
        found[f"story-{i}/facts.yml"] = f"- label: Number\n  value: {i}\n"
    return found


@pytest.fixture
def site(make_site):
    made = make_site(files())
    (made.content / "empty").mkdir()                       # folders with nothing in them (yet)
    (made.content / "story-0/pictures/new").mkdir(parents=True)
    (made.content / "files/deep/deeper").mkdir(parents=True)
    zero = made.write("files/zero.txt", "")                 # empty, and dated 1970 (as some archives leave them)
    os.utime(zero, ns=(0, 0))
    local = made.root / PARTIAL                            # a site-local override of one partial
    local.parent.mkdir(parents=True)
    local.write_text((REPO / PARTIAL).read_text(encoding="utf-8") + "<!-- local -->\n", encoding="utf-8")
    return made


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def build(cli, site, *options: str):
    return cli("build", "-v", *options, check=True, cwd=site.root)


def took_noop(result) -> bool:
    return "\n  no-op " in result.out


def from_nothing(cli, site, *options: str) -> dict[str, bytes]:
    fresh = site.root / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    cli("build", "--no-cache", "--out", "fresh", *options, check=True, cwd=site.root)
    return tree(fresh)


def noop_record(site) -> Path:
    [record] = (site.root / ".explainer-cache").glob("noop-*.json")
    return record


def same_size_edit(path: Path, old: str, new: str, keep_mtime: bool = False) -> None:
    assert len(old.encode()) == len(new.encode())
    before = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    if keep_mtime:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    else:   # a later mtime even where the clock is coarse
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))


def test_a_build_with_nothing_changed_takes_the_no_op_path_and_prints_what_the_warm_build_prints(site, cli):
    build(cli, site)
    quick = build(cli, site)
    assert took_noop(quick) and " 0 files written" in quick.out
    noop_record(site).unlink()
    normal = build(cli, site)                                 # the build's own up-to-date check
    assert not took_noop(normal) and "\n  check " in normal.out

    def shown(result) -> tuple[str, str]:
        summary = re.sub(r"in \d+\.\d\d s", "in S s", result.out.split("\n  no-op ")[0].split("\n  check ")[0])
        return summary, result.err
    assert shown(quick) == shown(normal)
    assert "1 draft left out" in quick.out and "next scheduled: later goes live 2099-05-01T09:00:00+00:00" in quick.out
    assert "warning: base_url '/' is not an absolute URL" in quick.err
    assert took_noop(build(cli, site))                        # the normal path left a record again


def _body(site): same_size_edit(site.content / "story-1/index.md", "Lede 1.", "Lede X.")
def _facts(site): same_size_edit(site.content / "story-2/facts.yml", "value: 2", "value: 9")
def _file_in_bundle(site): site.write("story-1/chart.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>")
def _file_in_empty_folder(site): site.write("empty/new.txt", "new\n")
def _file_deep_in_a_bundle(site): site.write("story-0/pictures/new/chart.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>")
def _file_deep_in_a_folder(site): site.write("files/deep/deeper/more.txt", "more\n")
def _zero_file_deleted(site): (site.content / "files/zero.txt").unlink()
def _static_file_edit(site): same_size_edit(site.content / "files/notes.txt", "notes", "NOTES")
def _new_explainer(site): site.write("new-one/index.md", article("New one", date="2024-02-01"))
def _new_single_file_explainer(site): site.write("single.md", article("Single", date="2024-02-02"))
def _deleted_explainer(site): shutil.rmtree(site.content / "story-2")
def _renamed_folder(site): (site.content / "story-2").rename(site.content / "story-two")
def _draft_published(site): same_size_edit(site.content / "draft.md", "draft: true", "draft: no  ")


def _site_yml_same_size_same_mtime(site):
    same_size_edit(site.content / "site.yml", "title: No-op", "title: No-up", keep_mtime=True)


def _theme_template(site): same_size_edit(site.root / PARTIAL, "<!-- local -->", "<!-- LOCAL -->")
def _theme_file_added(site): site.write("/themes/default/static/extra.css", "p { color: red }\n")
def _theme_override_removed(site): shutil.rmtree(site.root / "themes")
def _output_file_deleted(site): (site.out / "story-1/index.html").unlink()
def _output_file_edited(site): (site.out / "story-1/index.html").write_text("edited by hand", encoding="utf-8")
def _output_file_added(site): (site.out / "story-1/stray.html").write_text("stray", encoding="utf-8")
def _output_folder_deleted(site): shutil.rmtree(site.out / "story-3")


def _leftover_staging_folder(site):
    (site.root / ".site.new-999999999-abcdefgh").mkdir()     # a killed build's: no such process


@pytest.mark.parametrize("change", [
    _body, _facts, _file_in_bundle, _file_in_empty_folder, _file_deep_in_a_bundle, _file_deep_in_a_folder,
    _static_file_edit, _zero_file_deleted, _new_explainer,
    _new_single_file_explainer, _deleted_explainer, _renamed_folder, _draft_published,
    _site_yml_same_size_same_mtime, _theme_template, _theme_file_added, _theme_override_removed,
    _output_file_deleted, _output_file_edited, _output_file_added, _output_folder_deleted,
    _leftover_staging_folder], ids=lambda change: change.__name__.strip("_"))
def test_every_change_takes_the_normal_path_and_gives_a_build_from_nothing(site, cli, change):
    build(cli, site)
    assert took_noop(build(cli, site))
    change(site)
    after = build(cli, site)
    assert not took_noop(after), after.out
    assert tree(site.out) == from_nothing(cli, site)
    assert not list(site.root.glob(".site.*"))                # staging folders of killed builds are gone
    assert took_noop(build(cli, site))                        # and the next build has nothing to do again


def test_what_the_stamps_promise_an_edit_keeping_size_and_mtime_is_not_seen_by_either_path(site, cli):
    """The same promise as the normal path's stamps (size and mtime, as Make and Hugo's server): a content
    file edited with its size and mtime put back is taken as unchanged, by the no-op record and without it."""
    build(cli, site)
    same_size_edit(site.content / "story-1/index.md", "Lede 1.", "Lede X.", keep_mtime=True)
    assert took_noop(build(cli, site))
    noop_record(site).unlink()
    assert " 0 files written" in build(cli, site).out


@pytest.mark.parametrize("first, second", [
    ((), ("--drafts",)), ((), ("--future",)), ((), ("--base-url", "https://example.org/news/")),
    (("--as-of", "2030-01-01T00:00"), ("--as-of", "2099-06-01T00:00")),
    ((), ("--theme", "default")), (("--drafts",), ()),
], ids=["drafts", "future", "base-url", "as-of", "theme", "drafts-off"])
def test_a_changed_option_takes_the_normal_path(site, cli, first, second):
    build(cli, site, *first)
    assert took_noop(build(cli, site, *first))
    after = build(cli, site, *second)
    assert not took_noop(after)
    assert tree(site.out) == from_nothing(cli, site, *second)
    assert took_noop(build(cli, site, *second))


def test_the_same_as_of_takes_the_no_op_path_and_prints_its_next_scheduled(site, cli):
    build(cli, site, "--as-of", "2099-05-01T08:00")
    again = build(cli, site, "--as-of", "2099-05-01T08:00")
    assert took_noop(again) and "next scheduled: later goes live 2099-05-01T09:00:00+00:00" in again.out


def test_an_embargo_coming_due_takes_the_normal_path(site, cli):
    soon = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=3)
    site.write("soon.md", article("Soon", date=soon.isoformat()))
    build(cli, site)
    waiting = build(cli, site)
    assert took_noop(waiting) and not (site.out / "soon").exists()
    time.sleep(max(0.0, (soon - datetime.now(timezone.utc)).total_seconds()) + 0.2)
    due = build(cli, site)
    assert not took_noop(due) and (site.out / "soon/index.html").is_file()
    assert tree(site.out) == from_nothing(cli, site)


def test_a_site_local_theme_appearing_takes_the_normal_path(site, cli):
    """`themes/` beside the content is looked in for a theme before the packaged one: one made after the
    build changes which templates render, though no file the build read changed."""
    shutil.rmtree(site.root / "themes")
    build(cli, site)
    assert took_noop(build(cli, site))
    site.write("/" + PARTIAL, (REPO / PARTIAL).read_text(encoding="utf-8") + "<!-- appeared -->\n")
    after = build(cli, site)
    assert not took_noop(after) and "<!-- appeared -->" in site.page("story-1/index.html")
    assert tree(site.out) == from_nothing(cli, site)


def test_a_theme_reached_through_a_link_leaves_no_record(site, cli):
    """A link's target can change while every folder the record stamps stays as it was: `--theme` through a
    link, retargeted to another theme, must render with the new one."""
    for name, mark in (("one", "<!-- one -->"), ("two", "<!-- two -->")):
        folder = site.root / "elsewhere" / name
        shutil.copytree(REPO / "themes/default", folder)
        partial = folder / "templates/partials/byline.html"
        partial.write_text(partial.read_text(encoding="utf-8") + mark + "\n", encoding="utf-8")
    link = site.root / "current"
    link.symlink_to(site.root / "elsewhere/one")
    build(cli, site, "--theme", "./current")
    assert not list((site.root / ".explainer-cache").glob("noop-*.json"))
    link.unlink()
    link.symlink_to(site.root / "elsewhere/two")
    after = build(cli, site, "--theme", "./current")
    assert not took_noop(after) and "<!-- two -->" in site.page("story-1/index.html")
    assert tree(site.out) == from_nothing(cli, site, "--theme", "./current")


def _damage(record: Path) -> None: record.write_bytes(record.read_bytes()[:-40])
def _not_a_mapping(record: Path) -> None: record.write_text("[]")
def _not_json(record: Path) -> None: record.write_bytes(b"\x80\x81 not json")


def _edit(change):
    def edit(record: Path) -> None:
        data = json.loads(record.read_bytes())
        change(data)
        record.write_text(json.dumps(data))
    return edit


@pytest.mark.parametrize("damage", [
    _damage, _not_a_mapping, _not_json,
    _edit(lambda d: d.update(tag=d["tag"].replace("noop", "noop 0"))),           # another version's
    _edit(lambda d: d.update({"for": ["/elsewhere/content", d["for"][1]]})),     # other folders'
    _edit(lambda d: d.update(key="0" * 32)),                                     # other options'
    _edit(lambda d: d.update(outputs=[])),
    _edit(lambda d: d.update(files=[["x", 1]])),
    _edit(lambda d: d.update(folders="x")),
    _edit(lambda d: d["printed"].update(pages="many")),
    _edit(lambda d: d["printed"].update(next=["later", "not a date"])),
    _edit(lambda d: d.update(window=[None, 0])),                                 # its window has passed
], ids=["cut", "list", "bytes", "version", "folders", "options", "outputs", "files", "folder-stamps", "pages",
        "date", "window"])
def test_a_damaged_or_foreign_record_takes_the_normal_path(site, cli, damage):
    build(cli, site)
    damage(noop_record(site))
    after = build(cli, site)
    assert not took_noop(after) and " 0 files written" in after.out and "Traceback" not in after.err
    assert tree(site.out) == from_nothing(cli, site)
    assert took_noop(build(cli, site))


def test_no_record_without_the_cache_or_with_links_in_the_content(site, cli):
    cli("build", "--no-cache", check=True, cwd=site.root)
    assert not (site.root / ".explainer-cache").exists()
    build(cli, site)
    (site.content / "story-1/linked.txt").symlink_to(site.content / "files/notes.txt")
    build(cli, site)
    assert not list((site.root / ".explainer-cache").glob("noop-*.json"))
    assert not took_noop(build(cli, site))


def _listed_by(result) -> str:
    """How the build listed its inputs, as `-v` says: `restat` (the no-op record's listing, only the files
    stat'ed again) or `scan` (every folder listed)."""
    return "restat" if "\n  restat " in result.out else "scan" if "\n  scan " in result.out else "neither"


@pytest.mark.parametrize("change, listed", [
    (_body, "restat"), (_facts, "restat"), (_static_file_edit, "restat"), (_theme_template, "restat"),
    (_draft_published, "restat"), (_output_file_edited, "restat"),
    (_file_in_bundle, "scan"), (_file_deep_in_a_bundle, "scan"), (_new_explainer, "scan"),
    (_new_single_file_explainer, "scan"), (_deleted_explainer, "scan"), (_renamed_folder, "scan"),
    (_zero_file_deleted, "scan"), (_theme_file_added, "scan"), (_site_yml_same_size_same_mtime, "scan"),
], ids=lambda value: value if isinstance(value, str) else value.__name__.strip("_"))
def test_files_changed_in_place_are_stamped_again_without_listing_a_folder(site, cli, change, listed):
    """Every folder as the record stamped it means every folder lists what it listed for the last build: the
    build takes that listing from the record and stats the files again; a file added, removed or renamed,
    site.yml or the code changed takes the full scan. Either way the output is a build's from nothing."""
    build(cli, site)
    change(site)
    after = build(cli, site)
    assert _listed_by(after) == listed, after.out
    assert tree(site.out) == from_nothing(cli, site)
    assert took_noop(build(cli, site))


@pytest.mark.parametrize("damage", [
    _edit(lambda d: d.update(scan=None)),
    _edit(lambda d: d["scan"]["explainers"][0].__setitem__(2, 5)),                     # more files than it has
    _edit(lambda d: d["scan"]["explainers"][1].__setitem__(0, "../elsewhere")),       # not a slug
    _edit(lambda d: d["scan"]["explainers"].reverse()),                                # out of order
    _edit(lambda d: d["scan"].update(theme=d["scan"]["theme"] + 1)),                   # the counts do not add up
    _edit(lambda d: d["scan"].update(content="elsewhere")),
    _edit(lambda d: d["scan"].update(chain=[])),
], ids=["none", "count", "slug", "order", "theme", "content", "chain"])
def test_a_record_whose_listing_does_not_fit_is_scanned_again(site, cli, damage):
    build(cli, site)
    _body(site)
    damage(noop_record(site))
    after = build(cli, site)
    assert _listed_by(after) == "scan" and "Traceback" not in after.err
    assert tree(site.out) == from_nothing(cli, site)


@pytest.mark.parametrize("spelled", ["content", "./content", "ABSOLUTE", "ABSOLUTE/", "."])
def test_the_record_s_listing_makes_the_scan_s_snapshot_however_the_content_folder_is_spelled(site, spelled,
                                                                                             monkeypatch):
    """`stamps.from_record` spells every path as the scan does (the state's explainers are keyed by them: a
    path spelled otherwise would load every explainer again)."""
    from generator.config import load_config
    from generator.incremental import noop, stamps
    monkeypatch.chdir(site.content if spelled == "." else site.root)
    folder = Path(spelled.replace("ABSOLUTE", str(site.content)))
    config = load_config(folder, site.root / "site")
    scanned = stamps.snapshot(config)
    files = [[path, size, mtime] for path, mtime, size in stamps.record_files(scanned)]
    made = stamps.from_record(config, noop.Restat(stamps.scan_record(config, scanned), {}, files, ()))
    assert made is not None
    assert made.tree == scanned.tree and made.stamps == scanned.stamps and made.static_stamp == scanned.static_stamp
    assert [(str(source), str(bundle)) for _, source, bundle in made.tree.explainers] == \
        [(str(source), str(bundle)) for _, source, bundle in scanned.tree.explainers]
