"""Pruning Python-Markdown per document (markdown/pruning.py) changes nothing: a differential fuzz test.

Random documents (seeded, so a failure reproduces from its seed) and the benchmark corpus are converted by a
pruning converter and by one that always runs every processor, and the two bodies must be equal in every
field (the HTML, the sections, the outline with its lines and links, embeds, pictures) and in the problems
they note. Each document draws on a few of the kinds of text below, so documents are sparse: a trigger
character is present in some and absent from others, in every combination the kinds make.

The generator is checked too: with any one rule made wrong (its processor dropped whatever the document
holds, or one of its trigger texts forgotten), some document must come out different. So every rule is
needed and the documents can see it go wrong.
"""
from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from generator.content.load import split_front_matter
from generator.markdown.pruning import RULES, Pruner, Registries, Rules
from generator.markdown.sections import Converter

REPO = Path(__file__).resolve().parent.parent
WORDS = ("the", "plan", "council", "AT", "T", "a1", "x", "rates", "snake_case", "2", "30", "vote", "é", "’s")


def _words(rng: random.Random, n: int = 3) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, n)))


# Inline kinds: each returns a piece of a paragraph.
INLINE = {
    "plain": lambda r: _words(r, 6),
    "entity": lambda r: r.choice(["AT&T", "&amp;", "&copy;", "&#169;", "&#xA9;", "a & b", "&nosuch;", "&T;"]),
    "html": lambda r: r.choice(["<b>bold</b>", '<span class="x">s</span>', "<br>", "<!-- note -->", "a < b",
                                "<em>x", "</i>", '<img src="p.png" alt="">', '<a href="x.md">x</a>']),
    "autolink": lambda r: r.choice(["<http://example.com/a>", "<https://example.org/?a=1&b=2>",
                                    "<me@example.com>", "<mailto:me@example.com>"]),
    "code": lambda r: r.choice(["`code`", "``co`de``", "`<b>&amp;`", "` `` `", "`unclosed", "\\`not`"]),
    "escape": lambda r: r.choice(["\\*", "\\[", "\\\\", "\\_", "\\<", "\\&", "\\#", "\\{", "\\`", "a\\b"]),
    "emphasis": lambda r: r.choice(["*em*", "**strong**", "***both***", "2 * 3", "*", "**open", "*a **b** c*"]),
    "underscore": lambda r: r.choice(["_em_", "__strong__", "snake_case_word", "_", "___x___", "a_b"]),
    "link": lambda r: r.choice(["[link](http://x.org)", '[page](../other/index.md "title")', "[here](#top)",
                                "[ref][r1]", "[r1]", "[R1][]", "[missing][nope]", "[x](javascript:alert(1))",
                                "[y](JaVaScRiPt:alert(1))", "[", "]", "[a]b", "[a](<b c>)"]),
    "image": lambda r: r.choice(["![alt](pic.png)", "![alt][img]", "![img]", '![a "b"](photo.jpg "t")', "!",
                                 "![x](data:image/png;base64,AA)"]),
    "footnote": lambda r: r.choice(["[^1]", "[^note]", "[^1] again [^1]", "[^missing]", "[^"]),
    "attr": lambda r: r.choice(["{: .cls }", "{: #id }", "{ onclick=alert(1) }", "{", "}", "{:}"]),
    "quotes": lambda r: r.choice(['"quoted"', "'single'", "rock 'n' roll", "the '90s", "--", "---", "...", "-"]),
    "punctuation": lambda r: r.choice(["a | b", "#hash", "x = y", "1. x", "+", "~", ">", "]:", "a!b", "(x)"]),
    "linebreak": lambda r: r.choice(["  \n", "   \n", "\n"]),
    "url": lambda r: r.choice(["https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://example.org/a.pdf"]),
}


def _paragraph(rng: random.Random, kinds: list[str]) -> str:
    inline = [k for k in kinds if k in INLINE] or ["plain"]
    parts = [INLINE[rng.choice(inline)](rng) if rng.random() < 0.6 else _words(rng) for _ in range(rng.randint(1, 6))]
    return "".join(part + rng.choice([" ", " ", "", "\n"]) for part in parts).strip(" ") or "x"


# Block kinds: each returns a block, given a paragraph maker.
BLOCK = {
    "lead_in": lambda r, p: r.choice(["**Why it matters:** ", "**The big picture**: ", "**Yes, but:** ",
                                      "**Not an axiom:** "]) + p(),
    "heading": lambda r, p: r.choice(["## The big picture", "### Details", "# Title #", "#### " + p(),
                                      "## Go deeper {: #deeper }", "#nospace"]),
    "setext": lambda r, p: p() + r.choice(["\n=====", "\n-----", "\n==", "\n-"]),
    "hr": lambda r, p: r.choice(["---", "***", "___", "- - -", "* * *", "_ _ _", "----"]),
    "ulist": lambda r, p: "\n".join(r.choice(["-", "*", "+"]) + " " + p() for _ in range(r.randint(1, 3))),
    "olist": lambda r, p: "\n".join(f"{n + 1}. " + p() for n in range(r.randint(1, 3))),
    "nested": lambda r, p: "- " + p() + "\n    - " + p() + "\n\n    " + p() + "\n- " + p(),
    "loose": lambda r, p: "1. " + p() + "\n\n2. " + p() + "\n\n    more " + p(),
    "quote": lambda r, p: "> " + p().replace("\n", "\n> ") + r.choice(["", "\n> > nested", "\n{: .pullquote}",
                                                                       "\n>\n> - item"]),
    "fenced": lambda r, p: r.choice(["```", "~~~", "```python"]) + "\ncode <b> & * _ [x] `t`\n" +
    r.choice(["```", "~~~"]),
    "indented": lambda r, p: "    code <b> & *x*\n    more",
    "table": lambda r, p: r.choice(["| a | b |\n|---|:-:|\n| 1 | " + p().replace("\n", " ") + " |",
                                    "a | b\n--- | ---\nc | d", "| lone |", "a | b"]),
    "footnote_def": lambda r, p: r.choice(["[^1]: the note " + p(), "[^note]:\n    indented " + p(),
                                           "[^2]: " + p()]),
    "reference_def": lambda r, p: r.choice(['[r1]: http://example.org/r "Title"', "[img]: pic.png",
                                            "[r1]: <../other.md>", "  [nope]: javascript:alert(1)"]),
    "html_block": lambda r, p: r.choice(['<div class="x">\n<p>raw & stuff</p>\n</div>',
                                         '<iframe src="https://x.org/e" width="560" height="315"></iframe>',
                                         "<!-- editor note -->", "<!--\nmulti\nline -->", "<p>" + p() + "</p>",
                                         "<script>alert(1)</script>"]),
    "embed": lambda r, p: INLINE["url"](r) + r.choice(["", '\n{: title="A video" }', '\n{: ratio="4:3" }']),
    "picture": lambda r, p: r.choice(["![A chart](chart.png)", "![Photo](photo.jpg)\n{: .wide }",
                                      "![Remote](https://example.org/x.png)"]),
    "soup": lambda r, p: "".join(r.choice("ab *_-#>|[]()!<&`\\{}:.=+~^\"' \n") for _ in range(r.randint(1, 40))),
}
KINDS = (*INLINE, *BLOCK)
# Definitions for the references an inline kind makes, added at the end of some documents that use it.
DEFINED = {
    "footnote": ["[^1]: first " + "note", "[^note]: *second* note", "[^2]: third [note](http://x.org)"],
    "link": ['[r1]: http://example.org/r "Title"', "[nope]: ../other/index.md"],
    "image": ["[img]: pic.png", "[img]: <photo.jpg> 'Photo'"],
}


def random_document(seed: int) -> str:
    """A document of a few kinds of text (drawn by `seed`), lede first, then blocks of those kinds."""
    rng = random.Random(seed)
    kinds = rng.sample(KINDS, rng.randint(1, 4))
    blocks = [k for k in kinds if k in BLOCK] or ["lead_in"]

    def paragraph() -> str:
        return _paragraph(rng, kinds)

    out = [paragraph()]
    for _ in range(rng.randint(1, 8)):
        out.append(BLOCK[rng.choice(blocks)](rng, paragraph) if rng.random() < 0.7 else paragraph())
    for kind, definitions in DEFINED.items():    # what references refer to, in any order, sometimes
        if kind in kinds and rng.random() < 0.7:
            out += rng.sample(definitions, rng.randint(1, len(definitions)))
    return "".join(block + rng.choice(["\n\n", "\n\n", "\n\n", "\n", "\n\n\n"]) for block in out)


def _size_of(path: str) -> tuple[int, int] | None:
    return (640, 480) if path.endswith((".png", ".jpg")) else None


def converted(converter: Converter, text: str) -> tuple:
    """Everything a conversion gives: the body, and the problems it noted with pictures and embeds; or what
    it raised (Python-Markdown 3.11's footnote reordering fails on some documents: it must fail either way)."""
    try:
        body = converter.convert(text, "story", "story", _size_of, first_line=5)
    except Exception as err:
        return "raised", repr(err)
    return body, repr(converter.urls.image_errors), repr(converter.embeds.problems)


def differences(pruning: Converter, stock: Converter, documents) -> list[str]:
    return [text for text in documents if converted(pruning, text) != converted(stock, text)]


CONVERTERS: dict[str, dict[str, Any]] = {
    "raw_html": {},
    "no_raw_html": {"raw_html": False},
    # Options for one of the five: footnotes in the order they are referenced (one more tree processor),
    # and a superscript text that the inline patterns after the footnote one see.
    "footnote_options": {"extensions": (("footnotes", {"USE_DEFINITION_ORDER": False,
                                                       "SUPERSCRIPT_TEXT": "[{}]"}),)},
}


@pytest.fixture(scope="module")
def pairs():
    """A pruning and a stock converter for each setting that changes which processors exist."""
    return {name: (Converter(**options), Converter(**options, prune=False)) for name, options in CONVERTERS.items()}


def _random_documents(count: int, start: int = 0) -> list[str]:
    return [random_document(seed) for seed in range(start, start + count)]


def test_pruning_converts_random_documents_exactly_as_the_stock_converter(pairs):
    documents = _random_documents(300)
    for name, (pruning, stock) in pairs.items():
        assert pruning.pruner.enabled
        failing = differences(pruning, stock, documents)
        assert not failing, f"{name}: pruned output differs for seed {documents.index(failing[0])}:\n{failing[0]!r}"
        assert len(pruning.pruner.cache) > 50      # many signatures met: the documents are sparse


@pytest.mark.slow
def test_pruning_converts_many_more_random_documents_exactly_as_the_stock_converter(pairs):
    documents = _random_documents(3000, start=400)
    for name, (pruning, stock) in pairs.items():
        failing = differences(pruning, stock, documents)
        assert not failing, f"{name}: pruned output differs for seed {400 + documents.index(failing[0])}"


def _corpus_script() -> Path | None:
    """The benchmark corpus generator, ../shared/bench/corpus.py from the checkout or a folder above it."""
    for folder in REPO.parents:
        script = folder / "shared" / "bench" / "corpus.py"
        if script.is_file():
            return script
    return None


def test_pruning_converts_the_benchmark_corpus_exactly_as_the_stock_converter(pairs, tmp_path):
    script = _corpus_script()
    if script is None:
        pytest.skip("no shared/bench/corpus.py beside the checkout")
    subprocess.run([sys.executable, str(script), "--n", "200", "--format", "explainer", "--out", str(tmp_path)],
                   check=True, capture_output=True)
    files = sorted((tmp_path / "content").glob("*/index.md"))
    assert len(files) == 200
    documents = [split_front_matter(f.read_text(encoding="utf-8"), f).body for f in files]
    pruning, stock = pairs["raw_html"]
    assert not differences(pruning, stock, documents)
    assert pruning.pruner.cache       # the corpus was pruned, not converted whole


def _broken(rules: Rules, kind: str, name: str, forget: str | None) -> Rules:
    """`rules` with one rule wrong: its processor always dropped (forget None), or one trigger text forgotten."""
    texts = tuple(text for text in rules[kind][name] if text != forget) if forget else ()
    return {k: {n: (texts if (k, n) == (kind, name) else t) for n, t in named.items()} for k, named in rules.items()}


MISTAKES = [(kind, name, forget) for kind, named in RULES.items() for name, texts in named.items()
            for forget in (None, *(texts if len(texts) > 1 else ()))]


@pytest.fixture(scope="module")
def stock_results(pairs):
    """The stock converters' results per setting and seed, made when first asked for."""
    made: dict[tuple[str, int], tuple] = {}

    def result(setting: str, seed: int, text: str) -> tuple:
        if (setting, seed) not in made:
            made[setting, seed] = converted(pairs[setting][1], text)
        return made[setting, seed]
    return result


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "name", "forget"), MISTAKES)
def test_a_wrong_rule_is_seen_by_the_fuzz_documents(kind, name, forget, pairs, stock_results):
    if all(name not in getattr(Registries.of(stock.md), kind) for _, stock in pairs.values()):
        pytest.skip(f"this Python-Markdown has no {kind} {name!r}")
    documents = _random_documents(4000)
    for setting, options in CONVERTERS.items():
        pruning = Converter(**options)
        pruning.pruner = Pruner(pruning.md, rules=_broken(RULES, kind, name, forget))
        if any(converted(pruning, text) != stock_results(setting, seed, text) for seed, text in enumerate(documents)):
            return
    pytest.fail(f"no document shows the {kind} rule for {name!r} going wrong (forgotten: {forget!r})")


def test_a_converter_with_an_extension_from_elsewhere_never_prunes():
    converter = Converter(extensions=(("abbr", {}),))
    assert not converter.pruner.enabled


def test_a_document_is_parsed_without_the_patterns_it_cannot_trigger():
    converter = Converter()
    converter.convert("Plain *words* and [a link](http://x.org).\n")
    patterns = converter.md.treeprocessors["inline"].inlinePatterns
    assert "link" in patterns and "em_strong" in patterns
    assert "backtick" not in patterns and "html" not in patterns and "entity" not in patterns
    assert "html_block" not in converter.md.preprocessors and "table" not in converter.md.parser.blockprocessors


def test_python_markdowns_reset_keeps_the_emphasis_processor_after_a_document_without_emphasis():
    # Markdown.reset() forgets md.delimiters (and stops resetting it) when it is not in the registry it sees.
    converter = Converter()
    converter.convert("No emphasis here.\n")
    converter.convert("Some *emphasis* here.\n")
    assert converter.md.delimiters is not None and converter.md.delimiters in converter.md.inlinePatterns
