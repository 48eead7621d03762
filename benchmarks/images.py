#!/usr/bin/env python3
"""Responsive images: what encoding costs, what reusing costs, and what a phone downloads.

    .venv/bin/python benchmarks/images.py --photos 3 --runs 3
    .venv/bin/python benchmarks/images.py --keep /tmp/photo-site     # also leave the built site for Lighthouse

It builds a site whose explainers each have an agency photo as their hero (4000×2667 JPEG at quality 92,
about 2.2 MB, as newsrooms receive them) and prints medians over --runs runs of:
  cold      `explainer build` with an empty .explainer-cache: every derivative encoded (per photo: the
            build's time divided by the number of photos, and the images stage alone, from `-v`)
  rebuild   one explainer's Markdown touched, then `explainer build`: every derivative reused, none encoded
  phone     the bytes of the hero a 390 px wide phone downloads (Chromium, device pixel ratio 2 and 3),
            before (the original, which the page used to load) and after (the file it picks from srcset)
Every build runs in a new process (`python -m generator build`), like a newsroom's CI.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import io
import random
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
WIDTH, HEIGHT = 4000, 2667
BODY = ("Lede of the story, a sentence long.\n\n**Why it matters:** It matters.\n\n"
        "**The big picture:** It is big.\n")


def agency_photo(seed: int) -> bytes:
    """A photo-like JPEG: detail at several scales plus grain, so it encodes like a real photo (about 2.2 MB)."""
    from PIL import Image, ImageFilter
    rng = random.Random(seed)
    layers = [Image.frombytes("RGB", (WIDTH // s + 1, HEIGHT // s + 1),
                              rng.randbytes((WIDTH // s + 1) * (HEIGHT // s + 1) * 3)).resize((WIDTH, HEIGHT),
                                                                                                 Image.BICUBIC)
              for s in (8, 32, 128, 512)]
    image = layers[0]
    for n, layer in enumerate(layers[1:], 2):
        image = Image.blend(image, layer, 1 / n)
    noise = Image.frombytes("RGB", (WIDTH, HEIGHT), rng.randbytes(WIDTH * HEIGHT * 3))
    grain = noise.filter(ImageFilter.GaussianBlur(1))
    out = io.BytesIO()
    Image.blend(image, grain, 0.1).save(out, "JPEG", quality=92)
    return out.getvalue()


def make_site(root: Path, photos: int) -> Path:
    content = root / "content"
    content.mkdir(parents=True)
    (content / "site.yml").write_text("title: Photo desk\nbase_url: https://photos.example/\n")
    for n in range(photos):
        folder = content / f"story-{n}"
        folder.mkdir()
        (folder / "hero.jpg").write_bytes(agency_photo(n))
        (folder / "index.md").write_text(
            f"---\ntitle: Story {n}\ndate: 2026-01-{n + 1:02d}\nsummary: A story with a photo.\n"
            f"image: {{src: hero.jpg, alt: A crowd in a square, credit: 'Photo: Agency'}}\n---\n{BODY}")
    return content


def build(root: Path, reuse: bool = False) -> tuple[float, float]:
    """One build in a new process: (wall seconds, the images stage's seconds as `-v` prints them).
    `reuse`: the build must encode nothing."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "generator", "build", "-v"], cwd=root, capture_output=True,
                          text=True, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, check=True)
    wall = time.perf_counter() - started
    stage = re.search(r"^\s+images\s+([\d.]+) ms$", proc.stdout, re.MULTILINE)
    if reuse and "image files encoded" in proc.stdout:
        raise SystemExit("the rebuild encoded images: it should reuse every derivative")
    return wall, float(stage.group(1)) / 1000 if stage else 0.0


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def phone_bytes(site: Path, ratios: tuple[float, ...]) -> dict[float, tuple[str, int]]:
    """The hero file Chromium picks on a 390 px wide screen at each device pixel ratio, and its size."""
    from playwright.sync_api import sync_playwright
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    picked = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            for ratio in ratios:
                context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=ratio,
                                              is_mobile=True)
                page = context.new_page()
                page.goto(f"http://127.0.0.1:{server.server_port}/story-0/", wait_until="load")
                url = page.evaluate("document.querySelector('figure.hero img').currentSrc")
                name = url.rsplit("/", 1)[-1]
                picked[ratio] = (name, (site / "story-0" / name).stat().st_size)
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return picked


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=3, help="explainers, each with its own photo (default 3)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each build (default 3)")
    parser.add_argument("--keep", type=Path, help="copy the built site here (for Lighthouse)")
    args = parser.parse_args()
    installed.compile_package(REPO)

    work = Path(tempfile.mkdtemp(prefix="explainer-images-"))
    try:
        root = work / "site-root"
        content = make_site(root, args.photos)
        originals = [p.stat().st_size for p in sorted(content.glob("*/hero.jpg"))]
        cold, stage = [], []
        for _ in range(args.runs):
            shutil.rmtree(root / ".explainer-cache", ignore_errors=True)
            shutil.rmtree(root / "site", ignore_errors=True)
            wall, images = build(root)
            cold.append(wall / args.photos)
            stage.append(images / args.photos)
        rebuild = []
        for n in range(args.runs):
            (content / "story-0" / "index.md").write_text(
                (content / "story-0" / "index.md").read_text().replace("Lede of the story", f"Lede {n} of the story"))
            rebuild.append(build(root, reuse=True)[0])
        picked = phone_bytes(root / "site", (2.0, 3.0))
        site_bytes = sum(p.stat().st_size for p in (root / "site").rglob("*") if p.is_file())

        print(f"{args.photos} photos of {WIDTH}×{HEIGHT} (JPEG q92, median original "
              f"{statistics.median(originals):,.0f} B), {args.runs} runs, medians:")
        print(f"  cold build, per photo        {statistics.median(cold):6.2f} s "
              f"(images stage {statistics.median(stage):.2f} s per photo)")
        print(f"  rebuild after one edit       {statistics.median(rebuild):6.2f} s (0 images encoded)")
        for ratio, (name, size) in picked.items():
            print(f"  390 px phone, DPR {ratio:g}: hero  {originals[0]:>9,} B before → {size:>7,} B after ({name}, "
                  f"{originals[0] / size:.0f}× fewer bytes)")
        print(f"  whole built site: {site_bytes:,} B")
        if args.keep:
            shutil.rmtree(args.keep, ignore_errors=True)
            shutil.copytree(root / "site", args.keep)
            print(f"  site kept in {args.keep}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
