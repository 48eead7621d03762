#!/usr/bin/env python3
"""Per-explainer cost of the Markdown stage, ours against the usual Python-Markdown set-ups (medians, ms).

    python3 benchmarks/markdown_micro.py [--n 200] [--corpus DIR]

Same bodies for every row, one Markdown instance per row reset between documents (as the build does); CPU time
of this process, so that other work on a shared machine moves the figures less.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import markdown
import yaml

import installed

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.content.load import split_front_matter  # noqa: E402
from generator.markdown.sections import Converter  # noqa: E402


def bodies(corpus: Path, n: int) -> list[tuple[str, str]]:
    files = sorted(corpus.glob("*/index.md"))[:n]
    return [(f.read_text(encoding="utf-8"), (f.parent / "facts.yml").read_text(encoding="utf-8")) for f in files]


def per_item_ms(work, items, rounds: int = 3) -> float:
    timings = []
    for _ in range(rounds):
        start = time.process_time()
        for item in items:
            work(item)
        timings.append((time.process_time() - start) / len(items) * 1000)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--corpus", type=Path, help="a content folder (default: generate one with ../shared)")
    args = parser.parse_args()
    installed.compile_package(REPO)
    corpus = args.corpus
    if corpus is None:
        out = Path(tempfile.mkdtemp(prefix="md-micro-"))
        subprocess.check_call([sys.executable, str(REPO.parent / "shared/bench/corpus.py"), "--n", str(args.n),
                               "--format", "explainer", "--out", str(out)], stdout=subprocess.DEVNULL)
        corpus = out / "content"
    items = bodies(corpus, args.n)
    texts = [split_front_matter(text, Path("x.md")).body for text, _ in items]

    def python_markdown(extensions):
        md = markdown.Markdown(extensions=extensions)
        return lambda text: (md.reset(), md.convert(text))

    ours, unpruned = Converter(), Converter(prune=False)
    rows = [
        ("Python-Markdown, no extensions", python_markdown([]), texts),
        ("Python-Markdown extra+toc", python_markdown(["extra", "toc"]), texts),
        ("Python-Markdown extra+toc+smarty+attr_list", python_markdown(["extra", "toc", "smarty", "attr_list"]), texts),
        ("explainer Converter (tables, footnotes, attr_list, curly quotes, sections, links)",
         lambda text: ours.convert(text, "story", "story"), texts),
        ("the same, every processor for every document (no pruning, markdown/pruning.py)",
         lambda text: unpruned.convert(text, "story", "story"), texts),
        ("PyYAML safe_load (front matter + facts)",
         lambda pair: (yaml.load(pair[0].split("---")[1], Loader=yaml.SafeLoader),
                       yaml.load(pair[1], Loader=yaml.SafeLoader)), items),
        ("PyYAML CSafeLoader (front matter + facts)",
         lambda pair: (yaml.load(pair[0].split("---")[1], Loader=yaml.CSafeLoader),
                       yaml.load(pair[1], Loader=yaml.CSafeLoader)), items),
    ]
    print(f"{len(items)} explainers, median of 3 rounds, ms per explainer")
    print("| stage | ms |\n|---|---|")
    for name, work, data in rows:
        print(f"| {name} | {per_item_ms(work, data):.2f} |", flush=True)


if __name__ == "__main__":
    main()
