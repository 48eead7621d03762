"""The converter records what `check` needs while it converts (blocks, section starts, links, HTML, each with
its line in the file), so check reads the Markdown with the same parser as the page: one definition of what
starts a section, and no second parse."""
from __future__ import annotations

import json

import pytest

from conftest import article
from generator.check.site import check_site, format_json, format_text
from generator.config import load_config
from generator.incremental import bodies, codec
from generator.markdown.sections import Converter
from generator.model import Block, BodyLink, Handler, LinkDefinition, WrittenHtml
from generator.problems import Formatter

FRONT = "---\ntitle: T\ndate: 2024-01-02\nsummary: S.\n---\n"     # the body starts on line 6
BIG_PICTURE = "**The big picture:** context.\n"


def findings(site, *rules: str) -> list[str]:
    """`path:line: rule` of each finding (of `rules` only, when given), in the order check prints them."""
    report = check_site(load_config(site.content))
    shown = Formatter(site.root)
    return [f"{shown.place(f.place)}: {f.rule}" for f in shown.in_order(report.findings)
            if not rules or f.rule in rules]


# One definition of a section start ------------------------------------------------------------------------------

def test_a_level_five_heading_is_no_section_on_the_page_nor_for_check(make_site, cli):
    long = "word " * 70
    site = make_site({"a.md": FRONT + "Lede.\n\n##### Why it matters\n\n" + long + "\n\n" + BIG_PICTURE})
    cli("build", "--content", site.content, "--out", site.out, check=True)
    page = site.page("a/index.html")
    assert 'data-axiom="why-it-matters"' not in page and 'data-axiom="the-big-picture"' in page
    # The page has no 'Why it matters' section and the long paragraph is in its lede: check says the same,
    # at the first section there is (line 12), not at the h5 (line 8) it used to take for a section start,
    # and the paragraph is not "a paragraph in a section" (line 10) but part of a long lede.
    assert findings(site) == ["content/a.md:6: brevity/lede-length",
                              "content/a.md:12: brevity/missing-why-it-matters"]


@pytest.mark.parametrize("body, paragraph_line", [
    ("Lede.\n\nWhy it matters\n--------------\n\n", 11),         # a Setext heading is a heading
    ("Lede.\n\n####Why it matters\n\n", 10),                     # no space after the #s: still a heading
    ("Lede.\n## Why it matters\n", 8),                           # no blank line before it
])
def test_every_heading_the_page_takes_for_a_section_is_one_for_check(make_site, body, paragraph_line):
    # The long paragraph is in the 'Why it matters' section, on the page and for check's paragraph rule.
    site = make_site({"a.md": FRONT + body + "word " * 70 + "\n\n" + BIG_PICTURE})
    assert findings(site) == [f"content/a.md:{paragraph_line}: brevity/paragraph-length"]


def test_a_lead_in_in_indented_code_starts_nothing(make_site):
    site = make_site({"a.md": FRONT + "Lede.\n\n    **Why it matters:** this is code\n\n" + BIG_PICTURE})
    assert findings(site) == ["content/a.md:10: brevity/missing-why-it-matters"]   # at the real first section


# Lines from the converter's record, where a second reading of the text went wrong ------------------------------

DISAGREE = FRONT + """Lede with [a link
that wraps](../nowhere/) lines.

```
text that looks like a link: ](../missing/)
```

**Why it matters:** the real [link](../missing/) and [an anchor](#nope).

| a | b |
|---|---|
| [t](../t/) | ![chart](chart.png) |

<div>
<p><a href="../raw/">raw</a></p>
</div>

**The big picture:** [first][gone] and [again][gone] and a note.[^1]

[gone]: ../gone/

[^1]: See [the source](../source/).
"""


def test_check_reports_links_anchors_and_images_at_the_lines_the_converter_recorded(make_site):
    site = make_site({"a.md": DISAGREE})
    assert findings(site, "links/internal", "links/anchor", "images/missing", "images/alt") == [
        "content/a.md:6: links/internal",       # the link starts here (it ends on line 7)
        "content/a.md:13: links/anchor",
        "content/a.md:13: links/internal",      # not line 10, in the code block, where ](../missing/) is text
        "content/a.md:17: images/missing",      # the table's row
        "content/a.md:17: links/internal",
        "content/a.md:20: links/internal",      # inside the HTML block, the line of the <a>
        "content/a.md:25: links/internal",      # both uses of [gone]: where its URL is written, once
        "content/a.md:27: links/internal",      # in the footnote
    ]


def test_the_converter_records_blocks_sections_links_and_html_with_file_lines():
    body = Converter().convert(DISAGREE.split("---\n", 2)[2], source_dir="", page_dir="a", first_line=6)
    outline = body.outline
    assert outline.first_line == 6
    assert [(s.label, s.line) for s in body.sections] == [("Why it matters", 13), ("The big picture", 23)]
    assert outline.blocks == (
        Block(6, "paragraph", 7), Block(9, "code", 0), Block(13, "paragraph", 6, "Why it matters"),
        Block(15, "table", 0), Block(19, "html", 0), Block(23, "paragraph", 6, "The big picture"),
        Block(27, "other", 0))     # the footnotes, where the first is written
    assert outline.links[:3] == (
        BodyLink(6, "a", "../nowhere/", "../../nowhere/"),      # as written, and as the page at a/ has it
        BodyLink(13, "a", "../missing/", "../../missing/"),
        BodyLink(13, "a", "#nope", "#nope"))
    assert BodyLink(17, "a", "../t/", "../../t/") in outline.links
    assert BodyLink(17, "img", "chart.png", "../chart.png", "chart") in outline.links
    assert [link.line for link in outline.links if link.written == "../gone/"] == [25, 25]
    assert BodyLink(27, "a", "../source/", "../../source/") in outline.links
    assert outline.definitions == (LinkDefinition(25, "../gone/"),)
    assert outline.html == (WrittenHtml(19, '<div>\n<p><a href="../raw/">raw</a></p>\n</div>\n'),)


def test_handlers_and_raw_html_are_recorded_where_they_are_written():
    text = ('Lede <b onclick="x()">b</b>\nand more.\n\nA paragraph\n{: onmouseover="y()" }\n\n'
            "```\n<script>not this</script>\n```\n\n<script>\nthis()\n</script>\n")
    outline = Converter().convert(text, first_line=3).outline
    assert outline.handlers == (Handler(7, "onmouseover"),)
    assert [(piece.line, piece.html.split(">")[0]) for piece in outline.html] == [
        (3, '<b onclick="x()"'), (3, "</b"), (13, "<script")]
    text_only = Converter(raw_html=False).convert(text, first_line=3).outline
    assert [piece.line for piece in text_only.html] == [3, 13, 15]     # the lines that show a tag as text


@pytest.mark.parametrize("text, lines", [
    ("a\n\n- one\n- two\n  more\n- three\n    - nested\n", [1, 3, 4, 6, 7]),
    ("> q\n> more\n\nafter\n", [1, 4]),
    ("para\n### Heading\nrest\n", [1, 2, 3]),
    ("\n\n\nlate start\n", [4]),
    ("tab\tbed\n\n  \n\nnext\n", [1, 5]),
    ("one\rtwo\n\nthree\n", [1, 3]),
    ("a [x](y)  \nhard [z](w)\n", [1]),
])
def test_block_lines_through_lists_quotes_blank_lines_tabs_and_carriage_returns(text, lines):
    outline = Converter().convert(text).outline
    assert [block.line for block in outline.blocks] == lines


def test_a_hard_break_moves_a_link_to_the_next_line():
    links = Converter().convert("a [x](y)  \nhard [z](w)\n").outline.links
    assert [link.line for link in links] == [1, 2]


# Kept with the converted body --------------------------------------------------------------------------------------

def test_the_body_cache_keeps_the_record(tmp_path):
    body = Converter().convert(DISAGREE.split("---\n", 2)[2], first_line=6)
    assert codec.BODY.decode(json.loads(json.dumps(codec.BODY.encode(body)))) == body
    stored = bodies.spill_body(body, tmp_path)
    assert bodies.read_body(stored.path) == body


def test_check_reads_no_markdown_again(make_site, monkeypatch):
    """check converts each explainer once, like build, and never parses its Markdown a second way."""
    site = make_site({"a.md": FRONT + "Lede.\n\n**Why it matters:** x\n\n" + BIG_PICTURE,
                      "b.md": article(summary="S.", body="Lede.\n\n**Why it matters:** x\n\n" + BIG_PICTURE)})
    converted: list[int] = []
    convert = Converter.convert

    def counting(self, text, *args, **kwargs):
        converted.append(1)
        return convert(self, text, *args, **kwargs)
    monkeypatch.setattr(Converter, "convert", counting)
    report = check_site(load_config(site.content))
    assert len(converted) == 2 and report.findings == ()
    assert "no problems found" in format_text(report, Formatter(site.root))
    assert json.loads(format_json(report, Formatter(site.root)))["findings"] == []
