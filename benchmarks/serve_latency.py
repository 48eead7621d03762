#!/usr/bin/env python3
"""Save-to-reload latency of `explainer serve` on a generated corpus (a benchmark, not a test).

    python3 benchmarks/serve_latency.py [--n 1000] [--edits 12] [--gap 0.5] [--profile]

1. generates N explainers with ../shared/bench/corpus.py (or takes --content DIR),
2. starts `python -m generator serve --port 0` on them in a subprocess,
3. opens one explainer in headless Chromium (/usr/bin/chromium via Playwright) and waits for livereload.js,
4. edits its Markdown --edits times, --gap seconds apart, saving like an editor (temp file + rename), and
   measures the wall time from the rename to DOMContentLoaded of the reloaded page with the new text in it,
5. prints each latency, median and p90, and the rebuild's own time from the server's log lines.
--profile then runs 10 incremental rebuilds in this process under cProfile and prints where the time goes.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import installed

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "bench" / "corpus.py"
if not CORPUS.is_file():                      # a worktree one level deeper than the main checkout
    CORPUS = REPO.parent.parent / "shared" / "bench" / "corpus.py"
CHROME_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
# Runs in every document the page loads: stamps the moment the reloaded DOM is complete, and its text.
STAMP = """document.addEventListener('DOMContentLoaded', () => {
  window.__domAt = performance.timeOrigin + performance.now();
  window.__text = document.body.textContent;
});"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="explainers to generate (default 1000)")
    parser.add_argument("--content", type=Path, help="use this content folder instead of generating one")
    parser.add_argument("--edits", type=int, default=12, help="edits to time (default 12)")
    parser.add_argument("--gap", type=float, default=0.5, help="seconds between edits (default 0.5)")
    parser.add_argument("--profile", action="store_true", help="profile incremental rebuilds afterwards")
    args = parser.parse_args()
    installed.compile_package(REPO)

    work = Path(tempfile.mkdtemp(prefix="serve-latency-"))
    try:
        content = args.content or generate(args.n, work)
        article = pick_article(content)
        latencies, rebuilds, stages = measure(content, article, args.edits, args.gap)
        report(args, latencies, rebuilds, stages)
        if args.profile:
            profile(content, article)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def generate(n: int, work: Path) -> Path:
    started = time.perf_counter()
    subprocess.run([sys.executable, str(CORPUS), "--n", str(n), "--format", "explainer", "--out", str(work)],
                   check=True, stdout=subprocess.DEVNULL)
    print(f"corpus: {n} explainers in {time.perf_counter() - started:.1f} s", flush=True)
    return work / "content"


def pick_article(content: Path) -> Path:
    bundles = sorted(p for p in content.iterdir() if (p / "index.md").is_file())
    return bundles[len(bundles) // 2] / "index.md"


class Server:
    def __init__(self, content: Path):
        env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--port", "0",
                                      "--content", str(content)], cwd=content.parent, env=env, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        started = time.perf_counter()
        while not (url := next((m.group(1) for line in list(self.lines)
                                if (m := re.search(r"Serving (\S+)", line))), None)):
            if self.proc.poll() is not None or time.perf_counter() - started > 300:
                raise SystemExit("serve did not start:\n" + "\n".join(self.lines))
            time.sleep(0.05)
        self.url = url
        print(f"serve: first build and start {time.perf_counter() - started:.1f} s; {url}", flush=True)

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def stop(self) -> None:
        self.proc.send_signal(2)
        self.proc.wait(timeout=30)


def measure(content: Path, article: Path, edits: int, gap: float):
    from playwright.sync_api import sync_playwright
    text = article.read_text(encoding="utf-8")
    server = Server(content)
    slug = article.parent.name
    latencies: list[float] = []
    frames: list[float] = []     # write → the reload message reaching the page (watch + rebuild + send)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                                 args=CHROME_ARGS)
            page = browser.new_page()
            page.add_init_script(STAMP)
            sent: list[str] = []
            received: list[tuple[float, str]] = []   # (wall ms when Playwright delivered it, payload)

            def on_websocket(ws) -> None:
                ws.on("framesent", lambda payload: sent.append(str(payload)))
                ws.on("framereceived", lambda payload: received.append((time.time() * 1000, str(payload))))
            page.on("websocket", on_websocket)
            page.goto(f"{server.url}{slug}/")
            while not any('"info"' in frame for frame in sent):
                page.wait_for_timeout(20)
            page.wait_for_timeout(300)
            mark = len(server.lines)
            head, _, body = text.partition("\n---\n")
            run = os.urandom(4).hex()    # a marker an earlier run left in the file must not count as this one's
            for n in range(1, edits + 1):
                marker = f"Benchmark edit {n} of run {run} lands here."
                temporary = article.with_name(".index.md.tmp")
                temporary.write_text(f"{head}\n---\n{marker}\n\n{body}", encoding="utf-8")
                written = time.time() * 1000
                os.replace(temporary, article)
                latencies.append(wait_for_text(page, marker) - written)
                reload_frame = next((t for t, payload in received if t >= written and '"reload"' in payload), None)
                if reload_frame:
                    frames.append(reload_frame - written)
                page.wait_for_timeout(gap * 1000)
            browser.close()
        rebuild_lines = [line for line in server.lines[mark:] if line.startswith("rebuilt in")]
    finally:
        try:
            server.stop()
        finally:
            article.write_text(text, encoding="utf-8")    # the corpus as it was, once nothing watches it
    rebuilds = [float(re.search(r"rebuilt in (\d+) ms", line).group(1)) for line in rebuild_lines]
    stages: dict[str, list[float]] = {}
    for line in rebuild_lines:
        for stage, ms in re.findall(r"(\w+) (\d+)", re.search(r"\((.*?) ms;", line).group(1)):
            stages.setdefault(stage, []).append(float(ms))
    if len(rebuilds) != edits:
        print(f"note: {len(rebuilds)} rebuilds for {edits} edits", flush=True)
    stages["reload message"] = frames
    return latencies, rebuilds, stages


def wait_for_text(page, marker: str, timeout: float = 30.0) -> float:
    """The browser's timestamp of the first DOMContentLoaded whose text holds `marker`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            stamp = page.evaluate("(m) => window.__text && window.__text.includes(m) ? window.__domAt : null",
                                  marker)
        except Exception:   # the page is navigating: its execution context is being replaced
            stamp = None
        if stamp:
            return stamp
        time.sleep(0.005)
    raise SystemExit(f"the page never showed {marker!r}")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def report(args, latencies: list[float], rebuilds: list[float], stages: dict[str, list[float]]) -> None:
    print("write→DOM ms: " + " ".join(f"{x:.0f}" for x in latencies))
    print("rebuild ms:   " + " ".join(f"{x:.0f}" for x in rebuilds))
    frames = stages.pop("reload message")
    breakdown = ", ".join(f"{stage} {statistics.median(v):.0f}" for stage, v in stages.items())
    print(f"rebuild median {statistics.median(rebuilds):.0f} ms ({breakdown} ms)")
    if frames:
        print(f"write→reload message at the page: median {statistics.median(frames):.0f} ms, approximate "
              f"(file watch + rebuild + send); the rest is the browser reloading the page")
    print(f"serve latency: write→DOM median {statistics.median(latencies):.0f} ms, "
          f"p90 {percentile(latencies, 90):.0f} ms over {len(latencies)} edits "
          f"({args.content or f'{args.n} explainers'}, gap {args.gap} s, {os.cpu_count()} CPUs)")


def profile(content: Path, article: Path) -> None:
    """Where an incremental rebuild spends its time, measured in this process."""
    import cProfile
    import pstats
    sys.path.insert(0, str(REPO))
    from generator.build import Builder
    from generator.config import load_config
    out = Path(tempfile.mkdtemp(prefix="serve-profile-"))
    try:
        builder = Builder(lambda: load_config(content, out), fingerprint=False)
        builder.build()
        original = article.read_text(encoding="utf-8")
        profiler = cProfile.Profile()
        for n in range(10):
            article.write_text(original.replace("\n---\n", f"\n---\nProfile edit {n}.\n\n", 1), encoding="utf-8")
            profiler.enable()
            builder.build()
            profiler.disable()
        article.write_text(original, encoding="utf-8")
        stats = pstats.Stats(profiler)
        print(f"\nprofile of 10 incremental rebuilds ({stats.total_tt * 100:.0f} ms each):")
        stats.sort_stats("cumulative").print_stats(25)
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
