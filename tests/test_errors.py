"""Every user mistake: `file:line: message`, exit status 1, no traceback, the previous site left as it was."""
import io
from pathlib import Path

import pytest
from PIL import Image

from conftest import article


def png(width=40, height=20) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#336").save(buffer, "PNG")
    return buffer.getvalue()


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


GOOD = {"good/index.md": article("Good one", body="Lede.\n\n**Why it matters:** x\n")}

CASES = {
    "front matter YAML": ({"bad/index.md": "---\ntitle: 'open\ndate: 2020-01-01\n---\nBody\n"},
                          "content/bad/index.md:2: invalid YAML"),
    "front matter YAML, later line": ({"bad.md": "---\ntitle: ok\ndate: 2020-01-01\ntags: [a, b\n---\nB\n"},
                                      "content/bad.md:4: invalid YAML"),
    "duplicate key": ({"bad.md": "---\ntitle: a\ntitle: b\ndate: 2020-01-01\n---\nB\n"},
                      "content/bad.md:3: invalid YAML: duplicate key 'title'"),
    "facts YAML": ({"bad/index.md": article(), "bad/facts.yml": "title: Key facts\nfacts:\n  - label: [x\n"},
                   "content/bad/facts.yml:3: invalid YAML"),
    "missing title": ({"bad.md": "---\ndate: 2020-01-01\n---\nB\n"}, "content/bad.md:2: missing title"),
    "date not a date": ({"bad.md": "---\ntitle: T\ndate: yesterday-ish\n---\nB\n"},
                        "content/bad.md:3: date is not a date: 'yesterday-ish'"),
    "missing date": ({"bad.md": "---\ntitle: T\n---\nB\n"}, "content/bad.md:2: missing date"),
    "same slug twice": ({"good.md": article("Other")}, "two explainers have the slug 'good'"),
    "image escapes content": ({"bad/index.md": article(image="{src: ../../secret.png, alt: x}")},
                              "content/bad/index.md:4: image path leaves the content folder"),
    "missing image": ({"bad/index.md": article(image="{src: nope.png, alt: x}")},
                      "content/bad/index.md:4: image not found: nope.png"),
    "image without alt": ({"bad/index.md": article(image="{src: pic.png}"), "bad/pic.png": png()},
                          "content/bad/index.md:4: the image has no alt text"),
    "unknown front matter key": ({"bad.md": article(titel="x")},
                                 "content/bad.md:4: unknown front matter key 'titel' (did you mean 'title'?)"),
    "no front matter": ({"bad.md": "Just text\n"}, "content/bad.md:1: no front matter"),
    "unknown theme": ({"site.yml": "title: S\ntheme: nosuch\n"}, "content/site.yml:2: unknown theme 'nosuch'"),
    "site.yml key": ({"site.yml": "title: S\nbase_ur: x\n"},
                     "content/site.yml:2: unknown key 'base_ur' in site.yml (did you mean 'base_url'?)"),
    "template syntax": ({"/themes/default/templates/list.html": "{% extends 'base.html' %}\n{% block main %\n"},
                        "themes/default/templates/list.html:2: template syntax error"),
    "template undefined": ({"/themes/default/templates/partials/card.html":
                                "<li>\n{{ item.nonsense.deeper }}\n</li>\n"},
                           "themes/default/templates/partials/card.html:2: error rendering index.html"),
}


@pytest.mark.parametrize("files, expected", CASES.values(), ids=CASES.keys())
def test_mistake_is_reported_and_previous_site_kept(make_site, cli, files, expected):
    site = make_site(GOOD)
    cli("build", check=True, cwd=site.root)
    before = snapshot(site.out)
    for rel, text in files.items():
        site.write(rel, text)
    result = cli("build", cwd=site.root)
    assert result.code == 1
    assert expected in result.err
    assert result.err.startswith("error: ")
    assert "Traceback" not in result.err
    assert snapshot(site.out) == before
    assert not [p for p in site.root.iterdir() if p.name.startswith(".site.")], "staging folder left behind"


def test_several_mistakes_are_reported_together(make_site, cli):
    site = make_site({"a.md": "---\ntitle: A\n---\nx\n", "b.md": "---\ndate: 2020-01-01\n---\nx\n"})
    result = cli("build", cwd=site.root)
    assert result.code == 1
    assert "content/a.md:2: missing date" in result.err
    assert "content/b.md:2: missing title" in result.err
    assert "2 errors" in result.err


def test_empty_content_folder_gets_a_friendly_message(make_site, cli):
    site = make_site({})
    result = cli("build", cwd=site.root)
    assert result.code == 1
    assert "no explainers found" in result.err and "explainer new" in result.err
    assert "Traceback" not in result.err and not site.out.exists()


def test_missing_content_folder(tmp_path, cli):
    result = cli("build", "--content", "nowhere", cwd=tmp_path)
    assert result.code == 1 and "content folder not found: nowhere" in result.err


def test_output_folder_that_is_not_a_site_is_refused(make_site, cli):
    site = make_site(GOOD)
    (site.root / "precious").mkdir()
    (site.root / "precious" / "notes.txt").write_text("keep me")
    result = cli("build", "--out", "precious", cwd=site.root)
    assert result.code == 1 and "was not made by explainer build" in result.err
    assert (site.root / "precious" / "notes.txt").read_text() == "keep me"


def test_bad_as_of_is_a_usage_error(make_site, cli):
    site = make_site(GOOD)
    result = cli("build", "--as-of", "soon", cwd=site.root)
    assert result.code == 2 and "not a date or time" in result.err
