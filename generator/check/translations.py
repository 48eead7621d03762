"""What the copy desk checks across explainers that translate each other (front matter `translation_key`)."""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..model import Explainer
from ..problems import Problem
from .findings import finding

KEY = "translation_key"


def translation_findings(explainers: Iterable[Explainer]) -> Iterator[Problem]:
    """A key that only one explainer uses (a typo, or a translation not written yet), and two explainers of one
    group in the same language (search engines get one page per language: the older one is linked)."""
    groups: dict[str, list[Explainer]] = {}
    for explainer in explainers:
        if explainer.translation_key:
            groups.setdefault(explainer.translation_key, []).append(explainer)
    for key, members in sorted(groups.items()):
        if len(members) == 1:
            alone = members[0]
            yield finding(alone.source, alone.line_of(KEY), "translations/single",
                          f"no other explainer has translation_key '{key}' (check the spelling, or remove it "
                          "until the translation is published)")
            continue
        seen: dict[str, Explainer] = {}
        for member in sorted(members, key=lambda e: (e.date.timestamp(), e.slug)):
            first = seen.setdefault(member.language, member)
            if first is not member:
                yield finding(member.source, member.line_of(KEY), "translations/same-language",
                              f"'{first.slug}' has the same translation_key '{key}' and is also in "
                              f"'{member.language}': a group has one explainer per language, and only "
                              f"'{first.slug}' is linked as the {member.language} version (fix the language or "
                              "the key)")
