"""What a copy desk checks in one explainer: images, facts (and the other sidebar boxes), brevity, metadata,
placeholders, raw HTML and links.

Everything about the body comes from what the converter recorded while it converted (`Body.outline`: blocks,
section starts, links and HTML with their lines), so the Markdown is never parsed again here.
"""
from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterator
from datetime import datetime, tzinfo
from pathlib import Path

from .. import yamlfile
from ..content.fields import FACTS_FILE
from ..errors import ExplainerError, did_you_mean
from ..images.crops import crop_warning
from ..markdown.axioms import label_in, normalise_label, spellings, vocabulary
from ..markdown.providers import PROVIDERS, Provider
from ..markdown.sections import UNSAFE_SCHEMES, url_scheme
from ..model import Author, Event, Explainer, Fact, Sidebar, SiteImages
from ..problems import Problem
from . import frames
from .findings import CheckSettings, finding
from .images import size_findings

PLACEHOLDER = re.compile(r"\b(?:TODO|FIXME)\b|lorem ipsum", re.IGNORECASE)
PLACEHOLDER_WORDS = ("todo", "fixme", "lorem ipsum")
# The letters other than ASCII's that PLACEHOLDER, blind to case, takes for letters of its words: İ and ı for i,
# ſ for s (tests/test_check.py finds them).
FOLDED_AS_ASCII = ("\u0130", "\u0131", "\u017f")
SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_SCRIPT = re.compile(r"<script\b[^>]*>?", re.IGNORECASE)
_EMBED = re.compile(r"<(iframe|frame|object|embed)\b[^>]*>?", re.IGNORECASE)
_START_TAG = re.compile(r"<([a-z][a-z0-9]*)\b[^>]*>?", re.IGNORECASE)
_HANDLER = re.compile(r"<[a-z][^>]*?\s(on[a-z]+)\s*=", re.IGNORECASE)   # an on…= attribute inside a tag
# Targets in HTML written in the Markdown: <scheme:…> (not a tag: a URL in brackets), and URL attributes.
_TARGETS = re.compile(r"""<([a-z][a-z0-9+.-]*:[^>\s]+)>
                      |\b(?:href|src|action|formaction|poster)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""",
                      re.IGNORECASE | re.VERBOSE)
WHY_IT_MATTERS, BIG_PICTURE = "why-it-matters", "the-big-picture"     # axiom keys: any language's label counts
_PARAGRAPHS = frozenset({"paragraph", "item", "quote"})
_CLOSE_ENOUGH = 0.8   # difflib ratio: "The Big Pictures" → "The big picture" but not "Note" → "Of note"


def check_explainer(explainer: Explainer, settings: CheckSettings, axioms: tuple[str, ...],
                    now: datetime, tz: tzinfo, raw_html: bool = True,
                    providers: tuple[Provider, ...] = PROVIDERS,
                    images: SiteImages | None = None) -> Iterator[Problem]:
    yield from image_findings(explainer, settings, images or SiteImages())
    yield from fact_findings(explainer)
    yield from brevity_findings(explainer, settings, axioms)
    yield from metadata_findings(explainer, now, tz)
    yield from placeholder_findings(explainer)
    yield from raw_html_findings(explainer, raw_html, providers)
    yield from link_scheme_findings(explainer, raw_html)


def _html_matches(explainer: Explainer, pattern: re.Pattern) -> Iterator[tuple[int, re.Match]]:
    """(line, match) of `pattern` in each piece of HTML the Markdown holds."""
    for piece in explainer.body.outline.html:
        for found in pattern.finditer(piece.html):
            yield piece.line + piece.html.count("\n", 0, found.start()), found


def raw_html_findings(explainer: Explainer, raw_html: bool,
                      providers: tuple[Provider, ...] = PROVIDERS) -> Iterator[Problem]:
    """Every <script>, inline event handler and embedded frame in the body (they reach the page as written), and
    every element whose fixed width is wider than a phone."""
    effect = ("it reaches the page as written; make sure it is meant to be there" if raw_html
              else "site.yml has raw_html: false, so it shows as text")
    path = explainer.source
    for line, found in _html_matches(explainer, _SCRIPT):
        origin = frames.host(frames.attribute(found.group(), "src"))
        yield finding(path, line, "content/raw-html-script",
                      f"a <script>{f' from {origin}' if origin else ''} in the text ({effect})")
    for line, found in _html_matches(explainer, _HANDLER):
        yield finding(path, line, "content/raw-html-handler", f"an inline event handler, {found.group(1)}= ({effect})")
    for handler in explainer.body.outline.handlers:     # `{: onclick=… }`: Markdown puts it on the element
        yield finding(path, handler.line, "content/raw-html-handler",
                      f"an inline event handler, {handler.name}= ("
                      + (effect if raw_html else "site.yml has raw_html: false, so it is removed") + ")")
    for line, found in _html_matches(explainer, _EMBED):
        yield finding(path, line, "content/raw-html-iframe",
                      frame_message(found.group(), found.group(1).lower(), effect, raw_html, providers))
    for line, found in _html_matches(explainer, _START_TAG) if raw_html else ():
        problem = frames.fixed_width(found.group(), found.group(1).lower())
        if problem:
            yield finding(path, line, "content/raw-html-fixed-width", problem)


def frame_message(tag: str, name: str, effect: str, raw_html: bool, providers: tuple[Provider, ...]) -> str:
    """What to say about a frame: where it loads from, whether screen readers can name it, and the embed that
    would replace it."""
    src = frames.attribute(tag, "data" if name == "object" else "src")
    origin = frames.host(src)
    advice = [effect]
    if raw_html and name in ("iframe", "frame") and not (frames.attribute(tag, "title") or "").strip():
        advice.append("it has no title=, which screen readers need to name it")
    provider = frames.provider_of(src, providers) if raw_html else None
    if provider is not None:
        advice.append(f"its address on a line of its own makes a {provider.name} embed that loads nothing "
                      f"until the reader asks" if provider.facade else
                      f"its address on a line of its own makes a responsive {provider.name} embed")
    return f"an embedded <{name}>{f' from {origin}' if origin else ''} in the text ({'; '.join(advice)})"


def link_scheme_findings(explainer: Explainer, raw_html: bool) -> Iterator[Problem]:
    """Link and image targets that are not http(s), mailto, tel or relative (javascript:, data:, file:…)."""
    outline = explainer.body.outline
    defined = {definition.written for definition in outline.definitions}
    written = [(definition.line, definition.written, False) for definition in outline.definitions]
    written += [(link.line, link.written, False) for link in outline.links if link.written not in defined]
    for line, found in _html_matches(explainer, _TARGETS) if raw_html else ():   # else the tag shows as text
        url = next(group for group in found.groups() if group is not None)
        written.append((line, url, found.group(1) is None))
    for line, url, in_html in written:
        scheme = url_scheme(url)
        if scheme is None or scheme in SAFE_SCHEMES:
            continue
        if scheme not in UNSAFE_SCHEMES:
            why = "readers' browsers may not open it"
        elif in_html:
            why = "raw HTML reaches the page as written: it runs when clicked"
        else:
            why = "removed from the page: the text stays, without its link"
        yield finding(explainer.source, line, "links/unsafe-scheme",
                      f"{_excerpt(url, 40)} uses {scheme}: ({why}; use an http(s) or relative link)")


HERO_WIDTH = 1200      # pixels: Google Discover's large previews and the platforms' large cards need this


def image_findings(explainer: Explainer, settings: CheckSettings, images: SiteImages) -> Iterator[Problem]:
    image = explainer.image
    if image is None:
        return
    if not image.credit:
        yield finding(explainer.source, explainer.line_of("image"), "images/credit",
                      "the hero image has no credit (add `credit:` under image, e.g. "
                      "\"Photo: Jane Doe/Agency\")")
    line = explainer.line_of("image", "src")
    published = images.of(image.url)
    if published is None or published.passthrough:       # readers download this very file
        yield from size_findings(image.path, image.src, explainer.source, line, settings)
    if image.width < HERO_WIDTH:
        yield finding(explainer.source, line, "images/hero-width",
                      f"the hero image {image.src} is {image.width} px wide: Google Discover and large link "
                      f"previews need at least {HERO_WIDTH:,} px (the build enlarges its crops to that, blurred); "
                      "use a larger original")
    problem = crop_warning(image.width, image.height, image.focus)
    if problem:
        yield finding(explainer.source, line, "images/crop", problem)


def fact_findings(explainer: Explainer) -> Iterator[Problem]:
    """Each key fact and big number has a source; no label twice in one facts box; a timeline in date order."""
    for box in explainer.sidebars:
        if box.kind in ("facts", "numbers"):
            yield from _facts_box_findings(box)
        elif box.kind == "timeline":
            yield from _timeline_findings(box)


def _facts_box_findings(box: Sidebar) -> Iterator[Problem]:
    seen: dict[str, int | None] = {}
    for fact in box.items:
        if not isinstance(fact, Fact):
            continue
        if fact.source is None:
            what = f"the number '{fact.value}'" if box.kind == "numbers" else f"the fact '{fact.label}'"
            yield finding(fact.where.path, fact.where.line, "facts/source",
                          f"{what} has no source (add `source:` with a name, or {{name, url}})")
        key = normalise_label(fact.label)
        if key in seen and box.kind == "facts":
            yield finding(fact.where.path, fact.where.line, "facts/duplicate",
                          f"the label '{fact.label}' is used twice (also on line {seen[key]}); "
                          "merge the facts or tell them apart")
        else:
            seen.setdefault(key, fact.where.line)


def _timeline_findings(box: Sidebar) -> Iterator[Problem]:
    """Events oldest first or newest first, either way, but one way: the first step decides which."""
    events = [e for e in box.items if isinstance(e, Event)]
    direction = 0
    for before, event in itertools.pairwise(events):
        step = (event.date > before.date) - (event.date < before.date)
        if step and direction and step != direction:
            order = "oldest first" if direction > 0 else "newest first"
            yield finding(event.where.path, event.where.line, "sidebars/timeline-order",
                          f"the timeline goes {order}, but {event.iso} comes after {before.iso} "
                          "(move the event to its place in time)")
            return
        direction = direction or step


@functools.lru_cache(maxsize=8)
def _vocabulary(axioms: tuple[str, ...]) -> dict[str, str]:
    """The labels that start sections, made once per site's `axioms:` (not per explainer: 500 labels)."""
    return vocabulary(axioms)


@functools.lru_cache(maxsize=1024)
def _label_hint(label: str, axioms: tuple[str, ...]) -> str:
    """"did you mean '…'?" for a normalised lead-in close to a label, else ""; each lead-in compared once."""
    spelled = _spellings(axioms)
    return did_you_mean(label, spelled, cutoff=_CLOSE_ENOUGH, otherwise="", show=spelled.__getitem__)


@functools.lru_cache(maxsize=8)
def _spellings(axioms: tuple[str, ...]) -> dict[str, str]:
    return spellings(axioms)


def brevity_findings(explainer: Explainer, settings: CheckSettings, axioms: tuple[str, ...]) -> Iterator[Problem]:
    """Lengths and Smart Brevity sections, where the converter found them (the page's own sections)."""
    body, path = explainer.body, explainer.source
    blocks = body.outline.blocks
    known = _vocabulary(axioms)
    first_section = body.sections[0].line if body.sections else None
    text_blocks = [b for b in blocks if b.kind != "code"]
    lede_line = text_blocks[0].line if text_blocks else body.outline.first_line
    lede_words = len(body.lede_text.split())
    if lede_words > settings.lede_words:
        yield finding(path, lede_line, "brevity/lede-length",
                      f"the lede has {lede_words} words, over {settings.lede_words} "
                      "(one or two sentences: what happened and why the reader should care)")
    for block in blocks:
        if (first_section and block.line >= first_section and block.kind in _PARAGRAPHS
                and block.words > settings.paragraph_words):
            yield finding(path, block.line, "brevity/paragraph-length",
                          f"this paragraph has {block.words} words, over {settings.paragraph_words} "
                          "(split it, or make it bullets)")
        if block.lead_in is not None and normalise_label(block.lead_in) not in known:
            suggestion = _label_hint(normalise_label(block.lead_in), axioms)
            if suggestion:
                yield finding(path, block.line, "brevity/unknown-axiom",
                              f"'{block.lead_in}' is not a Smart Brevity label, so it starts no "
                              f"section: {suggestion}")
    if body.words > settings.explainer_words:
        yield finding(path, explainer.line_of("title"), "brevity/explainer-length",
                      f"the explainer has {body.words:,} words, over {settings.explainer_words:,} "
                      "(cut, or split it into two explainers)")
    keys = {s.key for s in body.sections}
    where = first_section or lede_line
    if WHY_IT_MATTERS not in keys:
        label = label_in(WHY_IT_MATTERS, explainer.language)
        yield finding(path, where, "brevity/missing-why-it-matters",
                      f"no '{label}' section (add `**{label}:** …` after the lede)")
    if BIG_PICTURE not in keys:
        label = label_in(BIG_PICTURE, explainer.language)
        yield finding(path, where, "brevity/missing-big-picture",
                      f"no '{label}' section (add `**{label}:** …` for the context)")


def metadata_findings(explainer: Explainer, now: datetime, tz: tzinfo) -> Iterator[Problem]:
    path = explainer.source
    if not explainer.summary:
        yield finding(path, explainer.line_of("title"), "metadata/summary",
                      "no summary (add `summary:`, one sentence: search results and social "
                      "previews show it)")
    if explainer.date > now and not explainer.draft:
        yield finding(path, explainer.line_of("date"), "metadata/future-date",
                      f"dated {explainer.date.date().isoformat()}, in the future: builds leave it out "
                      "until then (fix the date, or set `draft: true` if it is not ready)")
    if explainer.wrote("updated") and explainer.updated and explainer.updated < explainer.date:
        yield finding(path, explainer.line_of("updated"), "metadata/updated-before-date",
                      f"updated {explainer.updated.date().isoformat()} is before the date "
                      f"{explainer.date.date().isoformat()}")
    for update in explainer.updates:
        if update.date < explainer.date:
            yield finding(path, update.where.line if update.where else explainer.line_of("updates"),
                          "metadata/updated-before-date",
                          f"this update is dated {update.date.date().isoformat()}, before the "
                          f"explainer's date {explainer.date.date().isoformat()}")


def author_findings(explainer: Explainer, authors: tuple[Author, ...], newsroom: str | None) -> Iterator[Problem]:
    """A byline name that site.yml's `authors:` lacks: the byline stays plain text, without a link to an
    author's page. Only on a site that lists its authors (and never for the newsroom's own name)."""
    known = [author.name for author in authors]
    if not known:
        return
    for name in explainer.authors:
        if name not in known and name != newsroom:
            yield finding(explainer.source, explainer.line_of("authors"), "metadata/unknown-author",
                          f"'{name}' is not in site.yml's authors: the byline shows the name without a link to an "
                          f"author page ({did_you_mean(name, known, 'add them to authors:, or use one of')})")


def placeholder_findings(explainer: Explainer) -> Iterator[Problem]:
    """TODO, FIXME and lorem ipsum anywhere in the words as written (front matter and facts.yml too): the one
    rule that reads the files as text, line by line, and parses nothing."""
    files = [explainer.source]
    facts_file = explainer.bundle / FACTS_FILE if explainer.bundle else None
    if facts_file and facts_file.is_file():
        files.append(facts_file)
    for path in files:
        text = _text_of(path)
        if not _may_hold_placeholder(text):     # most files: then no line is searched
            continue
        for number, line in enumerate(text.split("\n"), start=1):
            match = PLACEHOLDER.search(line)
            if match and not line.lstrip().startswith("#" if path.suffix == ".yml" else "<!--"):
                yield finding(path, number, "content/placeholder",
                              f"placeholder left in: {_excerpt(line)} (write the real text)")


def _may_hold_placeholder(text: str) -> bool:
    """False only when PLACEHOLDER finds nothing in `text`, told from the lower-cased text (a case-blind regular
    expression reads every character slowly, a third of what the copy desk's rules cost)."""
    if any(letter in text for letter in FOLDED_AS_ASCII):
        return True
    lowered = text.lower()
    return any(word in lowered for word in PLACEHOLDER_WORDS)


def _text_of(path: Path) -> str:
    try:
        return yamlfile.read_text(path).lstrip("\ufeff").replace("\r\n", "\n")
    except (OSError, ExplainerError):     # gone or changed since it was loaded: nothing to say about it here
        return ""


def _excerpt(line: str, width: int = 60) -> str:
    text = " ".join(line.split())
    return f"'{text}'" if len(text) <= width else f"'{text[:width - 1]}…'"
