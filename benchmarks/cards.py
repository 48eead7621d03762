#!/usr/bin/env python3
"""Milliseconds per social card in one process (medians), with and without a logo, and what each way of
encoding a card costs in time and bytes.

    python3 benchmarks/cards.py [--n 300] [--corpus DIR] [--rounds 5] [--encodings] [--repo CHECKOUT]

The cards of the generated corpus's first N explainers (titles, categories and dates as the build makes
them), drawn one after another by `draw_card` as the build's workers do; a logo is a 400×100 wordmark.
`--repo` measures another checkout of explainer (an older commit, for a before/after in the same sitting).
`--encodings` also encodes one drawn card every way considered, as the drawing makes it (a palette image).
"""
from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import yaml
from PIL import Image, ImageDraw, ImageFont

import installed

REPO = Path(__file__).resolve().parent.parent


def corpus_texts(corpus: Path, n: int, site: str):
    from generator.images.cardimage import CardText
    from generator.render.formats import date_long
    texts = []
    for path in sorted(corpus.glob("*/index.md"))[:n]:
        front = yaml.safe_load(path.read_text(encoding="utf-8").split("---", 2)[1])
        texts.append(CardText(title=front["title"], category=front.get("category", ""), site=site,
                              date=date_long(datetime.combine(front["date"], datetime.min.time()), "en"), rtl=False))
    return texts


def logo_png() -> bytes:
    """A newsroom wordmark: white letters on a red rounded box, transparent around it."""
    image = Image.new("RGBA", (400, 100), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 399, 99), radius=24, fill=(200, 30, 30, 255))
    font = ImageFont.truetype(str(REPO / "generator/images/fonts/DejaVuSans-Bold.ttf"), 56)
    draw.text((200, 50), "THE DESK", font=font, fill="white", anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def ms_per_card(draw, texts, rounds: int) -> tuple[float, float]:
    """Median CPU and wall milliseconds per item (CPU time: what a shared, busy machine does not distort)."""
    draw(texts[0])                       # fonts and shared parts made before the clock starts
    cpu, wall = [], []
    for _ in range(rounds):
        started = time.process_time(), time.perf_counter()
        for text in texts:
            draw(text)
        cpu.append((time.process_time() - started[0]) / len(texts) * 1000)
        wall.append((time.perf_counter() - started[1]) / len(texts) * 1000)
    return statistics.median(cpu), statistics.median(wall)


def drawers(logo: bytes | None):
    """One card at a time: the painter of this checkout (fonts and shared parts prepared once), or, in an
    older one, its draw_card."""
    from generator.images import cardimage
    fonts, bidi = cardimage.find_fonts(), cardimage.has_bidi_layout()
    if hasattr(cardimage, "CardPainter"):
        return cardimage.CardPainter(fonts, bidi, logo).draw
    return lambda text: cardimage.draw_card(text, fonts, bidi, logo)


def encodings(texts, logo: bytes | None, rounds: int) -> None:
    from generator.images import cardimage
    painter = cardimage.CardPainter(cardimage.find_fonts(), cardimage.has_bidi_layout(), logo)
    card, indices = painter.image(texts[0]), painter.indices(texts[0])
    rgb = card.convert("RGB")
    encoder = painter.encoders[False]
    ways: dict = {"PNG palette, background rows spliced (cardpng: what cards use)": (indices, encoder)}
    ways.update({f"PNG palette, compress_level {level}": (card, {"format": "PNG", "compress_level": level})
                 for level in (1, 2, 3, 6, 9)})
    ways["PNG palette, compress_level 9, optimize"] = (card, {"format": "PNG", "optimize": True})
    ways["PNG palette, Z_RLE strategy"] = (card, {"format": "PNG", "compress_level": 6, "compress_type": 3})
    ways["PNG RGB, compress_level 1"] = (rgb, {"format": "PNG", "compress_level": 1})
    ways["PNG RGB, compress_level 5"] = (rgb, {"format": "PNG", "compress_level": 5})
    for quality in (85, 92):
        ways[f"JPEG quality {quality} (4:2:0)"] = (rgb, {"format": "JPEG", "quality": quality})
        ways[f"JPEG quality {quality} (4:4:4)"] = (rgb, {"format": "JPEG", "quality": quality, "subsampling": 0})
    ways["WebP lossless, method 0"] = (rgb, {"format": "WEBP", "lossless": True, "method": 0})
    print("\n| encoding (one card" + (", with logo" if logo else "") + ") | CPU ms | wall ms | bytes |")
    print("|---|---|---|---|")
    for name, (image, options) in ways.items():
        def save(_, image=image, options=options) -> int:
            if not isinstance(options, dict):
                return len(options.encode(image))
            out = io.BytesIO()
            image.save(out, **options)
            return len(out.getvalue())
        size = save(None)
        cpu, wall = ms_per_card(save, [None] * 10, rounds)
        print(f"| {name} | {cpu:.2f} | {wall:.2f} | {size:,} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--corpus", type=Path, help="a content folder (default: generate one with ../shared)")
    parser.add_argument("--repo", type=Path, default=REPO, help="the explainer checkout to measure")
    parser.add_argument("--encodings", action="store_true", help="also time and size each way of encoding")
    args = parser.parse_args()
    installed.compile_package(REPO)
    sys.path.insert(0, str(args.repo.resolve()))
    corpus = args.corpus
    if corpus is None:
        out = Path(tempfile.mkdtemp(prefix="cards-micro-"))
        subprocess.check_call([sys.executable, str(REPO.parent / "shared/bench/corpus.py"), "--n", str(args.n),
                               "--format", "explainer", "--out", str(out)], stdout=subprocess.DEVNULL)
        corpus = out / "content"
    texts = corpus_texts(corpus, args.n, "Explainers")
    print(f"{args.repo.resolve()}: {len(texts)} cards, median of {args.rounds} rounds")
    print("| card | CPU ms per card | wall ms per card |\n|---|---|---|")
    for name, logo in (("no logo", None), ("with a logo", logo_png())):
        cpu, wall = ms_per_card(drawers(logo), texts, args.rounds)
        print(f"| {name} | {cpu:.2f} | {wall:.2f} |", flush=True)
    if args.encodings:
        for logo in (None, logo_png()):
            encodings(texts, logo, args.rounds)


if __name__ == "__main__":
    main()
