#!/usr/bin/env python3
"""What the preview does after one save, without a browser: one `Builder` made as `explainer serve` makes it
(spawned workers, no search index, theme assets unfingerprinted, state in memory), a first build, then
--saves text edits to one explainer, each followed by a rebuild told the saved path, as the preview's watcher
tells it; wall and CPU time of each rebuild and the
build's own stage timings, and their medians.

    python3 benchmarks/preview_rebuild.py --site /tmp/preview3000 --n 3000 --saves 11 --shared ../shared

The site folder gets the corpus from ../shared/bench/corpus.py the first time (N explainers). To compare two
checkouts, run each one's copy of this script at the same time on its own site folder and compare the CPU
medians (the two share the machine alike; wall clock is what a busy machine gives). serve_latency.py measures
the whole save → browser path with a real browser. --memory prints the peak resident memory of the preview's
process and of its largest worker after the first build and at the end; --top N also lists the N lines of
code that hold the most memory after the last rebuild (tracemalloc: slow, for finding what holds it).
"""
from __future__ import annotations

import argparse
import inspect
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import installed

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, required=True, help="a folder of its own (content/ and out/)")
    parser.add_argument("--n", type=int, default=3000, help="explainers in the generated corpus")
    parser.add_argument("--saves", type=int, default=11)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--scan-all", action="store_true",
                        help="scan every input at each rebuild, not only the saved file's bundle (as before "
                             "the preview passed its watcher's paths to the build)")
    parser.add_argument("--memory", action="store_true", help="print peak resident memory (MiB)")
    parser.add_argument("--top", type=int, default=0, help="list the N biggest holders of memory (tracemalloc)")
    args = parser.parse_args()
    if args.top:
        tracemalloc.start()
    installed.compile_package(REPO)
    sys.path.insert(0, str(REPO))
    from generator.build import Builder
    from generator.config import load_config
    from generator.parallel import cyclic_gc_paused

    site = args.site.resolve()
    if not (site / "content").is_dir():
        subprocess.run([sys.executable, str(args.shared / "bench" / "corpus.py"), "--n", str(args.n),
                        "--format", "explainer", "--out", str(site)], check=True, stdout=subprocess.DEVNULL)
    story = sorted((site / "content").glob("*/index.md"))[args.n // 2]
    original = story.read_text(encoding="utf-8")
    # The preview's own output folder, as serve makes it (a checkout from before `own_output` has none).
    own = {"own_output": True} if "own_output" in inspect.signature(Builder).parameters else {}
    shutil.rmtree(site / "out", ignore_errors=True)
    builder = Builder(lambda: load_config(site / "content", out_dir=site / "out"), fingerprint=False,
                      start_method="spawn", search_index=False, **own)
    try:
        builder.build()
        if args.memory:
            print_peaks("after the first build")
        walls, cpus = [], []
        for save in range(args.saves):
            story.write_text(original + f"\nAn edited paragraph, number {save}.\n", encoding="utf-8")
            wall, cpu = time.perf_counter(), time.process_time()
            with cyclic_gc_paused():      # as the preview rebuilds
                report = builder.build(None if args.scan_all else [os.path.realpath(story)])   # as its watcher
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            stages = " ".join(f"{stage} {seconds * 1000:.0f}" for stage, seconds in report.timings.items())
            print(f"rebuild {walls[-1] * 1000:.0f} ms wall, {cpus[-1] * 1000:.0f} ms CPU, "
                  f"{report.rendered} rendered ({stages} ms)", flush=True)
        print(f"median of {args.saves}: {statistics.median(walls) * 1000:.0f} ms wall, "
              f"{statistics.median(cpus) * 1000:.0f} ms CPU")
        if args.memory:
            print_peaks(f"after {args.saves} saves")
        if args.top:
            for line in tracemalloc.take_snapshot().statistics("lineno")[:args.top]:
                print(line)
    finally:
        builder.close()
        story.write_text(original, encoding="utf-8")


def print_peaks(when: str) -> None:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024          # KiB on Linux
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024   # the largest ended worker
    print(f"peak memory {when}: preview process {own:.0f} MiB, largest worker {workers:.0f} MiB", flush=True)


if __name__ == "__main__":
    main()
