#!/usr/bin/env python3
"""The floor: what no build made of this stack (CPython, PyYAML, Python-Markdown, Jinja2) can go below on
this machine, measured in one run beside Hugo, and the speed targets it rules out.

    python3 benchmarks/floor.py --n 1000 --runs 5 --shared ../shared --work /tmp/floor

Every figure is a median of --runs (after one untimed warm-up), measured in one sitting:
  start        `python -c pass`, a whole process: the interpreter alone
  stack        a process importing markdown, jinja2, yaml and babel.dates: what any build that renders a page
               loads before it does anything
  one page     a text edit, then `explainer build`, of a site of one explainer: every fixed cost of a build
               that renders one page (checks, state, imports, templates, one conversion, one write)
  per page     CPU ms per explainer in one process, over the whole corpus, the libraries alone with nothing of
               explainer's: YAML of the front matter and facts.yml (the C loader when PyYAML has it),
               Python-Markdown with no extension (what explainer's pruned converter costs: benchmarks/README.md),
               Jinja2 rendering a page-sized template (compiled once), writing the page to its folder
  hugo         Hugo's cold build of the same corpus (skipped when Hugo is not installed)

Then the arithmetic: a cold build cannot take less than `stack + N × per page ÷ CPUs` (every page read,
converted, rendered and written, on every CPU at once with nothing else), and a one-edit build less than `one
page` — against issue 19's ≤ 2× and ≤ 0.25× Hugo's cold build and issue 17's ≤ 0.5 s.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import installed
import run

PAGE = """<!doctype html>
<html lang="{{ page.lang }}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ page.title }} · {{ site.title }}</title><meta name="description" content="{{ page.summary }}">
<link rel="stylesheet" href="{{ site.base }}style.css"></head>
<body><header><a href="{{ site.base }}">{{ site.title }}</a><nav><ul>
{% for category in site.categories %}
<li><a href="{{ site.base }}category/{{ category | lower }}/">{{ category }}</a></li>
{% endfor %}</ul></nav></header>
<main><article><h1>{{ page.title }}</h1><p>{{ page.summary }}</p><time>{{ page.date }}</time>
{% for tag in page.tags %}<a href="{{ site.base }}tag/{{ tag }}/">{{ tag }}</a> {% endfor %}
{{ body }}</article>
<aside><h2>Key facts</h2><dl>{% for fact in facts %}<dt>{{ fact.label }}</dt><dd>{{ fact.value }}</dd>
{% endfor %}</dl></aside></main><footer>{{ site.title }}</footer></body></html>
"""


def whole_process(bench, argv: list[str], cwd: Path, runs: int, before=None) -> tuple[float, float]:
    """Median wall and CPU seconds of a process (run.timed: one untimed warm-up first)."""
    samples = run.timed(bench, argv, cwd, runs, before)
    return run.median(samples, 0), run.median(samples, 1)


def one_page_build(bench, work: Path, runs: int, shared: Path) -> tuple[float, float]:
    """Median wall and CPU seconds of a text edit then `explainer build`, on a site of one explainer."""
    site = run.make_corpus(work, 1, shared)
    content = site / "content"
    argv = run.explainer_cmd(content, site / "out")
    subprocess.check_call(argv, cwd=run.REPO, stdout=subprocess.DEVNULL)
    story = next(content.glob("*/index.md"))
    original = story.read_text(encoding="utf-8")

    def edit(k: int) -> None:
        story.write_text(original + f"\nEdited paragraph number {k}.\n", encoding="utf-8")
    try:
        return whole_process(bench, argv, run.REPO, runs, edit)
    finally:
        story.write_text(original, encoding="utf-8")


def per_page_ms(content: Path, runs: int) -> dict[str, float]:
    """CPU ms per explainer of each library's part of a page, the median of `runs` passes over the corpus."""
    import jinja2
    import markdown
    import yaml
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    stories = [(folder.name, (folder / "index.md").read_text(encoding="utf-8"),
                (folder / "facts.yml").read_text(encoding="utf-8"))
               for folder in sorted(content.iterdir()) if (folder / "index.md").is_file()]
    page = jinja2.Environment(autoescape=True).from_string(PAGE)
    site = {"title": "Explainers", "base": "/", "categories": ["Economy", "Health", "Politics", "Science"]}
    converter = markdown.Markdown()
    parsed: list = []
    html: list = []
    pages: list = []

    def read_yaml() -> None:
        parsed.clear()
        for _, text, facts in stories:
            _, front, body = text.split("---\n", 2)
            parsed.append((yaml.load(front, Loader=loader), body, yaml.load(facts, Loader=loader)))

    def convert() -> None:
        html.clear()
        for _, body, _ in parsed:
            html.append(converter.reset().convert(body))

    def render() -> None:
        pages.clear()
        for (fields, _, facts), body in zip(parsed, html):
            items = facts.get("facts", facts) if isinstance(facts, dict) else facts
            pages.append(page.render(site=site, page=fields, body=jinja2.utils.markupsafe.Markup(body),
                                     facts=[fact for fact in items if isinstance(fact, dict)]))

    def write() -> None:
        with tempfile.TemporaryDirectory() as out:
            for (slug, _, _), text in zip(stories, pages):
                os.mkdir(f"{out}/{slug}")
                with open(f"{out}/{slug}/index.html", "w", encoding="utf-8") as file:
                    file.write(text)

    samples: dict[str, list[float]] = {"yaml": [], "markdown": [], "jinja2": [], "write": []}
    for k in range(runs + 1):
        for name, step in zip(samples, (read_yaml, convert, render, write)):
            started = time.process_time()
            step()
            if k:                                  # the first pass is the untimed warm-up
                samples[name].append((time.process_time() - started) * 1000 / len(stories))
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="explainers in the generated corpus (default 1000)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--shared", type=Path, default=run.REPO.parent / "shared", help="the shared folder")
    parser.add_argument("--work", type=Path, default=Path("/tmp/explainer-floor"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    bench = run.shared_bench(args.shared)
    installed.compile_package(run.REPO)
    python = sys.executable
    cpus = len(os.sched_getaffinity(0))

    load_before = os.getloadavg()[0]
    start = whole_process(bench, [python, "-c", "pass"], args.work, args.runs)
    stack = whole_process(bench, [python, "-c", "import markdown, jinja2, yaml, babel.dates"], args.work, args.runs)
    one_page = one_page_build(bench, args.work, args.runs, args.shared)
    corpus = run.make_corpus(args.work, args.n, args.shared)
    per_page = per_page_ms(corpus / "content", args.runs)
    hugo_samples = (run.measure_peer(bench, "hugo", args.work, args.n, args.runs, args.shared)
                    if bench.available("hugo") else None)

    page_ms = sum(per_page.values())
    pages_s = args.n * page_ms / 1000
    cold_floor = (stack[0] + pages_s / cpus, stack[1] + pages_s)
    print(f"\nThe floor on this machine ({cpus} CPUs, load {load_before:.1f} → {os.getloadavg()[0]:.1f}), "
          f"medians of {args.runs}, {args.n} explainers\n")
    print("| what | wall | CPU |\n|---|---|---|")
    print(f"| start: `python -c pass` | {start[0]:.3f} s | {start[1]:.3f} s |")
    print(f"| stack: importing markdown, jinja2, yaml, babel.dates | {stack[0]:.3f} s | {stack[1]:.3f} s |")
    print(f"| one page: a text edit then `explainer build`, a site of one explainer | {one_page[0]:.3f} s | "
          f"{one_page[1]:.3f} s |")
    print("| per page (" + ", ".join(f"{name} {ms:.2f}" for name, ms in per_page.items()) + " ms) | | "
          f"{page_ms:.2f} ms |")
    print(f"| cold floor: stack + {args.n} pages (wall: on {cpus} CPUs at once) | {cold_floor[0]:.2f} s | "
          f"{cold_floor[1]:.2f} s |")
    if hugo_samples is None:
        print("\nHugo is not installed here (bash ../shared/bench/peers/setup.sh): no ratios.")
        return
    hugo = (run.median(hugo_samples, 0), run.median(hugo_samples, 1))
    print(f"| Hugo, cold | {hugo[0]:.2f} s | {hugo[1]:.2f} s |\n")
    print("| target (wall) | bound | the floor | within reach? |\n|---|---|---|---|")
    for target, bound, floor in [(f"cold ≤ 2.0× Hugo ({args.n})", 2.0 * hugo[0], cold_floor[0]),
                                 ("one edit ≤ 0.25× Hugo's cold", 0.25 * hugo[0], one_page[0]),
                                 ("one edit at 3,000 ≤ 0.5 s (issue 17)", 0.5, one_page[0])]:
        print(f"| {target} | {bound:.2f} s | {floor:.2f} s | {'yes' if floor <= bound else 'no'} |")

if __name__ == "__main__":
    main()
