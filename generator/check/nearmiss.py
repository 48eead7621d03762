"""The page or file a broken link most likely meant, among every path of the site, as written from the link's folder.

difflib's closest match rejects at once every choice whose length is too far from the word's (its
`real_quick_ratio`): here those are never listed. A path outside the folder's top folder is written from the
folder as `../` once per level and then its path from the site's root, so its length is known without working it
out; the paths are kept sorted by that length and only those of a fitting length are written out. Up to
`EXACT_UP_TO` of them, difflib compares them all (the answer is the one it gives over every path). More (a big
site, a link as long as its page names) would cost milliseconds a link: then difflib compares the paths in the
link's own top folder and the `SHORTLIST` others that share the most three-letter pieces with it (an index of
the pieces, made once), so a link that is one typo away from a page still names that page.
"""
from __future__ import annotations

import bisect
import difflib
import heapq
import math
import posixpath
from collections import Counter, defaultdict
from collections.abc import Iterable
from operator import itemgetter

CUTOFF = 0.75
EXACT_UP_TO = 50
SHORTLIST = 100
OTHERWISE = "check the spelling and the folder"


class NearMisses:
    def __init__(self, paths: list[str]) -> None:
        """`paths`: the site paths a link may name; a folder's ends with `/` (the front page is "")."""
        # By length, then by text: paths of one length in a fixed order, so that the shortlist (and so the
        # hint) is the same in every run, whatever order the set gives them in.
        from_root = sorted({(_relative(path, "."), path) for path in paths}, key=lambda pair: (len(pair[0]), pair))
        self._from_root = [written for written, _ in from_root]
        self._paths = [path for _, path in from_root]
        self._lengths = [len(written) for written in self._from_root]
        self._by_top: dict[str, list[str]] = defaultdict(list)   # top folder (or "" for the front page) → paths
        for path in self._paths:
            self._by_top[_top(path)].append(path)
        self._answers: dict[tuple[str, str], str] = {}
        self._written_near: dict[str, tuple[str, ...]] = {}
        self._pieces: dict[str, list[int]] = defaultdict(list)   # three letters → where they occur in _from_root
        for at, written in enumerate(self._from_root):
            for piece in _pieces(written):
                self._pieces[piece].append(at)

    def hint(self, written: str, folder: str) -> str:
        """"did you mean '…'?" with the closest path as written from `folder`, or what to check."""
        here = folder or "."
        if (written, here) not in self._answers:
            close = closest(written, self._fitting(written, here))
            self._answers[written, here] = f"did you mean '{close}'?" if close is not None else OTHERWISE
        return self._answers[written, here]

    def _fitting(self, word: str, here: str) -> set[str]:
        """The paths as written from `here` to compare with `word`: all those whose length difflib would not
        reject, or a shortlist of them (see above)."""
        length = len(word)
        shortest = math.floor(length * CUTOFF / (2 - CUTOFF)) - 1
        longest = math.ceil(length * (2 - CUTOFF) / CUTOFF) + 1
        if here == ".":
            up, top = "", None
        else:
            up, top = "../" * (here.count("/") + 1), here.split("/", 1)[0]
        found = set(self._near(here, top or ""))
        start = bisect.bisect_left(self._lengths, shortest - len(up))
        stop = bisect.bisect_right(self._lengths, longest - len(up))
        places: Iterable[int] = self._shortlist(word, start, stop) if stop - start > EXACT_UP_TO else range(start, stop)
        for at in places:
            path = self._paths[at]
            if top is None or _top(path) not in (top, ""):
                found.add(up + self._from_root[at])
        return {written for written in found if shortest <= len(written) <= longest}

    def _near(self, here: str, top: str) -> tuple[str, ...]:
        """The paths in the folder's top folder and at the root, as written from the folder (each folder once)."""
        if here not in self._written_near:
            self._written_near[here] = tuple(_relative(path, here) for path in (*self._by_top.get(top, ()),
                                                                                  *self._by_top.get("", ())))
        return self._written_near[here]

    def _shortlist(self, word: str, start: int, stop: int) -> list[int]:
        """The places in [start, stop) of the paths sharing the most three-letter pieces with `word`."""
        shared: Counter[int] = Counter()
        for piece in sorted(_pieces(word)):
            shared.update(self._pieces.get(piece, ()))
        fitting = (item for item in shared.items() if start <= item[0] < stop)
        return [at for at, _ in heapq.nlargest(SHORTLIST, fitting, key=itemgetter(1))]


def closest(word: str, choices: Iterable[str], cutoff: float = CUTOFF) -> str | None:
    """What `difflib.get_close_matches(word, choices, n=1, cutoff)` gives, without working out the full ratio
    of choices that cannot win: by their upper bound (`quick_ratio`), best first, until no bound beats the best."""
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(word)
    bounds = []
    for choice in choices:
        matcher.set_seq1(choice)
        if matcher.real_quick_ratio() >= cutoff and (bound := matcher.quick_ratio()) >= cutoff:
            bounds.append((bound, choice))
    best: tuple[float, str] | None = None
    for bound, choice in sorted(bounds, reverse=True):
        if best is not None and (bound, choice) < best:
            break          # its ratio is at most its bound; every later one's bound is lower still
        matcher.set_seq1(choice)
        score = matcher.ratio()
        if score >= cutoff and (best is None or (score, choice) > best):
            best = (score, choice)
    return best[1] if best is not None else None


def _pieces(text: str) -> set[str]:
    return {text[at:at + 3] for at in range(len(text) - 2)}


def _top(path: str) -> str:
    """A path's first folder; "" for the front page (and a file at the root: neither has a folder to share)."""
    return path.split("/", 1)[0] if "/" in path else ""


def _relative(path: str, start: str) -> str:
    folder = path.endswith("/") or not path
    relative = posixpath.relpath(path or ".", start)
    return relative + "/" if folder and relative != "." else relative
