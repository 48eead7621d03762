"""Pull quotes: `> quote` with `{: .pullquote}` on its last line puts the class on the `<blockquote>`.

attr_list gives a block's attributes to the paragraph they close, and inside a quote that is the quote's
last paragraph; a pull quote is styled as a whole, so the class moves up to the blockquote.
"""
from __future__ import annotations

import xml.etree.ElementTree as etree

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

PULLQUOTE = "pullquote"


class PullQuoteClass(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        for quote in root.iter("blockquote"):
            for paragraph in quote.findall("p"):
                classes = (paragraph.get("class") or "").split()
                if PULLQUOTE in classes:
                    rest = " ".join(name for name in classes if name != PULLQUOTE)
                    if rest:
                        paragraph.set("class", rest)
                    else:
                        del paragraph.attrib["class"]
                    names = (quote.get("class") or "").split()
                    quote.set("class", " ".join(names if PULLQUOTE in names else [*names, PULLQUOTE]))


class PullQuoteExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(PullQuoteClass(md), "explainer-pullquotes", 7.6)   # after attr_list (8)
