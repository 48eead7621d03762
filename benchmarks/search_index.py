#!/usr/bin/env python3
"""What `search: true` costs on the generated corpus: the index stage of a cold build and of a one-edit
build, and the size of the index (`site/pagefind/`), at each size.

    python3 benchmarks/search_index.py --sizes 1000,3000 --runs 3

Times are the build's own `-v` stage timings (`search`: Pagefind indexing the explainer pages, putting its
files in a stable order and handing them to the writer), medians over --runs builds, each a new process;
`cold total` is the whole build with search on (`--no-cache`, an empty output folder each time).
Sizes: all of `pagefind/`, and what a reader downloads for one search (the entry, pagefind.js, the worker,
the WebAssembly, the meta file, one word chunk, the filters and ten result fragments), on disk (Pagefind
gzips its index files itself; a server compresses the JavaScript and WebAssembly on top).
"""
from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def build(content: Path, out: Path, *extra: str) -> tuple[dict[str, float], float]:
    proc = subprocess.run([sys.executable, "-m", "generator", "build", "-v", "--content", str(content),
                           "--out", str(out), *extra], cwd=REPO, capture_output=True, text=True, check=True)
    stages = {name: float(ms) for name, ms in re.findall(r"^\s+(\w+)\s+([\d.]+) ms$", proc.stdout, re.M)}
    total = float(re.search(r" in ([\d.]+) s ", proc.stdout).group(1))
    return stages, total


def sizes(folder: Path) -> tuple[int, int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    everything = sum(p.stat().st_size for p in files)

    def first(pattern: str, count: int = 1) -> int:
        return sum(p.stat().st_size for p in sorted(folder.glob(pattern))[:count])
    one_search = (first("pagefind-entry.json") + first("pagefind.js") + first("pagefind-worker.js")
                  + first("wasm.en.pagefind") + first("*.pf_meta") + first("index/*") + first("filter/*", 9)
                  + first("fragment/*", 10))
    return len(files), everything, one_search


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,3000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/explainer-bench-search"))
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    args = parser.parse_args()
    print(f"{'explainers':>10} {'cold total s':>12} {'cold search ms':>14} {'one-edit search ms':>18} "
          f"{'files':>6} {'index MB':>9} {'one search kB':>13}")
    for n in map(int, args.sizes.split(",")):
        site = args.work / f"site-{n}"
        if not (site / "content").is_dir():
            subprocess.check_call([sys.executable, str(args.shared / "bench" / "corpus.py"), "--n", str(n),
                                   "--format", "explainer", "--out", str(site)], stdout=subprocess.DEVNULL)
            with open(site / "content" / "site.yml", "a", encoding="utf-8") as handle:
                handle.write("search: true\n")
        content, out = site / "content", site / "out"
        cold, totals = [], []
        for _ in range(args.runs):
            shutil.rmtree(out, ignore_errors=True)
            stages, total = build(content, out, "--no-cache")
            cold.append(stages["search"])
            totals.append(total)
        build(content, out)    # the cache, for one-edit builds
        edited, story = [], next(p for p in sorted(content.glob("*/index.md")))
        for run in range(args.runs):
            story.write_text(story.read_text(encoding="utf-8") + f"\nEdit {run}.\n", encoding="utf-8")
            edited.append(build(content, out)[0].get("search", 0.0))
        count, everything, one_search = sizes(out / "pagefind")
        print(f"{n:>10} {statistics.median(totals):>12.2f} {statistics.median(cold):>14.0f} "
              f"{statistics.median(edited):>18.0f} {count:>6} {everything / 1e6:>9.1f} {one_search / 1e3:>13.0f}")


if __name__ == "__main__":
    main()
