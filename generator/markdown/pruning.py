"""Per document, Python-Markdown without the processors the document gives nothing to do.

Python-Markdown tries every inline pattern on every piece of text and every block processor on every block,
whatever the document holds: a body without a backtick still pays for the code-span pattern, one without `<`
for the HTML patterns and the HTML block parser. Each rule below names a processor of Python-Markdown or of
the five extensions always used, and the texts one of which must occur in a document for it to change
anything; a document that holds none of them is converted without it. The registries without a set of
processors are made once per set and kept by the converter's `Pruner`.

A rule holds only because nothing before the processor puts such a text into the document: preprocessors,
block processors and the inline patterns above it pass on the writer's characters and their own
placeholders (STX … ETX), never a `<`, `&`, backtick or bracket they did not find. That is true of
Python-Markdown itself and of the five extensions (the footnotes' superscript text aside, which is added
to every document's text below) and is pinned by tests/test_pruning.py, which converts random documents and
the benchmark corpus both ways and compares every byte. A processor from anywhere else (an extension from
`markdown_extensions:`, one of the five replaced by another package) might, so a converter with one never
prunes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import markdown
from markdown.extensions.footnotes import FootnoteExtension
from markdown.util import Registry

# Modules whose processors the rules know, with every processor they register; Python-Markdown's own core,
# the five extensions, and ours (which add processors but no text, and change the class of a few stock ones).
_KNOWN_MODULES = frozenset({
    "markdown.preprocessors", "markdown.blockprocessors", "markdown.inlinepatterns", "markdown.treeprocessors",
    "markdown.postprocessors", "markdown.extensions.tables", "markdown.extensions.fenced_code",
    "markdown.extensions.footnotes", "markdown.extensions.attr_list", "markdown.extensions.sane_lists",
    "generator.markdown.sections", "generator.markdown.lines", "generator.markdown.record",
    "generator.markdown.embeds", "generator.markdown.pullquotes", "generator.markdown.typography",
})
# Texts that can survive Python-Markdown's whitespace preprocessor in another form (a tab becomes spaces,
# `\r` a line break, STX and ETX are removed): a document with one of them is converted unpruned.
_RESHAPED = ("\t", "\r", "\x02", "\x03")
_INDENT = "    "     # one level of indentation (tab_length 4): indented code, a list item's inner blocks

_REGISTRIES = ("preprocessors", "blockprocessors", "inlinePatterns", "treeprocessors", "postprocessors")
# registry → processor name → the texts one of which a document needs for the processor to do anything
RULES: Rules = {
    "preprocessors": {
        "html_block": ("<",),
        "fenced_code_block": ("```", "~~~"),
        "explainer-comments": ("<!--",),
    },
    "blockprocessors": {
        "indent": (_INDENT,),
        "code": (_INDENT,),
        "hashheader": ("#",),
        "setextheader": ("=", "-"),
        "hr": ("-", "_", "*"),
        "ulist": ("*", "+", "-"),
        "quote": (">",),
        "reference": ("]:",),
        "table": ("|",),
        "footnote": ("[^",),
    },
    "inlinePatterns": {
        "backtick": ("`",),
        "escape": ("\\",),
        "footnote": ("[^",),
        # A reference link needs its definition (`[label]: URL`, the reference block processor's): without
        # one, the reference patterns leave the text as it is.
        "reference": ("]:",),
        "link": ("[",),
        "image_link": ("![",),
        "image_reference": ("]:",),
        "short_reference": ("]:",),
        "short_image_ref": ("]:",),
        "autolink": ("<",),
        "automail": ("<",),
        "linebreak": ("  \n",),
        "html": ("<",),
        "entity": ("&",),
        "em_strong": ("*", "_"),     # from Python-Markdown 3.11 one processor for every delimiter
        "em_strong2": ("_",),        # before 3.11, `_` had a pattern of its own
    },
    "treeprocessors": {
        "unescape": ("\\",),        # turns the escape pattern's placeholders back into characters
        "attr_list": ("{",),
        "footnote": ("[^",),
        "footnote-reorder": ("[^",),
        "footnote-duplicate": ("[^",),
    },
    "postprocessors": {
        "footnote": ("[^",),
    },
}
Rules = dict[str, dict[str, tuple[str, ...]]]


@dataclass(frozen=True)
class Registries:
    """The five registries a Markdown instance converts with."""

    preprocessors: Registry[Any]
    blockprocessors: Registry[Any]
    inlinePatterns: Registry[Any]
    treeprocessors: Registry[Any]
    postprocessors: Registry[Any]

    @classmethod
    def of(cls, md: markdown.Markdown) -> Registries:
        return cls(md.preprocessors, md.parser.blockprocessors, md.inlinePatterns, md.treeprocessors,
                   md.postprocessors)

    def install(self, md: markdown.Markdown) -> None:
        md.preprocessors, md.parser.blockprocessors = self.preprocessors, self.blockprocessors
        md.inlinePatterns, md.treeprocessors, md.postprocessors = (self.inlinePatterns, self.treeprocessors,
                                                                   self.postprocessors)
        if "inline" in self.treeprocessors:       # the inline pass keeps a reference of its own
            self.treeprocessors["inline"].inlinePatterns = self.inlinePatterns


def prunable(md: markdown.Markdown) -> bool:
    """Whether the rules know every processor `md` has (else pruning could drop one a processor feeds)."""
    return md.tab_length == len(_INDENT) and all(
        type(item).__module__ in _KNOWN_MODULES for registry in Registries.of(md).__dict__.values()
        for item in registry)


def triggers(rules: Rules) -> tuple[str, ...]:
    return tuple(sorted({text for named in rules.values() for texts in named.values() for text in texts}))


def signature(text: str, looked_for: tuple[str, ...], extra: str = "") -> frozenset[str] | None:
    """The trigger texts `text` holds (None: keep everything, the text may change form before it is parsed)."""
    if any(mark in text for mark in _RESHAPED):
        return None
    return frozenset(trigger for trigger in looked_for if trigger in text or trigger in extra)


class Pruner:
    """Keeps, for one Markdown instance, its full registries and a pruned copy per trigger signature, and
    installs the ones a document calls for before it is converted (`rules`: RULES, or the tests' variants)."""

    def __init__(self, md: markdown.Markdown, enabled: bool = True, rules: Rules = RULES):
        self.md = md
        self.full = Registries.of(md)
        self.enabled = enabled and prunable(md)
        self.rules = rules
        self.triggers = triggers(rules)
        self.extra = _injected_text(md)
        self.cache: dict[frozenset[str], Registries] = {}

    def reset(self, text: str) -> None:
        """Resets the Markdown instance for `text`, the document it converts next, with the registries `text`
        calls for. (Python-Markdown's reset forgets the emphasis processor when it is not registered, so the
        full registries are in place while it runs.)"""
        self.full.install(self.md)
        self.md.reset()
        found = signature(text, self.triggers, self.extra) if self.enabled else None
        if found is None:
            return
        registries = self.cache.get(found)
        if registries is None:
            registries = self.cache[found] = self.pruned(found)
        registries.install(self.md)

    def pruned(self, found: frozenset[str]) -> Registries:
        kept = []
        for kind in _REGISTRIES:
            registry: Registry[Any] = getattr(self.full, kind)[:]      # a copy, same order
            for name, texts in self.rules.get(kind, {}).items():
                if name in registry and not any(text in found for text in texts):
                    registry.deregister(name)
            kept.append(registry)
        return Registries(*kept)


def _injected_text(md: markdown.Markdown) -> str:
    """Text the five extensions put into a document before inline parsing: a footnote reference's number
    goes through the inline patterns after the footnote one, in the form `SUPERSCRIPT_TEXT` gives it."""
    texts = [extension.getConfig("SUPERSCRIPT_TEXT").format(0) for extension in md.registeredExtensions
             if isinstance(extension, FootnoteExtension)]
    return "".join(texts)
