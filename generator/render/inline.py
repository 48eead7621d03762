"""Email-safe HTML: the CSS of the document's `<style>` written into each element's `style` attribute, as email
clients need (Gmail drops `<style>` in some views and Outlook ignores most of it); what only a browser runs
taken out (scripts, frames, forms, players); every picture no wider than the email's column.

Simple selectors are inlined: a tag, classes, a tag with classes, descendants of those (`.facts dt`), in
comma lists. The cascade is CSS's: the more specific rule wins, then the later one, and an element's own
`style` wins over both. `@media` blocks and every other rule (pseudo-classes, `>`, attributes) stay in
`<style>` for the clients that read it (dark mode, narrow screens). Only start tags are rewritten; every other
byte of the document stays as it was.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from urllib.parse import urlsplit

# Elements only a browser runs or plays: taken out with what they hold. A frame or a player becomes a link.
DROPPED = frozenset({"script", "iframe", "frame", "object", "video", "audio", "canvas", "form", "template",
                     "select", "textarea", "button", "style", "noscript"})
LINKED = frozenset({"iframe", "frame", "video", "audio"})
DROPPED_EMPTY = frozenset({"embed", "input", "link", "source", "track", "param"})
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                  "track", "wbr"})
# A start tag of one of these ends an open <p> (HTML's implied end tags), so ancestors stay right.
CLOSES_P = frozenset({"address", "article", "aside", "blockquote", "div", "dl", "figure", "footer", "h1", "h2",
                      "h3", "h4", "h5", "h6", "header", "hr", "ol", "p", "pre", "section", "table", "ul"})
_SIMPLE = re.compile(r"^[a-zA-Z][\w-]*$|^(?:[a-zA-Z][\w-]*)?(?:\.[\w-]+)+$")
_PIXELS = re.compile(r"^(\d+(?:\.\d+)?)px$")
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


@dataclass(frozen=True)
class Compound:
    """One step of a selector: a tag (None: any) with classes."""
    tag: str | None
    classes: frozenset[str]

    def matches(self, tag: str, classes: frozenset[str]) -> bool:
        return (self.tag is None or self.tag == tag) and self.classes <= classes


@dataclass(frozen=True)
class Rule:
    """One CSS rule of the email stylesheet, ready to be matched against elements."""
    steps: tuple[Compound, ...]               # ancestors first: `.facts dt` is (.facts, dt)
    declarations: tuple[tuple[str, str], ...]
    specificity: tuple[int, int]              # (classes, tags)
    order: int

    def matches(self, tag: str, classes: frozenset[str], ancestors: list[tuple[str, frozenset[str]]]) -> bool:
        if not self.steps[-1].matches(tag, classes):
            return False
        wanted = len(self.steps) - 2
        for ancestor_tag, ancestor_classes in reversed(ancestors):
            if wanted < 0:
                break
            if self.steps[wanted].matches(ancestor_tag, ancestor_classes):
                wanted -= 1
        return wanted < 0


def split_css(css: str, first_order: int = 0) -> tuple[list[Rule], str]:
    """The rules that can be inlined, and the rest of `css` (at-rules, other selectors) to keep in <style>."""
    rules: list[Rule] = []
    kept: list[str] = []
    for prelude, block in _statements(_COMMENT.sub("", css)):
        if prelude.startswith("@") or block is None:
            kept.append(prelude + (f"{{{block}}}" if block is not None else ";"))
            continue
        declarations = _declarations(block)
        complex_selectors = []
        for selector in (s.strip() for s in prelude.split(",")):
            steps = selector.split()
            if steps and all(_SIMPLE.match(step) for step in steps):
                compounds = tuple(_compound(step) for step in steps)
                specificity = (sum(len(c.classes) for c in compounds), sum(c.tag is not None for c in compounds))
                rules.append(Rule(compounds, declarations, specificity, first_order + len(rules)))
            elif selector:
                complex_selectors.append(selector)
        if complex_selectors:
            kept.append(f"{', '.join(complex_selectors)} {{{block.strip()}}}")
    return rules, "\n".join(kept)


def _statements(css: str) -> list[tuple[str, str | None]]:
    """Top-level (prelude, block) pairs; a block is the text between the outer braces (None: `@import …;`)."""
    found: list[tuple[str, str | None]] = []
    depth, start, prelude, quote = 0, 0, "", ""
    for index, char in enumerate(css):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "{":
            if depth == 0:
                prelude, start = css[start:index].strip(), index + 1
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                found.append((prelude, css[start:index]))
                start = index + 1
        elif char == ";" and depth == 0:
            if css[start:index].strip():
                found.append((css[start:index].strip(), None))
            start = index + 1
    return found


def _declarations(block: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for part in block.split(";"):
        name, colon, value = part.partition(":")
        if colon and name.strip() and value.strip():
            pairs.append((name.strip().lower(), " ".join(value.split())))
    return tuple(pairs)


def _compound(step: str) -> Compound:
    tag, *classes = step.split(".")
    return Compound(tag.lower() or None, frozenset(classes))


def inline_css(html: str, max_image_width: int) -> str:
    """`html` (a whole email document) with its head's <style> rules inlined and its body made email-safe."""
    inliner = _Inliner(html, max_image_width)
    inliner.feed(html)
    inliner.close()
    return inliner.result()


class _Inliner(HTMLParser):
    def __init__(self, html: str, max_image_width: int):
        super().__init__(convert_charrefs=False)
        self.html, self.max_width = html, max_image_width
        self.line_starts = [0]
        for row in html.split("\n"):
            self.line_starts.append(self.line_starts[-1] + len(row) + 1)
        self.rules: list[Rule] = []
        self.open: list[tuple[str, frozenset[str]]] = []
        self.edits: list[tuple[int, int, str]] = []
        self.in_body = False
        self.style_from: int | None = None                     # where the head's <style> text starts
        self.dropping: tuple[str, int, int, str] | None = None  # (tag, depth, start, replacement)

    def position(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def result(self) -> str:
        out, done = [], 0
        for start, end, text in sorted(self.edits):
            if start < done:
                continue                                       # inside something already taken out
            out += [self.html[done:start], text]
            done = end
        out.append(self.html[done:])
        return "".join(out)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.start(tag, attrs, closed=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.start(tag, attrs, closed=True)

    def start(self, tag: str, attrs: list[tuple[str, str | None]], closed: bool) -> None:
        start = self.position()
        end = start + len(self.get_starttag_text() or "")
        if self.dropping:
            if tag == self.dropping[0] and not closed:
                self.dropping = (tag, self.dropping[1] + 1, self.dropping[2], self.dropping[3])
            return
        if tag == "body":
            self.in_body = True
        if not self.in_body:
            if tag == "style":
                self.style_from = end
            return
        if tag in DROPPED_EMPTY or (tag in DROPPED and closed):
            self.edits.append((start, end, _link_for(tag, dict(attrs))))
            return
        if tag in DROPPED:
            self.dropping = (tag, 1, start, _link_for(tag, dict(attrs)))
            return
        self.close_implied(tag)
        classes = frozenset((dict(attrs).get("class") or "").split())
        rewritten = self.rewrite(tag, attrs, classes)
        if rewritten is not None:
            self.edits.append((start, end, rewritten))
        if tag not in VOID and not closed:
            self.open.append((tag, classes))

    def close_implied(self, tag: str) -> None:
        top = self.open[-1][0] if self.open else None
        if (top == "p" and tag in CLOSES_P) or (top == "li" and tag == "li") or \
                (top in ("dt", "dd") and tag in ("dt", "dd")):
            self.open.pop()

    def handle_endtag(self, tag: str) -> None:
        if self.dropping:
            name, depth, start, replacement = self.dropping
            if tag == name:
                if depth > 1:
                    self.dropping = (name, depth - 1, start, replacement)
                else:
                    self.edits.append((start, self.html.index(">", self.position()) + 1, replacement))
                    self.dropping = None
            return
        if tag == "style" and self.style_from is not None and not self.in_body:
            until = self.position()
            rules, kept = split_css(self.html[self.style_from:until], len(self.rules))
            self.rules += rules
            self.edits.append((self.style_from, until, f"\n{kept}\n" if kept else ""))
            self.style_from = None
            return
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                break

    def rewrite(self, tag: str, attrs: list[tuple[str, str | None]], classes: frozenset[str]) -> str | None:
        """The start tag with the matching rules in `style`, event handlers left out and a picture fitted to
        the column; None when nothing changes."""
        matching = sorted((r for r in self.rules if r.matches(tag, classes, self.open)),
                          key=lambda r: (r.specificity, r.order))
        style: dict[str, str] = {}
        values = dict(attrs)
        for name, value in [pair for rule in matching for pair in rule.declarations] + \
                list(_declarations(values.get("style") or "")):
            style.pop(name, None)       # last in the attribute, as it comes last in the cascade
            style[name] = value
        kept = [(name, value) for name, value in attrs if not name.startswith("on") and name != "style"]
        if tag == "img":
            kept = _fitted(kept, style, self.max_width)
        if not style and kept == attrs:
            return None
        if style:
            kept.append(("style", ";".join(f"{name}:{value}" for name, value in style.items())))
        return "<" + tag + "".join(f" {name}" if value is None else f' {name}="{_attribute(value)}"'
                                   for name, value in kept) + ">"


def _attribute(value: str) -> str:
    """A value for a double-quoted attribute (single quotes, as in font names, stay as they are)."""
    return escape(value, quote=False).replace('"', "&quot;")


def _fitted(attrs: list[tuple[str, str | None]], style: dict[str, str], max_width: int
            ) -> list[tuple[str, str | None]]:
    """An image's width and height attributes (Outlook sizes pictures by them): its style's width in pixels
    when it has one (a portrait), else its own, never wider than the column; the height keeps the proportions."""
    values = dict(attrs)
    width, height = _number(values.get("width")), _number(values.get("height"))
    wanted = _PIXELS.match(style.get("width", ""))
    if not wanted and (width is None or width <= max_width):
        return attrs          # its own size fits (or CSS's max-width fits it)
    target = min(float(wanted.group(1)) if wanted else max_width, max_width)
    sized = {"width": str(round(target))}
    if width and height:
        sized["height"] = str(max(1, round(height * target / width)))
    elif "height" in values:
        sized["height"] = values["height"] or ""
    return [(name, sized.pop(name) if name in sized else value) for name, value in attrs] + list(sized.items())


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _link_for(tag: str, attrs: dict[str, str | None]) -> str:
    """What stands in for a frame or a player: a link to what it would have loaded, when that is a web page."""
    url = attrs.get("src") or ""
    if tag not in LINKED or urlsplit(url).scheme not in ("http", "https"):
        return ""
    return f'<p><a href="{escape(url)}">{escape(attrs.get("title") or url)}</a></p>'
