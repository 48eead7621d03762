"""A builder's rebuild after an edit to what only an explainer's own page shows (its text, its sidebar boxes)
makes the edition from the previous one (`edition.prepare_again`): the preview's one-save rebuild at 3,000
explainers skips the lists by term, the related choice and a page object per explainer. Whatever the edit,
the builder's output folder stays byte for byte what a build from nothing writes.
"""
from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from conftest import article
from test_archives import day, tree_bytes, write
from test_errors import png

SITE_YML = "title: T\nbase_url: https://example.com/\npaginate: 3\nrelated: 2\n"


def one(i: int, body: str = "Lede {i}.\n\n**Why it matters:** {i}.\n", **fields: str) -> str:
    fields = {"category": "C" if i % 2 else "D", "tags": f"[t{i % 3}, all]", **fields}
    return article(f"E{i}", date=fields.pop("date", day(i)), body=body.format(i=i),
                   **{k: v for k, v in fields.items() if v})


def facts(value: str) -> str:
    return f"- label: Number\n  value: '{value}'\n"


def site_files() -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {"site.yml": SITE_YML}
    for i in range(1, 13):
        files[f"e{i:02d}/index.md"] = one(i)
        files[f"e{i:02d}/facts.yml"] = facts(str(i))
    for part, i in enumerate((2, 4, 6), start=1):
        files[f"e{i:02d}/index.md"] = one(i, series="Path", series_order=str(part))
    files["e07/index.md"] = one(7, translation_key="k")
    files["e08/index.md"] = one(8, translation_key="k", language="es")
    files["e09/pic.png"] = png(60, 40)
    return files


# (what, files written (None: removed), whether the rebuild makes the edition from the previous one)
EDITS: list[tuple[str, dict[str, str | bytes | None], bool]] = [
    ("the newest one's text (in every feed)", {"e12/index.md": one(12, body="A new lede.\n")}, True),
    ("an old one's text", {"e01/index.md": one(1, body="Another lede.\n")}, True),
    ("its text again", {"e12/index.md": one(12, body="A third lede.\n")}, True),
    ("a facts box", {"e03/facts.yml": facts("three")}, True),
    ("a translation's text", {"e08/index.md": one(8, body="Otra entrada.\n", translation_key="k", language="es")},
     True),
    ("a series part's text", {"e04/index.md": one(4, body="Part two.\n", series="Path", series_order="2")}, True),
    ("two texts at once", {"e05/index.md": one(5, body="Five.\n"), "e10/index.md": one(10, body="Ten.\n")}, True),
    ("a picture in the text", {"e09/index.md": one(9, body="Lede.\n\n![A chart](pic.png)\n")}, False),
    ("a title", {"e02/index.md": one(2, series="Path", series_order="1").replace("title: E2", "title: E-two")},
     False),
    ("a tag", {"e10/index.md": one(10, body="Ten.\n", tags="[t1, new]")}, False),
    ("a date", {"e11/index.md": one(11, date=day(40))}, False),
    ("a summary", {"e06/index.md": one(6, series="Path", series_order="3", summary="Six, summed up.")}, False),
    ("a text after those", {"e09/index.md": one(9, body="Lede, edited.\n\n![A chart](pic.png)\n")}, True),
    ("a new explainer", {"e13/index.md": one(13)}, False),
    ("one removed", {"e01/index.md": None, "e01/facts.yml": None}, False),
    ("site.yml", {"site.yml": SITE_YML + "description: D\n"}, False),
    ("a text at last", {"e12/index.md": one(12, body="The last lede.\n")}, True),
]


def apply(root: Path, files: dict[str, str | bytes | None]) -> None:
    for rel, text in files.items():
        if text is None:
            (root / rel).unlink()
        else:
            write(root, {rel: text})


def fresh_build(root: Path, out: Path) -> dict[str, bytes]:
    from generator.build import build
    from generator.config import load_config
    shutil.rmtree(out, ignore_errors=True)
    build(load_config(root, out, use_cache=False))
    return tree_bytes(out)


@pytest.mark.parametrize("told", [False, True], ids=["scan-all", "told-the-saved-paths"])
def test_after_every_kind_of_edit_the_builder_writes_what_a_build_from_nothing_writes(tmp_path, told):
    """Text-only edits take the short way (the test fails if they do not: `fresh` says which pages were made
    anew), every other edit the whole way; after each, the builder's folder equals a fresh build's."""
    from generator.build import Builder
    from generator.config import load_config
    root = write(tmp_path / "content", site_files())
    builder = Builder(lambda: load_config(root, tmp_path / "site"), own_output=True)
    builder.build()
    taken = []
    for what, files, _ in EDITS:
        apply(root, files)
        builder.build([str(root / rel) for rel in files] if told else None)
        taken.append((what, builder.session.made.edition.fresh is not None))
        assert tree_bytes(tmp_path / "site") == fresh_build(root, tmp_path / "fresh"), what
    builder.close()
    assert taken == [(what, short) for what, _, short in EDITS]


def test_a_short_rebuild_shows_the_new_text_on_its_page_and_in_the_feeds_and_renders_nothing_else(tmp_path):
    from generator.build import Builder
    from generator.config import load_config
    root = write(tmp_path / "content", site_files())
    builder = Builder(lambda: load_config(root, tmp_path / "site"), own_output=True)
    builder.build()
    apply(root, {"e11/index.md": one(11, body="Brand new words.\n")})     # a C explainer, second newest
    report = builder.build()
    builder.close()
    assert set(report.changed_paths) == {"e11/index.html", "feed.xml", "category/c/feed.xml", "en/feed.xml"}
    for rel in report.changed_paths:
        assert "Brand new words." in (tmp_path / "site" / rel).read_text(encoding="utf-8"), rel


def test_a_failed_rebuild_is_followed_by_a_whole_one(tmp_path):
    """A build that fails keeps no edition to start from: the next one prepares everything, and a text edit
    after it takes the short way again."""
    from generator.build import Builder
    from generator.config import load_config
    from generator.errors import ExplainerError
    root = write(tmp_path / "content", site_files())
    builder = Builder(lambda: load_config(root, tmp_path / "site"), own_output=True)
    builder.build()
    apply(root, {"e05/facts.yml": "- label: [not, text]\n"})
    with pytest.raises(ExplainerError):
        builder.build()
    assert builder.session.made is None
    apply(root, {"e05/facts.yml": facts("five")})
    builder.build()
    assert builder.session.made.edition.fresh is None
    apply(root, {"e05/index.md": one(5, body="Five again.\n")})
    builder.build()
    assert builder.session.made.edition.fresh is not None
    builder.close()
    assert tree_bytes(tmp_path / "site") == fresh_build(root, tmp_path / "fresh")


def test_after_so_many_editions_made_again_a_whole_one_is_prepared(tmp_path, monkeypatch):
    """Each edition made again keeps the renderers its kept pages were made with: after GENERATIONS of them
    a whole edition is prepared, and the short way is taken again after it."""
    from generator import edition
    from generator.build import Builder
    from generator.config import load_config
    monkeypatch.setattr(edition, "GENERATIONS", 2)
    root = write(tmp_path / "content", site_files())
    builder = Builder(lambda: load_config(root, tmp_path / "site"), own_output=True)
    builder.build()
    short = []
    for n in range(4):
        apply(root, {"e05/index.md": one(5, body=f"Edit {n}.\n")})
        builder.build()
        short.append(builder.session.made.edition.fresh is not None)
    builder.close()
    assert short == [True, True, False, True]
    assert tree_bytes(tmp_path / "site") == fresh_build(root, tmp_path / "fresh")


def test_a_kept_state_saved_after_an_edition_made_again_gives_each_stamp_its_own_digest(tmp_path):
    """A builder that keeps its state in `.explainer-cache/` and made its last edition from the one before
    (the page-skip rule digests only the pages made anew) saves no card entry with the digest
    of another stamp: a build in another process takes each saved stamp digest for the stamp it is saved with."""
    from generator.build import Builder
    from generator.config import load_config
    from generator.incremental import state
    from generator.incremental.cache import digest_of
    root = write(tmp_path / "content", site_files())
    builder = Builder(lambda: load_config(root, tmp_path / "site"), persist=True)
    builder.build()
    apply(root, {"e11/index.md": one(11, body="Brand new words.\n")})
    builder.build()
    assert builder.session.made.edition.fresh is not None            # the short way
    builder.close()
    [state_file] = [p for p in (tmp_path / ".explainer-cache").glob("build-*.json") if "record" not in p.name]
    saved = state.load_state(state_file, root, tmp_path / "site")
    assert len(saved.loaded) == 12
    assert saved.stamp_digests == {source: (stamp, digest_of(stamp)) for source, (stamp, _) in saved.loaded.items()
                                   if source in saved.stamp_digests}
    assert len(saved.stamp_digests) >= 11


def red_png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#c33").save(buffer, "PNG")
    return buffer.getvalue()


def later(root: Path, files: dict[str, str | bytes | None]) -> None:
    """The written files dated a second later than they were: a build tells each edit by its stamp, even
    where the file system's clock is coarser than two writes in a row."""
    for rel, text in files.items():
        if text is not None:
            stat = (root / rel).stat()
            os.utime(root / rel, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


@pytest.fixture
def fresh_sets(monkeypatch) -> list[frozenset[str] | None]:
    """What `edition.with_fresh_pages` said in each build since the list was last cleared (it is not asked
    when something other than an explainer's text changed)."""
    from generator import edition
    said: list[frozenset[str] | None] = []
    real = edition.with_fresh_pages

    def noting(*args, **kwargs):
        made = real(*args, **kwargs)
        said.append(made.fresh)
        return made
    monkeypatch.setattr(edition, "with_fresh_pages", noting)
    return said


def test_a_command_line_build_after_every_kind_of_edit_writes_what_a_build_from_nothing_writes(tmp_path, cli,
                                                                                             fresh_sets):
    """`explainer build` in a process of its own after each edit (the state from `.explainer-cache/`, the
    files that changed from the no-op record): after a text-only edit only the pages showing that explainer
    whole are digested (`edition.with_fresh_pages` names them; every other page keeps the key the state
    saved), after every other edit every page is; either way the folder equals a build's from nothing."""
    root = write(tmp_path / "content", site_files())
    cli("build", check=True)
    taken = []
    for what, files, _ in EDITS:
        apply(root, files)
        later(root, files)
        fresh_sets.clear()
        cli("build", check=True)
        taken.append((what, bool(fresh_sets) and fresh_sets[0] is not None))
        assert tree_bytes(tmp_path / "site") == fresh_build(root, tmp_path / "fresh"), what
        if taken[-1][1]:
            shown = {rel for rel in fresh_sets[0] if rel.endswith("/index.html")}
            assert shown == {f"{Path(rel).parent.as_posix()}/index.html" for rel in files}, what
    assert taken == [(what, short) for what, _, short in EDITS]


def test_a_command_line_build_after_a_picture_or_a_static_file_changed_digests_every_page(tmp_path, cli,
                                                                                         fresh_sets):
    """Only an explainer's Markdown file and its facts.yml are text its own page alone shows: a hero picture
    changed in place (its derivatives' names change on every page showing it), a content file beside the explainers
    (an author's portrait: the pages of their explainers show it),
    or nothing at all (a page edited in the output folder) is not such an edit."""
    files = {**site_files(), "e09/index.md": one(9, image="{src: pic.png, alt: A chart}", authors="[Ann Lee]"),
             "site.yml": SITE_YML + "authors:\n  Ann Lee:\n    image: people/ann.png\n", "people/ann.png": png(40, 40)}
    root = write(tmp_path / "content", files)
    cli("build", check=True)
    for what, edit in [("a picture", {"e09/pic.png": red_png(60, 40)}),
                       ("a content file (a byline's portrait)", {"people/ann.png": red_png(40, 40)})]:
        apply(root, edit)
        later(root, edit)
        fresh_sets.clear()
        cli("build", check=True)
        assert fresh_sets == [], what            # not asked: the build digests every page
        assert tree_bytes(tmp_path / "site") == fresh_build(root, tmp_path / "fresh"), what
    (tmp_path / "site/e05/index.html").write_text("edited by hand", encoding="utf-8")
    cli("build", check=True)
    assert fresh_sets == [frozenset()]            # nothing changed: every page keeps its key…
    assert tree_bytes(tmp_path / "site") == fresh_build(root, tmp_path / "fresh")    # …and the edited one is mended
