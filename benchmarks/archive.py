#!/usr/bin/env python3
"""What one edit costs as the archive grows: one-edit builds and the preview's save→browser time at each size,
for this checkout and (optionally) another one, measured in turns so their ratio holds on a noisy machine.

    python3 benchmarks/archive.py --sizes 1000,3000 --runs 5                     # this checkout
    python3 benchmarks/archive.py --sizes 1000,3000 --before ../main --preview   # before/after, with the preview

For each size N, the corpus from ../shared/bench/corpus.py is copied once per checkout (each has its own
content folder, output folder and .explainer-cache) and built once, untimed. Then, in turns A B A B …:
  text edit   a line added to one explainer's body (its card, what lists show, is unchanged), then
              `explainer build` as a new process
  title edit  the same explainer's title changed (its card changes: the list pages that show it render again)
Figures are medians of --runs runs, wall clock around the whole process (spawn to reap), as benchmarks/run.py
measures them. The largest list page of each built site is reported too (its HTML, in kB).
--preview runs each checkout's own benchmarks/serve_latency.py at each size (--edits saves, write→DOM median).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import installed

REPO = Path(__file__).resolve().parent.parent


def shared_bench(shared: Path):
    sys.path.insert(0, str(shared / "bench" / "peers"))
    import bench  # the process timer, from ../shared/bench/peers/bench.py
    return bench


class Checkout:
    """One checkout's copy of the corpus at one size, built once."""

    def __init__(self, name: str, repo: Path, corpus: Path, work: Path):
        self.name, self.repo = name, repo
        self.site = work / name
        if not (self.site / "content").is_dir():
            shutil.copytree(corpus, self.site / "content")
        self.content, self.out = self.site / "content", self.site / "out"
        self.story = sorted(self.content.glob("*/index.md"))[len(list(self.content.glob("*/index.md"))) // 2]
        self.original = self.story.read_text(encoding="utf-8")
        subprocess.run(self.command(), cwd=self.repo, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def command(self) -> list[str]:
        return [sys.executable, "-m", "generator", "build", "--content", str(self.content), "--out", str(self.out)]

    def edit(self, kind: str, run: int) -> None:
        if kind == "text":
            text = self.original + f"\nAn edited paragraph, number {run}.\n"
        else:
            text = re.sub(r"^title: .*$", f'title: "A retitled explainer, take {run}"', self.original, count=1,
                          flags=re.MULTILINE)
        self.story.write_text(text, encoding="utf-8")

    def restore(self) -> None:
        self.story.write_text(self.original, encoding="utf-8")
        subprocess.run(self.command(), cwd=self.repo, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def largest_list_page(self) -> tuple[str, int]:
        explainers = {path.parent.name for path in self.content.glob("*/index.md")}
        pages = [p for p in self.out.rglob("*.html") if p.parent.name not in explainers or p.parent.parent != self.out]
        biggest = max(pages, key=lambda p: p.stat().st_size)
        return biggest.relative_to(self.out).as_posix(), biggest.stat().st_size


def one_edits(bench, checkouts: list[Checkout], runs: int) -> dict[tuple[str, str], list[float]]:
    walls: dict[tuple[str, str], list[float]] = {}
    for kind in ("text", "title"):
        for run in range(runs + 1):                  # the first round is an untimed warm-up
            for checkout in checkouts:
                checkout.edit(kind, run)
                result = bench.one_run(checkout.command(), str(checkout.repo), 600)
                if result is None:
                    raise SystemExit(f"build failed in {checkout.repo}")
                if run:
                    walls.setdefault((checkout.name, kind), []).append(result[0])
        for checkout in checkouts:
            checkout.restore()
    return walls


def preview(checkout_repo: Path, n: int, edits: int) -> float | None:
    script = checkout_repo / "benchmarks" / "serve_latency.py"
    proc = subprocess.run([sys.executable, str(script), "--n", str(n), "--edits", str(edits)], cwd=checkout_repo,
                          capture_output=True, text=True, timeout=3600)
    found = re.search(r"write→DOM median (\d+) ms", proc.stdout)
    if not found:
        print(proc.stdout[-2000:], proc.stderr[-2000:], file=sys.stderr)
        return None
    return float(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,3000", help="comma-separated corpus sizes (default 1000,3000)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before", type=Path, help="another checkout to measure in turns with this one")
    parser.add_argument("--preview", action="store_true", help="also measure save→browser in explainer serve")
    parser.add_argument("--edits", type=int, default=8, help="saves per preview measurement (default 8)")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("BENCH_WORK", "/tmp/explainer-bench")))
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    args = parser.parse_args()
    installed.compile_package(REPO)
    shared = args.shared if (args.shared / "bench").is_dir() else REPO.parent.parent / "shared"
    bench = shared_bench(shared)
    repos = [("after", REPO)] + ([("before", args.before.resolve())] if args.before else [])
    for _, checkout in repos[1:]:
        installed.compile_package(checkout)
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; medians of {args.runs} runs\n")
    print("| N | checkout | text edit s | title edit s | preview save→DOM ms | largest list page |")
    print("|---|---|---|---|---|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        corpus = args.work / f"archive-{n}" / "corpus"
        if not (corpus / "content").is_dir():
            subprocess.run([sys.executable, str(shared / "bench" / "corpus.py"), "--n", str(n), "--format",
                            "explainer", "--out", str(corpus)], check=True, stdout=subprocess.DEVNULL)
        checkouts = [Checkout(name, repo, corpus / "content", args.work / f"archive-{n}") for name, repo in repos]
        walls = one_edits(bench, checkouts, args.runs)
        for checkout in checkouts:
            latency = preview(checkout.repo, n, args.edits) if args.preview else None
            page, size = checkout.largest_list_page()
            print(f"| {n} | {checkout.name} | {statistics.median(walls[checkout.name, 'text']):.2f} | "
                  f"{statistics.median(walls[checkout.name, 'title']):.2f} | "
                  f"{'' if latency is None else f'{latency:.0f}'} | {page} {size / 1000:.0f} kB |", flush=True)


if __name__ == "__main__":
    main()
