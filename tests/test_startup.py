"""What a build imports: a build that finds nothing changed, `--version` and a site.yml mistake need none of
the heavy stages (Markdown, Jinja2, Pillow, Babel's formats and catalogs, process pools), and one edit to the
text loads only what its page needs. Each runs `explainer` in a process of its own, as a user starts it, and
reads `sys.modules` when the command has returned."""
from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO, article

# `cli.main` as the console script runs it, then the names of every module the process imported.
SCRIPT = """
import json, sys
from generator import cli
try:
    code = cli.main(sys.argv[1:])
except SystemExit as done:
    code = done.code
print("\\nMODULES " + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

# The libraries and stages a build with nothing to do never needs.
HEAVY = ("markdown", "jinja2", "PIL", "pygments", "babel.dates", "babel.messages", "multiprocessing",
         "concurrent.futures.process", "pagefind", "generator.content.load", "generator.markdown.sections",
         "generator.render.renderer", "generator.render.environment", "generator.edition", "generator.images.cards",
         "generator.images.publish", "generator.search.site")
# What only a build with something to write, a mistake to explain or a setting to act on needs: the writer's
# threads (with logging), ctypes (swapping folders, the workers' parent-death signal), difflib (did you mean),
# the SEO metadata (base_url's warning is config's) and Pagefind's indexer (search: true).
NOT_WARM = ("concurrent.futures", "logging", "ctypes", "platform", "difflib", "generator.render.seo",
            "generator.search.indexer")
# The .po reader and what it needs (`email` for the headers, `_strptime` for their dates): the catalogs a
# build compiled are read again as .mo bytes with the standard library's gettext.
PO_READING = ("babel.messages", "babel.messages.pofile", "email", "_strptime")


def run(root: Path, *args: str) -> tuple[int, set[str], str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", SCRIPT, *args], cwd=root, capture_output=True, text=True,
                          env=env, timeout=300)
    printed, _, found = done.stdout.rpartition("\nMODULES ")
    assert found, done.stderr
    result = json.loads(found)
    return result["code"], set(result["modules"]), printed + done.stderr


def heavy_in(modules: set[str], names=HEAVY) -> list[str]:
    return sorted(name for name in names if name in modules)


def site(root: Path) -> Path:
    """An English site (no `language:`), relative base_url, explainers with key facts and no pictures."""
    content = root / "content"
    content.mkdir()
    (content / "site.yml").write_text("title: Startup\nbase_url: /\n", encoding="utf-8")
    for n in range(3):
        folder = content / f"e{n}"
        folder.mkdir()
        (folder / "index.md").write_text(article(f"Explainer {n}", category="Politics", body=(
            f"Lede {n}.\n\n**Why it matters:** it does.\n\n**The big picture:** wide.\n")), encoding="utf-8")
        (folder / "facts.yml").write_text("facts:\n  - label: Cost\n    value: $4 billion\n", encoding="utf-8")
    return root


def test_a_build_that_finds_nothing_changed_imports_none_of_the_stages(tmp_path):
    root = site(tmp_path)
    code, modules, _ = run(root, "build")
    assert code == 0 and "jinja2" in modules and "markdown" in modules     # the first build renders
    code, modules, printed = run(root, "build")
    assert code == 0 and "0 files written" in printed, printed
    assert heavy_in(modules) == []
    assert heavy_in(modules, NOT_WARM) == []
    assert "babel" not in modules                  # a site without `language:` never asks Babel
    # The no-op record (incremental/noop.py) answered before site.yml, the model or the build were imported.
    assert heavy_in(modules, ("yaml", "generator.config", "generator.model", "generator.errors",
                              "generator.build", "generator.incremental.cache")) == []


def test_one_edit_to_the_text_imports_no_pillow_no_search_and_no_po_reader(tmp_path):
    root = site(tmp_path)
    assert run(root, "build")[0] == 0
    page = root / "content" / "e1" / "index.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    code, modules, printed = run(root, "build")
    assert code == 0 and "1 files written" in printed, printed
    assert heavy_in(modules, ("PIL", "pagefind", "multiprocessing", "concurrent.futures.process")) == []
    assert heavy_in(modules, PO_READING) == []     # the English catalog, as the first build compiled it
    assert heavy_in(modules, ("generator.images.cardimage", "generator.images.cardpng")) == []   # no card wanted
    # A page or two to write: the writer writes them itself, without threads; no email, no text of a page.
    assert heavy_in(modules, ("concurrent.futures", "generator.render.plaintext")) == []
    assert heavy_in(modules, ("gzip", "generator.search.canonical")) == []          # no search index made
    assert "One more line." in (root / "site" / "e1" / "index.html").read_text(encoding="utf-8")


def test_version_and_help_import_no_site_and_no_stage(tmp_path):
    code, modules, printed = run(tmp_path, "--version")
    assert code == 0 and printed.startswith("explainer ")
    assert heavy_in(modules, (*HEAVY, "yaml", "babel", "generator.config", "generator.build")) == []
    code, modules, printed = run(tmp_path, "build", "--help")
    assert code == 0 and "--no-cache" in printed
    assert heavy_in(modules, (*HEAVY, "yaml", "babel", "generator.config", "generator.build")) == []


def test_a_mistake_in_site_yml_is_reported_before_any_stage_is_imported(tmp_path):
    root = site(tmp_path)
    (root / "content" / "site.yml").write_text("title: Startup\nbase_url: /\npaginate: lots\n", encoding="utf-8")
    code, modules, printed = run(root, "build")
    assert code == 1
    assert "site.yml:3: 'paginate' must be a number or false" in printed
    assert "Traceback" not in printed
    assert heavy_in(modules) == []


def test_each_command_parsed_alone_has_the_options_and_help_it_has_beside_the_others():
    """The command line adds only the options of the command it runs: each must come out the same as when
    every command's options are added (`explainer --help`)."""
    from generator import cli

    def commands_of(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices

    everything = commands_of(cli.build_parser())
    assert sorted(everything) == ["build", "check", "deploy", "email", "new", "serve"]
    for name, full in everything.items():
        alone = commands_of(cli.build_parser(name))
        assert alone[name].format_help() == full.format_help(), name
        assert [a.option_strings or a.dest for a in alone[name]._actions] == \
               [a.option_strings or a.dest for a in full._actions], name
        assert alone[name].get_default("run") is full.get_default("run"), name


# `cli.main` as the console script runs it (`one_shot`), counting the cyclic garbage collections from then on.
COUNTING_SCRIPT = """
import atexit, gc, sys
from generator import cli
collections = []
gc.callbacks.append(lambda phase, info: collections.append(info["generation"]) if phase == "stop" else None)
atexit.register(lambda: print("\\nCOLLECTIONS", len(collections), flush=True))
sys.exit(cli.main(sys.argv[1:], one_shot=True))
"""


def test_a_build_in_a_process_of_its_own_makes_no_cyclic_garbage_collection(tmp_path):
    """From the no-op check to the exit: a collection would only rescan what the build made (hundreds of
    thousands of objects at the end of a big build), and the process ends with the build."""
    root = site(tmp_path)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for edit in ("", "\nOne more line.\n"):        # the first build, then one edit
        page = root / "content" / "e1" / "index.md"
        page.write_text(page.read_text(encoding="utf-8") + edit, encoding="utf-8")
        done = subprocess.run([sys.executable, "-c", COUNTING_SCRIPT, "build"], cwd=root, capture_output=True,
                              text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr
        assert "\nCOLLECTIONS 0\n" in done.stdout, done.stdout


def test_a_check_in_a_process_of_its_own_makes_no_cyclic_garbage_collection(tmp_path):
    """Nor before its findings are printed: the first collection would rescan every object the check made."""
    root = site(tmp_path)
    done = subprocess.run([sys.executable, "-c", COUNTING_SCRIPT, "check"], cwd=root, capture_output=True,
                          text=True, env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Checked " in done.stdout and "\nCOLLECTIONS 0\n" in done.stdout, done.stdout



def test_every_dataclass_of_the_package_says_what_it_is():
    """A docstring for each: a dataclass without one gets a __doc__ made from `inspect.signature` when its
    module is imported (50 of them took 7–16 ms of each build's start on a busy 2-CPU machine)."""
    undocumented = []
    for path in sorted((REPO / "generator").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(_names_dataclass(d) for d in node.decorator_list) \
                    and ast.get_docstring(node) is None:
                undocumented.append(f"{path.relative_to(REPO)}:{node.lineno}: {node.name}")
    assert undocumented == []


def _names_dataclass(decorator: ast.expr) -> bool:
    called = decorator.func if isinstance(decorator, ast.Call) else decorator
    return getattr(called, "id", getattr(called, "attr", None)) == "dataclass"
