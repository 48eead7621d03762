"""What `explainer check` reports: rule ids, findings with file:line, and the `check:` settings of site.yml."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import yamlfile
from ..config import SiteConfig
from ..errors import ConfigError, ExplainerError, did_you_mean, raise_all
from ..problems import BUILD_ERROR, ERROR, INFO, WARNING, Place, Problem

# Stable ids: editors turn rules off by these names, CI tools match on them. Never rename one.
RULES: dict[str, tuple[str, str]] = {
    BUILD_ERROR: (ERROR, "the site does not build (the same errors `explainer build` prints)"),
    "links/internal": (ERROR, "a link inside the site points at no page or file"),
    "links/anchor": (ERROR, "a #fragment is not an id on the page it points at"),
    "links/external": (ERROR, "with --external: an outside link answers 404/410 (other failures warn)"),
    "links/unsafe-scheme": (WARNING, "a link or image target that is not http(s), mailto, tel or relative "
                                     "(javascript:, vbscript: and data: are removed from Markdown links)"),
    "images/alt": (ERROR, "an image in the text has no alt text"),
    "images/missing": (ERROR, "an image in the text points at no file"),
    "images/credit": (WARNING, "the hero image has no credit"),
    "images/size": (WARNING, "an image published as it is (not as resized derivatives: an animated GIF, an SVG) "
                             "is larger than `image_kb` (default 1 MB)"),
    "images/hero-width": (WARNING, "the hero image is narrower than 1,200 px (Google Discover and large link "
                                   "previews need that)"),
    "images/crop": (WARNING, "the link-preview and search crops of a portrait hero keep little of it and no "
                             "focal point says which part"),
    "facts/source": (WARNING, "a key fact (or a big number of a numbers box) has no source"),
    "facts/duplicate": (WARNING, "two key facts in one box have the same label"),
    "sidebars/timeline-order": (WARNING, "a timeline's events are out of date order (oldest or newest first, "
                                         "one way)"),
    "brevity/lede-length": (WARNING, "the lede is longer than `lede_words` (default 50)"),
    "brevity/paragraph-length": (WARNING, "a paragraph in a section is longer than `paragraph_words` (60)"),
    "brevity/explainer-length": (WARNING, "the explainer is longer than `explainer_words` (1,200)"),
    "brevity/missing-why-it-matters": (WARNING, "no *Why it matters* section"),
    "brevity/missing-big-picture": (WARNING, "no *The big picture* section"),
    "brevity/unknown-axiom": (WARNING, "a lead-in or heading is close to, but not, a Smart Brevity label"),
    "metadata/summary": (WARNING, "no summary (used for the page description and social previews)"),
    "metadata/future-date": (WARNING, "dated in the future and not a draft: left out of builds until then"),
    "metadata/updated-before-date": (ERROR, "`updated` (or an update's date) is before `date`"),
    "metadata/unknown-author": (WARNING, "a byline name that site.yml's `authors:` does not have (no author page)"),
    "translations/single": (WARNING, "a `translation_key` that no other explainer has"),
    "translations/same-language": (WARNING, "two explainers with one `translation_key` in the same language"),
    "content/placeholder": (ERROR, "a placeholder (TODO, FIXME, lorem ipsum) is left in the text"),
    "content/raw-html-script": (WARNING, "a <script> in the Markdown (raw HTML reaches the page as written)"),
    "content/raw-html-handler": (WARNING, "an inline event handler (onclick=, onerror=…) in the Markdown"),
    "content/raw-html-iframe": (WARNING, "an <iframe>, <frame>, <object> or <embed> in the Markdown"),
    "content/raw-html-fixed-width": (WARNING, "raw HTML fixes a width wider than a 320 px phone (a style width, "
                                              "or a frame's width=)"),
    "privacy/third-party": (INFO, "a host other than the site's that a page loads from (frames, scripts, images, "
                                  "styles), and whether the reader is asked first"),
}
ALWAYS_ON = frozenset({BUILD_ERROR})
GROUPS = frozenset(rule.split("/")[0] for rule in RULES)
THRESHOLDS = {
    "lede_words": (50, "words in the lede"),
    "paragraph_words": (60, "words in one paragraph of a section"),
    "explainer_words": (1200, "words in a whole explainer"),
    "image_kb": (1000, "kilobytes in one image file"),
    "external_timeout": (10, "seconds to wait for an outside site (--external)"),
}


def finding(path: Path | str, line: int | None, rule: str, message: str, level: str | None = None) -> Problem:
    """A finding of rule `rule` at path:line; its level is the rule's unless one rule reports at several
    levels (links/external). `path` is a file, or (a str) a page of the site as the site names it."""
    return Problem(Place(path, line), message, rule=rule, level=level or RULES[rule][0])


@dataclass(frozen=True)
class CheckSettings:
    """site.yml's `check:` settings: the rules turned off and each threshold."""
    disabled: frozenset[str] = frozenset()
    lede_words: int = THRESHOLDS["lede_words"][0]
    paragraph_words: int = THRESHOLDS["paragraph_words"][0]
    explainer_words: int = THRESHOLDS["explainer_words"][0]
    image_kb: int = THRESHOLDS["image_kb"][0]
    external_timeout: int = THRESHOLDS["external_timeout"][0]

    def enabled(self, rule: str) -> bool:
        return rule in ALWAYS_ON or (rule not in self.disabled and rule.split("/")[0] not in self.disabled)


def settings_from(config: SiteConfig) -> CheckSettings:
    """The `check:` mapping of site.yml, validated with site.yml:line errors."""
    raw = config.raw.get("check")
    if raw is None:
        return CheckSettings()
    if not isinstance(raw, dict):
        raise ConfigError("'check' must be a mapping", config.line_of("check"),
                          hint="e.g. check: {disable: [brevity/lede-length], lede_words: 60}")
    values: dict = {}
    errors: list[ExplainerError] = []

    def where(key) -> Place:
        return Place(config.site_file, yamlfile.line_of(raw, key, 1))

    for key, value in raw.items():
        if key == "disable":
            disabled, problems = _disabled_rules(value, where(key))
            values["disabled"] = disabled
            errors.extend(problems)
        elif key in THRESHOLDS:
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                errors.append(ConfigError(f"check: '{key}' must be a whole number above 0", where(key),
                                          hint=f"the {THRESHOLDS[key][1]}; default {THRESHOLDS[key][0]}"))
            else:
                values[key] = value
        else:
            known = ["disable", *THRESHOLDS]
            errors.append(ConfigError(f"unknown key '{key}' under check", where(key),
                                      hint=did_you_mean(str(key), known)))
    raise_all(errors)
    return CheckSettings(**values)


def _disabled_rules(value, where: Place) -> tuple[frozenset[str], list[ExplainerError]]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return frozenset(), [ConfigError("check: 'disable' must be a list of rule ids", where,
                                         hint="e.g. disable: [brevity/lede-length, metadata]")]
    errors: list[ExplainerError] = []
    for index, rule in enumerate(value):
        at = Place(where.path, yamlfile.line_of(value, index, 1) if isinstance(value, yamlfile.LineList)
                   else where.line)
        if rule in ALWAYS_ON:
            errors.append(ConfigError(f"check: '{rule}' cannot be turned off", at,
                                      hint="a site that does not build cannot be checked"))
        elif rule not in RULES and rule not in GROUPS:
            errors.append(ConfigError(f"check: unknown rule '{rule}'", at,
                                      hint=did_you_mean(rule, [*RULES, *GROUPS],
                                                        otherwise="`explainer check --rules` lists them")))
    return frozenset(value), errors
