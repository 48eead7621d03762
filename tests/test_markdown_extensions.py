"""site.yml `markdown_extensions:`: extra Python-Markdown extensions by name, with their options (as in MkDocs),
checked when site.yml is read and part of every body's cache key."""
from __future__ import annotations

import pytest

from conftest import article
from generator.config import load_config
from generator.errors import ConfigError

BODY = """Lede about HTML.

**Why it matters:** a term to define.

Deadline
:   The day the bill must pass.

## The big picture

### Details inside

*[HTML]: Hyper Text Markup Language
"""
EXTENSIONS = "markdown_extensions:\n  - abbr\n  - def_list\n  - toc:\n      toc_depth: 2-3\n      permalink: true\n"


def test_extensions_named_in_site_yml_convert_every_body(make_site, cli):
    site = make_site({"site.yml": "title: T\n" + EXTENSIONS, "a.md": article(summary="S.", body=BODY)})
    cli("build", "--content", site.content, "--out", site.out, check=True)
    page = site.page("a/index.html")
    assert '<abbr title="Hyper Text Markup Language">HTML</abbr>' in page                 # abbr
    assert "<dl>\n<dt>Deadline</dt>\n<dd>The day the bill must pass.</dd>\n</dl>" in page  # def_list
    assert '<h3 id="details-inside">Details inside<a class="headerlink" href="#details-inside"' in page  # toc
    # The Smart Brevity sections are still cut where the labels are (toc's permalink comes after that).
    assert 'data-axiom="why-it-matters"' in page and 'data-axiom="the-big-picture"' in page
    assert "*[HTML]" not in page


def test_options_for_an_extension_always_used_reach_it(make_site, cli):
    site = make_site({"site.yml": "markdown_extensions:\n  - footnotes:\n      BACKLINK_TEXT: back\n",
                      "a.md": article(body="Lede.[^1]\n\n[^1]: A note.\n")})
    cli("build", "--content", site.content, "--out", site.out, check=True)
    assert 'class="footnote-backref" href="#fnref:1" title="Jump back to footnote 1 in the text">back</a>' \
        in site.page("a/index.html")


def test_changing_the_extensions_converts_the_bodies_again(make_site, cli):
    site = make_site({"a.md": article(body=BODY)})
    cli("build", "--content", site.content, "--out", site.out, check=True)
    assert "<abbr" not in site.page("a/index.html")
    site.write("site.yml", "markdown_extensions: [abbr]\n")
    result = cli("build", "--content", site.content, "--out", site.out, check=True)
    assert '<abbr title="Hyper Text Markup Language">HTML</abbr>' in site.page("a/index.html"), result.out
    site.write("site.yml", "markdown_extensions: []\n")       # back: not a body from the abbr build
    cli("build", "--content", site.content, "--out", site.out, check=True)
    assert "<abbr" not in site.page("a/index.html")


def test_check_reads_bodies_converted_with_the_extensions(make_site, cli):
    site = make_site({"site.yml": EXTENSIONS, "a.md": article(summary="S.", body=BODY + "\n[x](nowhere/)\n")})
    result = cli("check", "--content", site.content)
    assert result.code == 1
    assert result.out.startswith("content/a.md:19: error: links/internal: nowhere/ points at no page or file")


@pytest.mark.parametrize("yml, expected", [
    ("markdown_extensions: [abbrr]\n",
     "content/site.yml:1: unknown Markdown extension 'abbrr' (did you mean 'abbr'?)"),
    ("markdown_extensions:\n  - abbr\n  - no.such.module\n",
     "content/site.yml:3: unknown Markdown extension 'no.such.module' (a Python-Markdown extension's name"),
    ("markdown_extensions:\n  - abbr\n  - toc:\n      toc_dept: 3\n",
     "content/site.yml:3: Markdown extension 'toc' has no option 'toc_dept' (did you mean 'toc_depth'?)"),
    ("markdown_extensions:\n  - toc:\n      toc_depth: deep\n",
     "content/site.yml:2: Markdown extension 'toc' refuses its options: ValueError: invalid literal for int()"),
    ("markdown_extensions: [{codehilite: {linenums: sometimes}}]\n",
     "content/site.yml:1: Markdown extension 'codehilite' refuses its options: ValueError: Cannot parse bool"),
    ("markdown_extensions: abbr\n", "content/site.yml:1: 'markdown_extensions' must be a list of extension names"),
    ("markdown_extensions:\n  - toc: [1, 2]\n",
     "content/site.yml:2: the options of Markdown extension 'toc' must be a mapping"),
    ("markdown_extensions:\n  - abbr\n  - markdown.extensions.abbr\n",
     "content/site.yml:3: Markdown extension 'abbr' is listed twice"),
    ("markdown_extension: [abbr]\n",
     "content/site.yml:1: unknown key 'markdown_extension' in site.yml (did you mean 'markdown_extensions'?)"),
])
def test_a_bad_extension_is_a_site_yml_error_at_its_line(make_site, cli, yml, expected):
    site = make_site({"site.yml": yml, "a.md": article()})
    with pytest.raises(ConfigError):
        load_config(site.content)
    result = cli("build", "--content", site.content, "--out", site.out)
    assert result.code == 1
    assert result.err.startswith(f"error: {expected}"), result.err
    assert "Traceback" not in result.err and not site.out.exists()
