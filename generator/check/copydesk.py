"""What a copy desk checks in one explainer's source: images, facts, brevity, metadata, placeholders."""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, tzinfo

from .. import yamlfile
from ..content.fields import FACTS_FILE, parse_moment
from ..errors import did_you_mean
from ..markdown.axioms import label_in, normalise_label, spellings, vocabulary
from ..markdown.sections import UNSAFE_SCHEMES, url_scheme
from ..model import Explainer
from ..problems import Problem
from .findings import CheckSettings, finding
from .images import size_findings
from .sourcemap import Block, SourceText

PLACEHOLDER = re.compile(r"\b(?:TODO|FIXME)\b|lorem ipsum", re.IGNORECASE)
SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_SCRIPT = re.compile(r"<script\b", re.IGNORECASE)
_EMBED = re.compile(r"<(iframe|frame|object|embed)\b", re.IGNORECASE)
# An on…= attribute inside an HTML tag, or in an attr_list `{: onclick="…"}`.
_HANDLER = re.compile(r"(?:<[a-z][^>]*?|\{:?[^}]*?)\s(on[a-z]+)\s*=", re.IGNORECASE)
_TARGETS = re.compile(r"""\]\(\s*<?((?:[^()\s>]|\([^()\s]*\))+)                # [text](url), ![alt](url)
                      |^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)               # [ref]: url
                      |<([a-z][a-z0-9+.-]*:[^>\s]+)>                    # <scheme:autolink>
                      |\b(?:href|src|action|formaction|poster)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""",
                      re.IGNORECASE | re.VERBOSE)
WHY_IT_MATTERS, BIG_PICTURE = "why-it-matters", "the-big-picture"     # axiom keys: any language's label counts
_PARAGRAPHS = frozenset({"paragraph", "item", "quote"})
_CLOSE_ENOUGH = 0.8   # difflib ratio: "The Big Pictures" → "The big picture" but not "Note" → "Of note"


def check_explainer(explainer: Explainer, source: SourceText, settings: CheckSettings, axioms: tuple[str, ...],
                    now: datetime, tz: tzinfo, raw_html: bool = True) -> Iterator[Problem]:
    blocks = source.blocks()
    yield from image_findings(explainer, source, settings)
    yield from fact_findings(explainer)
    yield from brevity_findings(explainer, source, blocks, settings, axioms)
    yield from metadata_findings(explainer, source, now, tz)
    yield from placeholder_findings(explainer, source)
    yield from raw_html_findings(source, raw_html)
    yield from link_scheme_findings(source, raw_html)


def raw_html_findings(source: SourceText, raw_html: bool) -> Iterator[Problem]:
    """Every <script>, inline event handler and embedded frame in the body: they reach the page as written."""
    effect = ("it reaches the page as written; make sure it is meant to be there" if raw_html
              else "site.yml has raw_html: false, so it shows as text")
    for number, line in source.markup():
        for _ in _SCRIPT.finditer(line):
            yield finding(source.path, number, "content/raw-html-script", f"a <script> in the text ({effect})")
        for found in _HANDLER.finditer(line):
            in_attr_list = not found.group().startswith("<")
            yield finding(source.path, number, "content/raw-html-handler",
                          f"an inline event handler, {found.group(1)}= ("
                          + ("site.yml has raw_html: false, so it is removed" if in_attr_list and not raw_html
                             else effect) + ")")
        for found in _EMBED.finditer(line):
            yield finding(source.path, number, "content/raw-html-iframe",
                          f"an embedded <{found.group(1).lower()}> in the text ({effect})")


def link_scheme_findings(source: SourceText, raw_html: bool) -> Iterator[Problem]:
    """Link and image targets that are not http(s), mailto, tel or relative (javascript:, data:, file:…)."""
    for number, line in source.markup():
        for found in _TARGETS.finditer(line):
            in_html = found.group(1, 2, 3) == (None, None, None)
            if in_html and not raw_html:
                continue   # the whole tag is shown as text
            url = next(group for group in found.groups() if group is not None)
            scheme = url_scheme(url)
            if scheme is None or scheme in SAFE_SCHEMES:
                continue
            if scheme not in UNSAFE_SCHEMES:
                why = "readers' browsers may not open it"
            elif in_html:
                why = "raw HTML reaches the page as written: it runs when clicked"
            else:
                why = "removed from the page: the text stays, without its link"
            yield finding(source.path, number, "links/unsafe-scheme",
                          f"{_excerpt(url, 40)} uses {scheme}: ({why}; use an http(s) or relative link)")


def image_findings(explainer: Explainer, source: SourceText, settings: CheckSettings) -> Iterator[Problem]:
    image = explainer.image
    if image is None:
        return
    if not image.credit:
        yield finding(source.path, source.line_of("image"), "images/credit",
                      "the hero image has no credit (add `credit:` under image, e.g. "
                      "\"Photo: Jane Doe/Agency\")")
    yield from size_findings(image.path, image.src, source.path, source.line_of("image", "src"), settings)


def fact_findings(explainer: Explainer) -> Iterator[Problem]:
    if explainer.facts is None:
        return
    seen: dict[str, int | None] = {}
    for fact in explainer.facts.facts:
        if fact.source is None:
            yield finding(fact.where.path, fact.where.line, "facts/source",
                          f"the fact '{fact.label}' has no source (add `source:` with a name, or {{name, url}})")
        key = normalise_label(fact.label)
        if key in seen:
            yield finding(fact.where.path, fact.where.line, "facts/duplicate",
                          f"the label '{fact.label}' is used twice (also on line {seen[key]}); "
                          "merge the facts or tell them apart")
        else:
            seen[key] = fact.where.line


def brevity_findings(explainer: Explainer, source: SourceText, blocks: list[Block],
                     settings: CheckSettings, axioms: tuple[str, ...]) -> Iterator[Problem]:
    body = explainer.body
    known = vocabulary(axioms)
    spelled = spellings(axioms)
    starts = [b for b in blocks if b.lead_in is not None and normalise_label(b.lead_in) in known]
    first_section = starts[0].line if starts else None
    text_blocks = [b for b in blocks if b.kind != "code"]
    lede_line = text_blocks[0].line if text_blocks else source.body_line
    lede_words = len(body.lede_text.split())
    if lede_words > settings.lede_words:
        yield finding(source.path, lede_line, "brevity/lede-length",
                      f"the lede has {lede_words} words, over {settings.lede_words} "
                      "(one or two sentences: what happened and why the reader should care)")
    for block in blocks:
        words = block.words()
        if (first_section and block.line >= first_section and block.kind in _PARAGRAPHS
                and words > settings.paragraph_words):
            yield finding(source.path, block.line, "brevity/paragraph-length",
                          f"this paragraph has {words} words, over {settings.paragraph_words} "
                          "(split it, or make it bullets)")
        if block.lead_in is not None and normalise_label(block.lead_in) not in known:
            suggestion = did_you_mean(normalise_label(block.lead_in), spelled, cutoff=_CLOSE_ENOUGH,
                                      otherwise="", show=spelled.__getitem__)
            if suggestion:
                yield finding(source.path, block.line, "brevity/unknown-axiom",
                              f"'{block.lead_in}' is not a Smart Brevity label, so it starts no "
                              f"section: {suggestion}")
    if body.words > settings.explainer_words:
        yield finding(source.path, source.line_of("title"), "brevity/explainer-length",
                      f"the explainer has {body.words:,} words, over {settings.explainer_words:,} "
                      "(cut, or split it into two explainers)")
    keys = {s.key for s in body.sections}
    where = first_section or lede_line
    if WHY_IT_MATTERS not in keys:
        label = label_in(WHY_IT_MATTERS, explainer.language)
        yield finding(source.path, where, "brevity/missing-why-it-matters",
                      f"no '{label}' section (add `**{label}:** …` after the lede)")
    if BIG_PICTURE not in keys:
        label = label_in(BIG_PICTURE, explainer.language)
        yield finding(source.path, where, "brevity/missing-big-picture",
                      f"no '{label}' section (add `**{label}:** …` for the context)")


def metadata_findings(explainer: Explainer, source: SourceText, now: datetime,
                      tz: tzinfo) -> Iterator[Problem]:
    if not explainer.summary:
        yield finding(source.path, source.line_of("title"), "metadata/summary",
                      "no summary (add `summary:`, one sentence: search results and social "
                      "previews show it)")
    if explainer.date > now and not explainer.draft:
        yield finding(source.path, source.line_of("date"), "metadata/future-date",
                      f"dated {explainer.date.date().isoformat()}, in the future: builds leave it out "
                      "until then (fix the date, or set `draft: true` if it is not ready)")
    if "updated" in source.data and explainer.updated and explainer.updated < explainer.date:
        yield finding(source.path, source.line_of("updated"), "metadata/updated-before-date",
                      f"updated {explainer.updated.date().isoformat()} is before the date "
                      f"{explainer.date.date().isoformat()}")
    raw_updates = source.data.get("updates")
    for raw in raw_updates if isinstance(raw_updates, list) else []:
        when = parse_moment(raw.get("date"), tz) if isinstance(raw, dict) else None
        if when and when < explainer.date:
            yield finding(source.path, yamlfile.line_of(raw, "date", source.first_line),
                          "metadata/updated-before-date",
                          f"this update is dated {when.date().isoformat()}, before the "
                          f"explainer's date {explainer.date.date().isoformat()}")


def placeholder_findings(explainer: Explainer, source: SourceText) -> Iterator[Problem]:
    files = [(source.path, source.lines)]
    facts_file = explainer.bundle / FACTS_FILE if explainer.bundle else None
    if facts_file and facts_file.is_file():
        files.append((facts_file, tuple(yamlfile.read_text(facts_file).split("\n"))))
    for path, lines in files:
        for number, line in enumerate(lines, start=1):
            match = PLACEHOLDER.search(line)
            if match and not line.lstrip().startswith("#" if path.suffix == ".yml" else "<!--"):
                yield finding(path, number, "content/placeholder",
                              f"placeholder left in: {_excerpt(line)} (write the real text)")


def _excerpt(line: str, width: int = 60) -> str:
    text = " ".join(line.split())
    return f"'{text}'" if len(text) <= width else f"'{text[:width - 1]}…'"
