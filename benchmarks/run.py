#!/usr/bin/env python3
"""Build the same generated corpus with explainer and its peers; print one table of medians and ratios.

    python3 benchmarks/run.py --sizes 1000 --runs 5                 # explainer + whichever peers are installed
    python3 benchmarks/run.py --sizes 100,1000,10000 --runs 3 --peers hugo
    python3 benchmarks/run.py --base ../base --runs 7                # cold, in turn with another checkout and Hugo
    bash ../shared/bench/peers/setup.sh                              # installs Hugo, Pelican, MkDocs, Eleventy

Every figure is a median over --runs runs after one untimed warm-up, timed from outside as a whole
process (wall clock around spawn..reap; peak = max RSS of the largest process of the build). Peers are
measured in the same run, so ratios compare like with like on a noisy machine.
  cold      explainer build --no-cache into an empty output folder (peers: output and caches removed)
  warm      explainer build again, nothing changed, cache present (a new process)
  one-edit  one explainer's Markdown changed, then explainer build (a new process)
With --base CHECKOUT (another checkout of explainer, e.g. main before a change; its own .venv, or this one),
cold builds of this checkout, of that one and of Hugo run in turn, run by run, and the ratios are taken run by
run (the median of those): wall and CPU seconds (user + system of the build and its workers).
A second table (--cases cards,check) compares like with like in the same run, wall and CPU seconds:
  cold, absolute base_url   the corpus with base_url: https://example.org/ (every real site): feeds, sitemap,
                            and a social card per explainer; against the same with social_cards: never
  check                     explainer check of the corpus after a build (reading the bodies it converted from the
                            cache) and with --no-cache, each against its cold build (the issue's target: ≤ 1)
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import installed

REPO = Path(__file__).resolve().parent.parent


def shared_bench(shared: Path):
    sys.path.insert(0, str(shared / "bench" / "peers"))
    import bench  # the peers' build commands and the process timer, from ../shared/bench/peers/bench.py
    return bench


def explainer_cmd(content: Path, out: Path, *extra: str, python: str = sys.executable) -> list[str]:
    return [python, "-m", "generator", "build", "--content", str(content), "--out", str(out), *extra]


def timed(bench, argv, cwd, runs: int, before=None) -> list[tuple[float, float, float]]:
    samples = []
    for k in range(runs + 1):
        if before:
            before(k)
        result = bench.one_run(argv, str(cwd), 3600)
        if result is None:
            raise SystemExit(f"build failed: {' '.join(map(str, argv))}")
        if k:                      # the first run is the untimed warm-up
            samples.append(result)
    return samples


def make_corpus(work: Path, n: int, shared: Path) -> Path:
    site = work / f"explainer-{n}"
    if not (site / "content").is_dir():
        subprocess.check_call([sys.executable, str(shared / "bench" / "corpus.py"), "--n", str(n),
                               "--format", "explainer", "--out", str(site)], stdout=subprocess.DEVNULL)
    return site


def median(samples, index: int) -> float:
    return statistics.median(s[index] for s in samples)


def measure_explainer(bench, work: Path, n: int, runs: int, shared: Path) -> dict[str, list]:
    site = make_corpus(work, n, shared)
    content, out, cache = site / "content", site / "out", site / ".explainer-cache"
    env_cwd = REPO

    def clean(_):
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)

    results = {"cold": timed(bench, explainer_cmd(content, out, "--no-cache"), env_cwd, runs, clean)}
    subprocess.check_call(explainer_cmd(content, out), cwd=env_cwd, stdout=subprocess.DEVNULL)
    results["warm"] = timed(bench, explainer_cmd(content, out), env_cwd, runs)
    story = sorted(content.glob("*/index.md"))[n // 2]
    original = story.read_text(encoding="utf-8")

    def edit(k):
        story.write_text(original + f"\nEdited paragraph number {k}.\n", encoding="utf-8")

    results["one-edit"] = timed(bench, explainer_cmd(content, out), env_cwd, runs, edit)
    story.write_text(original, encoding="utf-8")
    return results


def site_variant(site: Path, name: str, settings: str) -> Path:
    """A copy of a generated site whose site.yml has other settings (made once, reused)."""
    variant = site.with_name(f"{site.name}-{name}")
    if not (variant / "content").is_dir():
        shutil.copytree(site / "content", variant / "content")
        (variant / "content" / "site.yml").write_text(f'title: "Explainers"\n{settings}', encoding="utf-8")
    return variant


def measure_cases(bench, work: Path, n: int, runs: int) -> dict[str, list]:
    """Cold builds with an absolute base_url with and without social cards, and check against a cold build
    (measure_explainer made the site)."""
    site = work / f"explainer-{n}"
    absolute = 'base_url: "https://example.org/"\n'
    cards = site_variant(site, "absolute", absolute)
    no_cards = site_variant(site, "absolute-no-cards", absolute + "social_cards: never\n")

    def cold(variant: Path):
        out = variant / "out"
        return timed(bench, explainer_cmd(variant / "content", out, "--no-cache"), REPO, runs,
                     lambda _: shutil.rmtree(out, ignore_errors=True))

    check = [sys.executable, "-m", "generator", "check", "--content", str(site / "content")]
    cases = {"cold": cold(site), "cards": cold(cards), "no-cards": cold(no_cards)}
    # check after a build with the cache (the bodies it converted are there), and converting everything
    subprocess.check_call(explainer_cmd(site / "content", site / "out-check"), cwd=REPO, stdout=subprocess.DEVNULL)
    return {**cases, "check": timed(bench, check, REPO, runs), "check-no-cache": timed(bench, check + ["--no-cache"],
                                                                                      REPO, runs)}


def print_cases(n: int, cases: dict[str, list]) -> None:
    def both(key: str) -> str:
        return f"{median(cases[key], 0):.2f} / {median(cases[key], 1):.2f}"

    def ratios(a: str, b: str) -> str:
        return f"{median(cases[a], 0) / median(cases[b], 0):.2f} / {median(cases[a], 1) / median(cases[b], 1):.2f}"

    print(f"| {n} | {both('cold')} | {both('no-cards')} | {both('cards')} | {ratios('cards', 'no-cards')} | "
          f"{both('check')} | {ratios('check', 'cold')} | {both('check-no-cache')} | "
          f"{ratios('check-no-cache', 'cold')} |", flush=True)


def measure_peer(bench, peer: str, work: Path, n: int, runs: int, shared: Path):
    fmt, argv, clean_paths = bench.PEERS[peer]
    site = work / f"{peer}-{n}"
    if not site.is_dir():
        subprocess.check_call([sys.executable, str(shared / "bench" / "corpus.py"), "--n", str(n),
                               "--format", fmt, "--out", str(site)], stdout=subprocess.DEVNULL)

    def clean(_):
        for rel in clean_paths:
            shutil.rmtree(site / rel, ignore_errors=True)

    return timed(bench, argv, site, runs, clean)


def measure_cold_against(bench, work: Path, n: int, runs: int, shared: Path, base: Path) -> None:
    """Cold builds of this checkout, of `base` and of Hugo in turn; prints medians and run-by-run ratios."""
    site = work / f"explainer-{n}"
    if not (site / "content").is_dir():
        subprocess.check_call([sys.executable, str(shared / "bench" / "corpus.py"), "--n", str(n),
                               "--format", "explainer", "--out", str(site)], stdout=subprocess.DEVNULL)
    content = site / "content"
    # The base's own environment when it has one; else this one, run in the base's folder (which puts its
    # `generator` first on the path): a `git archive` of any commit will do.
    python = base / ".venv" / "bin" / "python"
    installed.compile_package(base)
    builds = {"this checkout": (explainer_cmd(content, site / "out", "--no-cache"), REPO, [site / "out"]),
              "base": (explainer_cmd(content, site / "out-base", "--no-cache",
                                     python=str(python) if python.exists() else sys.executable),
                       base, [site / "out-base"])}
    if bench.available("hugo"):
        fmt, argv, clean_paths = bench.PEERS["hugo"]
        hugo_site = work / f"hugo-{n}"
        if not hugo_site.is_dir():
            subprocess.check_call([sys.executable, str(shared / "bench" / "corpus.py"), "--n", str(n),
                                   "--format", fmt, "--out", str(hugo_site)], stdout=subprocess.DEVNULL)
        builds["hugo"] = (argv, hugo_site, [hugo_site / rel for rel in clean_paths])
    samples: dict[str, list] = {name: [] for name in builds}
    for k in range(runs + 1):
        for name, (argv, cwd, clean) in builds.items():
            for path in clean:
                shutil.rmtree(path, ignore_errors=True)
            result = bench.one_run(argv, str(cwd), 3600)
            if result is None:
                raise SystemExit(f"build failed: {' '.join(map(str, argv))}")
            if k:                  # the first round is the untimed warm-up
                samples[name].append(result)
    ours = samples["this checkout"]
    print(f"\ncold builds of {n} explainers in turn, medians of {runs} (ratios: median of the run-by-run ratios)\n")
    print("| build | wall s | CPU s | this ÷ it, wall | this ÷ it, CPU |\n|---|---|---|---|---|")
    for name, theirs in samples.items():
        ratios = [statistics.median(a[i] / b[i] for a, b in zip(ours, theirs)) for i in (0, 1)]
        print(f"| {name} | {median(theirs, 0):.2f} | {median(theirs, 1):.2f} | {ratios[0]:.2f} | {ratios[1]:.2f} |",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000", help="comma-separated corpus sizes (default 1000)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--peers", default="hugo,pelican,mkdocsnav,eleventy",
                        help="peers to measure when installed (hugo,pelican,mkdocs,mkdocsnav,eleventy,jekyll)")
    parser.add_argument("--cases", default="builds,cards,check",
                        help="builds (the table against the peers), cards,check (the second table)")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("BENCH_WORK", "/tmp/explainer-bench")))
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared",
                        help="the shared folder with bench/corpus.py and bench/peers/ (default ../shared)")
    parser.add_argument("--base", type=Path, help="another checkout: cold builds in turn with it and Hugo, "
                                                  "instead of the table")
    args = parser.parse_args()
    installed.compile_package(REPO)
    bench = shared_bench(args.shared)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.base:
        for n in (int(s) for s in args.sizes.split(",")):
            measure_cold_against(bench, args.work, n, args.runs, args.shared, args.base.resolve())
        return

    cases = set(args.cases.split(","))
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; medians of {args.runs} runs\n")
    if "builds" in cases:
        print("| N | tool | cold s | warm s | one-edit s | peak MiB | cold ÷ Hugo | warm ÷ Hugo cold | "
              "edit ÷ Hugo cold |")
        print("|---|---|---|---|---|---|---|---|---|")
    for n in sizes:
        if "builds" not in cases:
            break
        peers = {p: measure_peer(bench, p, args.work, n, args.runs, args.shared)
                 for p in args.peers.split(",") if p in bench.PEERS and bench.available(p)}
        ours = measure_explainer(bench, args.work, n, args.runs, args.shared)
        hugo = median(peers["hugo"], 0) if "hugo" in peers else None

        def ratio(value: float, hugo: float | None = hugo) -> str:
            return f"{value / hugo:.2f}" if hugo else "n/a"

        cold, warm, edit = (median(ours[k], 0) for k in ("cold", "warm", "one-edit"))
        peak = max(median(ours[k], 2) for k in ours)
        print(f"| {n} | explainer | {cold:.2f} | {warm:.2f} | {edit:.2f} | {peak:.0f} | {ratio(cold)} | "
              f"{ratio(warm)} | {ratio(edit)} |", flush=True)
        for peer, samples in peers.items():
            wall = median(samples, 0)
            print(f"| {n} | {peer} | {wall:.2f} | | | {median(samples, 2):.0f} | {ratio(wall)} | | |", flush=True)
    if cases & {"cards", "check"}:
        print("\nwall s / CPU s (CPU: every process of the run, workers included)\n")
        print("| N | cold, base_url / | cold, absolute base_url, social_cards: never | cold, absolute base_url, "
              "cards | cards ÷ no cards | check after a build | check ÷ cold | check --no-cache | "
              "check --no-cache ÷ cold |")
        print("|---|---|---|---|---|---|---|---|---|")
        for n in sizes:
            make_corpus(args.work, n, args.shared)
            print_cases(n, measure_cases(bench, args.work, n, args.runs))

if __name__ == "__main__":
    main()
