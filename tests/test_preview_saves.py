"""The preview's rebuild after a save, told the saved paths (as its watcher tells it), looks only at the
bundles holding them: it loads those explainers alone and stamps again only the output folders it wrote in.
Whatever was saved, and whatever failed before, its output folder stays byte for byte a cold build's, and what
it keeps for the next save (bodies, output folders' stamps) is what a whole pass would keep.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from test_archives import tree_bytes, write
from test_errors import png
from test_prepare_again import EDITS, apply, facts, fresh_build, later, one, red_png, site_files

# Saves of pictures, after the edits of test_prepare_again (whose e09 shows pic.png in its text by then).
PICTURE_EDITS: list[tuple[str, dict[str, str | bytes | None]]] = [
    ("a picture changed in place", {"e09/pic.png": red_png(60, 40)}),
    ("a picture added to a bundle", {"e10/map.png": png(30, 20)}),
    ("that picture shown", {"e10/index.md": one(10, body="Ten.\n\n![A map](map.png)\n", tags="[t1, new]")}),
    ("that picture removed, and the text that showed it", {"e10/index.md": one(10, body="Ten.\n", tags="[t1, new]"),
                                                           "e10/map.png": None}),
    ("a text after all that", {"e03/index.md": one(3, body="Three, at last.\n")}),
]


def told(root: Path, files: dict[str, str | bytes | None]) -> list[str]:
    """The paths as the preview's watcher gives them: resolved, one per file saved or removed."""
    return [os.path.realpath(root / rel) for rel in files]


def test_every_kind_of_save_told_to_the_builder_leaves_a_cold_builds_output(tmp_path):
    from generator.build import Builder
    from generator.config import load_config
    from generator.incremental.stamps import output_folders
    root = write(tmp_path / "content", site_files())
    out = tmp_path / "site"
    builder = Builder(lambda: load_config(root, out), own_output=True)
    builder.build()
    for what, files in [*((what, files) for what, files, _ in EDITS), *PICTURE_EDITS]:
        apply(root, files)
        later(root, files)
        builder.build(told(root, files))
        assert tree_bytes(out) == fresh_build(root, tmp_path / "fresh"), what
        state = builder.session.state
        # One body per explainer: an edited explainer's last body is let go.
        assert {id(e.body) for _, e in state.loaded.values()} == {id(body) for body in state.bodies.values()}, what
        assert len(state.bodies) == len(state.loaded), what
        assert state.folders == output_folders(out, state.manifest), what     # as a whole pass stamps them
    builder.close()


def test_an_explainer_broken_by_a_save_fails_every_rebuild_until_it_is_mended(tmp_path):
    """The rebuild after a failed one is not told the paths the failed one was: it must still see them."""
    from generator.build import Builder
    from generator.config import load_config
    from generator.errors import ExplainerError
    root = write(tmp_path / "content", site_files())
    builder = Builder(lambda: load_config(root, tmp_path / "site"), own_output=True)
    builder.build()
    for files in [{"e05/facts.yml": "- label: [not, text]\n"}, {"e07/index.md": one(7, body="Seven.\n")}]:
        apply(root, files)
        later(root, files)
        with pytest.raises(ExplainerError, match="e05"):
            builder.build(told(root, files))
    mended = {"e05/facts.yml": facts("five")}
    apply(root, mended)
    later(root, mended)
    builder.build(told(root, mended))
    builder.close()
    assert tree_bytes(tmp_path / "site") == fresh_build(root, tmp_path / "fresh")


def test_a_save_after_the_builders_options_changed_is_loaded_whole(tmp_path):
    """Other options (drafts shown) make the explainers the state kept useless: the next rebuild loads them
    all, however few paths it is told."""
    from generator.build import Builder, build
    from generator.config import load_config
    root = write(tmp_path / "content", {**site_files(), "e06/index.md": one(6, draft="true")})
    options = {"drafts": False}
    builder = Builder(lambda: load_config(root, tmp_path / "site", **options), own_output=True)
    builder.build()
    options["drafts"] = True
    edit = {"e03/index.md": one(3, body="Three, with drafts.\n")}
    apply(root, edit)
    later(root, edit)
    builder.build(told(root, edit))
    builder.close()
    assert (tmp_path / "site/e06/index.html").is_file()
    shutil.rmtree(tmp_path / "fresh", ignore_errors=True)
    build(load_config(root, tmp_path / "fresh", use_cache=False, drafts=True))
    assert tree_bytes(tmp_path / "site") == tree_bytes(tmp_path / "fresh")


def test_after_a_text_edit_every_list_names_the_explainer_as_it_is_now(tmp_path):
    """The edition made from the last one after a text edit lists each edited explainer as loaded now,
    wherever it is listed (related explainers, series neighbours, translations, term pages): no list keeps the
    explainer as it was, with its old body."""
    from generator.build import Builder
    from generator.config import load_config
    root = write(tmp_path / "content", site_files())
    builder = Builder(lambda: load_config(root, tmp_path / "site"), own_output=True)
    builder.build()
    related_to: set[str] = set()
    for slug, edit in [("e04", {"e04/index.md": one(4, body="Part two, again.\n", series="Path", series_order="2")}),
                       ("e08", {"e08/index.md": one(8, body="Otra vez.\n", translation_key="k", language="es")}),
                       ("e12", {"e12/facts.yml": facts("twelve")})]:
        apply(root, edit)
        later(root, edit)
        builder.build(told(root, edit))
        made = builder.session.made
        assert made.edition.fresh is not None, slug          # the edition was made from the last one
        listing = made.edition.renderer.listing
        now = {e.slug: e for _, e in builder.session.state.loaded.values()}
        named = [*listing.explainers, *(e for chosen in listing.related.values() for e in chosen),
                 *(e for part in listing.parts.values() for e in (part.previous, part.next) if e is not None),
                 *(e for group in listing.translations.values() for e in group),
                 *(e for pages in (listing.categories, listing.tags, listing.series) for page in pages
                   for e in page.explainers)]
        assert [e.slug for e in named if e is not now[e.slug]] == [], slug
        related_to.update(e.slug for chosen in listing.related.values() for e in chosen)
    builder.close()
    assert {"e04", "e12"} <= related_to          # the test edits explainers some related lists name
