"""The preview's scan after a save: only the bundles holding the paths its watcher saw change are stamped
again, and the result is what a whole scan gives; anything it cannot vouch for is scanned whole."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import article
from generator.build import Builder
from generator.config import load_config
from generator.incremental import stamps


@pytest.fixture
def site(make_site):
    stories = {f"story-{i}/index.md": article(f"Story {i}", f"2024-01-0{i + 1}", f"Lede {i}.\n") for i in range(4)}
    return make_site(stories | {"story-0/facts.yml": "- label: One\n  value: fact\n", "about.txt": "Static.\n"})


def _config(site):
    return load_config(site.content, site.out)


def _touch(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000))   # a new mtime on any file system
    return os.path.realpath(path)


@pytest.mark.parametrize("change", ["edit the Markdown", "edit the facts", "add a picture", "add a subfolder",
                                    "remove a file"])
def test_a_change_inside_bundles_restamps_them_alone(site, change):
    config = _config(site)
    before = stamps.snapshot(config)
    bundle = site.content / "story-0"
    if change == "edit the Markdown":
        changed = [_touch(bundle / "index.md", article("Story 0", "2024-01-01", "Edited.\n"))]
    elif change == "edit the facts":
        changed = [_touch(bundle / "facts.yml", "- label: Another\n  value: fact\n")]
    elif change == "add a picture":
        changed = [_touch(bundle / "chart.svg", "<svg/>")]
    elif change == "add a subfolder":
        changed = [_touch(bundle / "data" / "table.csv", "a,b\n")]
    else:
        changed = [os.path.realpath(bundle / "facts.yml")]
        (bundle / "facts.yml").unlink()
    again = stamps.snapshot_again(config, before, changed)
    assert again.tree is before.tree, "a whole scan was made"
    assert again == stamps.snapshot(config)
    assert again.stamps[bundle / "index.md"] != before.stamps[bundle / "index.md"]


@pytest.mark.parametrize("change", ["a new bundle", "a static file", "site.yml", "index.md removed", "a theme file",
                                    "the watch restarted", "a folder outside content"])
def test_anything_else_is_scanned_whole(site, change, tmp_path):
    config = _config(site)
    before = stamps.snapshot(config)
    unreported = _touch(site.content / "story-3" / "index.md", article("Story 3", "2024-01-04", "Unseen.\n"))
    if change == "a new bundle":
        changed = [_touch(site.content / "story-9" / "index.md", article("Story 9"))]
    elif change == "a static file":
        changed = [_touch(site.content / "about.txt", "Changed.\n")]
    elif change == "site.yml":
        changed = [_touch(site.content / "site.yml", "title: Another\n")]
    elif change == "index.md removed":
        changed = [os.path.realpath(site.content / "story-1" / "index.md")]
        (site.content / "story-1" / "index.md").unlink()
    elif change == "a theme file":
        changed = [str(tmp_path / "themes" / "mine" / "templates" / "base.html")]
    elif change == "the watch restarted":
        changed = [""]
    else:
        changed = [_touch(tmp_path / "elsewhere" / "notes.md", "x")]
    config = _config(site)
    again = stamps.snapshot_again(config, before, changed)
    assert again.stamps[Path(unreported)] != before.stamps[Path(unreported)], "only the reported paths were scanned"
    assert again == stamps.snapshot(config)


def test_a_site_with_links_in_bundles_is_scanned_whole(site):
    """A link's target may be in another bundle: a save there changes the linking bundle's stamp too."""
    (site.content / "story-1" / "shared.md").symlink_to(site.content / "story-2" / "notes.md")
    _touch(site.content / "story-2" / "notes.md", "Notes.\n")
    config = _config(site)
    before = stamps.snapshot(config)
    changed = [_touch(site.content / "story-2" / "notes.md", "Longer notes than before.\n")]
    again = stamps.snapshot_again(config, before, changed)
    assert again == stamps.snapshot(config)
    assert again.stamps[site.content / "story-1" / "index.md"] != before.stamps[site.content / "story-1" / "index.md"]


def test_a_builder_told_what_changed_publishes_the_edit(site):
    builder = Builder(lambda: _config(site))
    try:
        builder.build()
        changed = _touch(site.content / "story-2" / "index.md", article("Story 2", "2024-01-03", "A new lede.\n"))
        report = builder.build([changed])
        assert report.rendered >= 1
        assert "A new lede." in site.page("story-2/index.html")
        _touch(site.content / "story-9" / "index.md", article("Story 9", "2024-01-09", "Brand new.\n"))
        builder.build([os.path.realpath(site.content / "story-9" / "index.md")])
        assert "Brand new." in site.page("story-9/index.html")
    finally:
        builder.close()


def test_a_failed_scan_is_not_taken_as_the_last_one(site):
    """The paths a failed build was told about are consumed: the next build must scan whole."""
    builder = Builder(lambda: _config(site))
    try:
        builder.build()
        clash = _touch(site.content / "story-1.md", article("Clash"))    # two explainers with one slug
        with pytest.raises(Exception, match="slug"):
            builder.build([clash])
        os.unlink(clash)
        edited = _touch(site.content / "story-3" / "index.md", article("Story 3", "2024-01-04", "Fixed.\n"))
        builder.build([os.path.realpath(site.content / "story-0" / "index.md")])   # story-3's edit not told
        assert "Fixed." in site.page("story-3/index.html"), edited
    finally:
        builder.close()
