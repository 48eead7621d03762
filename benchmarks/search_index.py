#!/usr/bin/env python3
"""What `search: true` costs on the generated corpus, at each size: cold builds with and without search
(alternating, so both see the same machine), the index stage of a cold and of a one-edit build, and the size
of the index (`site/pagefind/`).

    python3 benchmarks/search_index.py --sizes 1000,3000 --runs 3

Every build is a new process (`explainer build -v --no-cache` into an empty folder for cold builds). Wall
seconds are medians; CPU seconds are user + system of the build and everything it started (Pagefind's
service included), which a busy shared machine disturbs far less than the wall clock. `search stage` is the
build's own `-v` timing of the index step (Pagefind indexing the explainer pages, its files put in a stable
order and handed to the writer). Sizes: all of `pagefind/`, and what a reader downloads for one search (the
entry, pagefind.js, the worker, the WebAssembly, the meta file, one word chunk, the filters and ten result
fragments) as stored (Pagefind gzips its index files itself).
"""
from __future__ import annotations

import argparse
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import installed

REPO = Path(__file__).resolve().parent.parent


def build(content: Path, out: Path, *extra: str) -> tuple[dict[str, float], float, float]:
    """One build in a new process: its -v stage timings (ms), wall seconds, CPU seconds (with its children)."""
    before, started = cpu_of_children(), time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "generator", "build", "-v", "--content", str(content),
                           "--out", str(out), *extra], cwd=REPO, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - started, cpu_of_children() - before
    if proc.returncode:
        raise SystemExit(f"build failed: {proc.stderr}")
    stages = {name: float(ms) for name, ms in re.findall(r"^\s+(\w+)\s+([\d.]+) ms$", proc.stdout, re.M)}
    return stages, wall, cpu


def cpu_of_children() -> float:
    """User + system seconds of every child process waited for so far (a build counts its own children)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def set_search(content: Path, on: bool) -> None:
    site_yml = content / "site.yml"
    lines = [line for line in site_yml.read_text(encoding="utf-8").splitlines() if not line.startswith("search:")]
    site_yml.write_text("\n".join(lines + [f"search: {'true' if on else 'false'}"]) + "\n", encoding="utf-8")


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
    installed.compile_package(REPO)
    print(f"{'explainers':>10} {'cold wall s off/on':>19} {'cold CPU s off/on':>18} {'search stage ms':>16} "
          f"{'one-edit search ms':>18} {'files':>6} {'index MB':>9} {'one search kB':>13}", flush=True)
    for n in map(int, args.sizes.split(",")):
        site = args.work / f"site-{n}"
        if not (site / "content").is_dir():
            subprocess.check_call([sys.executable, str(args.shared / "bench" / "corpus.py"), "--n", str(n),
                                   "--format", "explainer", "--out", str(site)], stdout=subprocess.DEVNULL)
        content, out = site / "content", site / "out"
        runs: dict[bool, list[tuple[dict[str, float], float, float]]] = {False: [], True: []}
        for _ in range(args.runs):
            for on in (False, True):
                set_search(content, on)
                shutil.rmtree(out, ignore_errors=True)
                runs[on].append(build(content, out, "--no-cache"))
        build(content, out)    # the cache, for one-edit builds
        edited, story = [], sorted(content.glob("*/index.md"))[0]
        for run in range(args.runs):
            story.write_text(story.read_text(encoding="utf-8") + f"\nEdit {run}.\n", encoding="utf-8")
            edited.append(build(content, out)[0].get("search", 0.0))
        count, everything, one_search = sizes(out / "pagefind")

        def med(on: bool, index: int, runs=runs) -> float:
            return statistics.median(r[index] for r in runs[on])
        search_ms = statistics.median(r[0]["search"] for r in runs[True])
        print(f"{n:>10} {med(False, 1):>9.1f}/{med(True, 1):<9.1f} {med(False, 2):>8.1f}/{med(True, 2):<9.1f} "
              f"{search_ms:>16.0f} {statistics.median(edited):>18.0f} {count:>6} {everything / 1e6:>9.1f} "
              f"{one_search / 1e3:>13.0f}", flush=True)


if __name__ == "__main__":
    main()
