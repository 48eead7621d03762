"""Related explainers: the ones an editor named (`related: [slug, …]`), or else up to N chosen the same way
every build: most shared tags, then the same category, then the newest. Only explainers in the same language
that share at least a tag or the category are candidates, never a translation of the explainer itself.

Chosen for every explainer at every build (each page's key includes its related cards), so the choice works
on bit sets: bit i of a set is the i-th explainer, newest first, so the lowest set bit is the newest one, and
counting shared tags is a few big-integer operations per explainer, not a loop over the archive. A builder
keeps a `Memo` (the preview in its session, a command-line build in the build cache's state): when no
explainer's slug, place in the newest-first order, tags, category, language, translations or `related:`
changed, nor the set of known slugs or the count, the last choice stands.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..errors import ContentError, ExplainerError, did_you_mean, raise_all
from ..model import Explainer
from ..problems import Place


@dataclass
class Memo:
    """The last choice (by slug) and a digest of everything it was made from (`inputs_of`); while a builder
    lasts, those inputs too (comparing them is cheaper than digesting them again)."""
    digest: str = ""
    chosen: dict[str, tuple[str, ...]] = field(default_factory=dict)
    inputs: list = field(default_factory=list)


def choose(ordered: tuple[Explainer, ...], count: int, groups: dict[str, tuple[Explainer, ...]],
           known: set[str], memo: Memo | None = None) -> dict[str, tuple[Explainer, ...]]:
    """slug → its related explainers, for every explainer of `ordered` (newest first) that has any.

    `known` is every explainer's slug, unpublished ones too: naming one of those is not a mistake (it is left
    out until it is published); naming none is an error at the line of the name."""
    if memo is None:
        return _choose(ordered, count, groups, known)
    inputs = inputs_of(ordered, count, known)
    if inputs == memo.inputs and (recalled := _recall(memo.chosen, ordered)) is not None:
        return recalled
    digest = digest_of(inputs)
    if digest == memo.digest and (recalled := _recall(memo.chosen, ordered)) is not None:
        memo.inputs = inputs
        return recalled
    chosen = _choose(ordered, count, groups, known)
    memo.digest, memo.inputs = digest, inputs
    memo.chosen = {slug: tuple(e.slug for e in picked) for slug, picked in chosen.items()}
    return chosen


def _recall(chosen: dict[str, tuple[str, ...]],
            ordered: tuple[Explainer, ...]) -> dict[str, tuple[Explainer, ...]] | None:
    """The remembered choice with these explainers; None when it names one that is not among them (a memo
    that is not this choice's: it is made afresh)."""
    by_slug = {e.slug: e for e in ordered}
    try:
        return {by_slug[slug].slug: tuple(by_slug[other] for other in picked) for slug, picked in chosen.items()}
    except KeyError:
        return None


def inputs_of(ordered: tuple[Explainer, ...], count: int, known: set[str]) -> list:
    """Everything `_choose` reads: the count, the known slugs, and per explainer in `ordered`'s order (which
    stands for their dates) its slug, tags, category, language, translation key and `related:`. The
    translation groups are made from the translation keys, so they are in it too."""
    return [count, sorted(known), [[e.slug, [t.slug for t in e.tags], e.category.slug if e.category else None,
                                    e.language, e.translation_key, e.related] for e in ordered]]


def digest_of(inputs: list) -> str:
    text = json.dumps(inputs, ensure_ascii=False, check_circular=False)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _choose(ordered: tuple[Explainer, ...], count: int, groups: dict[str, tuple[Explainer, ...]],
            known: set[str]) -> dict[str, tuple[Explainer, ...]]:
    index = {e.slug: i for i, e in enumerate(ordered)}
    chosen: dict[str, tuple[Explainer, ...]] = {}
    errors: list[ExplainerError] = []
    sets = _Sets(ordered, groups) if count else None
    for explainer in ordered:
        if explainer.related:
            picked, problems = _named(explainer, ordered, index, known)
            errors.extend(problems)
        elif sets is not None:
            picked = tuple(ordered[i] for i in sets.best(index[explainer.slug], count))
        else:
            continue
        if picked:
            chosen[explainer.slug] = picked
    raise_all(errors)
    return chosen


def _named(explainer: Explainer, ordered: tuple[Explainer, ...], index: dict[str, int],
           known: set[str]) -> tuple[tuple[Explainer, ...], list[ExplainerError]]:
    picked: list[Explainer] = []
    errors: list[ExplainerError] = []
    for number, slug in enumerate(explainer.related):
        where = Place(explainer.source, explainer.line_of("related", str(number)))
        if slug == explainer.slug:
            errors.append(ContentError(f"related names this explainer itself: {slug}", where,
                                       hint="name other explainers, by their slug"))
        elif slug in index:
            if ordered[index[slug]] not in picked:
                picked.append(ordered[index[slug]])
        elif slug not in known:
            errors.append(ContentError(f"related names no explainer: {slug}", where,
                                       hint=did_you_mean(slug, sorted(known), otherwise="a slug is the name "
                                                         "of the explainer's folder or file")))
    return tuple(picked), errors


class _Sets:
    """The explainers holding each tag, in each category, in each language and translation group, as bit sets."""

    def __init__(self, ordered: tuple[Explainer, ...], groups: dict[str, tuple[Explainer, ...]]):
        self.ordered = ordered
        self.tags: dict[str, int] = {}
        self.categories: dict[str, int] = {}
        self.languages: dict[str, int] = {}
        self.groups: dict[str, int] = {}
        position = {e.slug: i for i, e in enumerate(ordered)}
        for i, explainer in enumerate(ordered):
            bit = 1 << i
            for tag in explainer.tags:
                self.tags[tag.slug] = self.tags.get(tag.slug, 0) | bit
            if explainer.category:
                slug = explainer.category.slug
                self.categories[slug] = self.categories.get(slug, 0) | bit
            self.languages[explainer.language] = self.languages.get(explainer.language, 0) | bit
        for key, members in groups.items():
            self.groups[key] = sum(1 << position[m.slug] for m in members)

    def best(self, i: int, count: int) -> Iterator[int]:
        """The positions of up to `count` explainers related to the i-th, best first."""
        explainer = self.ordered[i]
        candidates = self.languages[explainer.language] & ~(1 << i)
        if explainer.translation_key:
            candidates &= ~self.groups.get(explainer.translation_key, 0)
        category = self.categories.get(explainer.category.slug, 0) if explainer.category else 0
        found = 0
        for level in self._by_shared_tags(explainer, candidates):
            for chosen in (level & category, level & ~category):
                while chosen and found < count:
                    lowest = chosen & -chosen
                    yield lowest.bit_length() - 1
                    found += 1
                    chosen ^= lowest
                if found == count:
                    return

    def _by_shared_tags(self, explainer: Explainer, candidates: int) -> Iterator[int]:
        """Candidates sharing all of the explainer's tags, then one tag fewer … then one tag, then none but the
        category. The shared tags are counted bit-sliced: plane p holds bit p of each candidate's count."""
        planes: list[int] = []
        for tag in explainer.tags:
            carry = self.tags[tag.slug] & candidates
            for p, plane in enumerate(planes):
                planes[p], carry = plane ^ carry, plane & carry
                if not carry:
                    break
            if carry:
                planes.append(carry)
        for shared in range(len(explainer.tags), 0, -1):
            if shared >> len(planes):
                continue        # more than the counters can hold: no candidate shares that many
            exactly = candidates
            for p, plane in enumerate(planes):
                exactly &= plane if shared >> p & 1 else ~plane
            if exactly:
                yield exactly
        category = self.categories.get(explainer.category.slug, 0) if explainer.category else 0
        yield candidates & category & ~self._any(planes)

    @staticmethod
    def _any(planes: list[int]) -> int:
        union = 0
        for plane in planes:
            union |= plane
        return union
