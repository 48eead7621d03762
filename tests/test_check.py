"""`explainer check`: each rule on fixture sites with known problems, at the exact source lines."""
from __future__ import annotations

import io
import json
import random
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

from conftest import article
from generator.check import copydesk
from generator.check.findings import RULES
from generator.check.site import check_site, format_json, format_text
from generator.config import load_config
from generator.errors import ConfigError
from generator.problems import Formatter


def png(width: int = 12, height: int = 8) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "navy").save(buffer, format="PNG")
    return buffer.getvalue()


def noise_png(width: int, height: int) -> bytes:
    """A real PNG that does not compress: random pixels, about 3 bytes each (a 600×610 one is 1.1 MB)."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (width, height), random.Random(7).randbytes(width * height * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def noise_gif(width: int, height: int, frames: int = 2) -> bytes:
    """An animated GIF that does not compress (published as it is, never re-encoded): 600×610×2 is 1.0 MB."""
    rng = random.Random(7)
    pictures = [Image.frombytes("P", (width, height), rng.randbytes(width * height)) for _ in range(frames)]
    buffer = io.BytesIO()
    pictures[0].save(buffer, "GIF", save_all=True, append_images=pictures[1:], duration=100)
    return buffer.getvalue()


SIXTY_ONE_WORDS = " ".join(f"word{n}" for n in range(61))

PROBLEMS = {
    "broken/index.md": f"""\
---
title: Broken things
date: 2024-03-01
updated: 2024-02-01
image:
  src: hero.png
  alt: A navy test card
updates:
  - date: 2024-01-15
    note: An update from before the story existed
---

A lede that links to [a page that is not there](../nowhere/) and to [the clean one](../clean/).

**Why it matters:** See [a missing anchor](../clean/#no-such-id), [a good one](../clean/#the-big-picture) and [the draft](../draftpage/).

**The Big Pictures:** Close to a label, but not one. ![](chart.png)

**The big picture:** Here is ![a missing chart](missing.png), [a file](report.pdf), [a same-page anchor](#nowhere) and [the page that is not there](../nowhere/) again.

**What's next:** TODO: finish this.

{SIXTY_ONE_WORDS}

- ![A big picture](big.gif)
""",
    "broken/facts.yml": """\
title: Key facts
facts:
  - label: Votes
    value: 12
  - label: votes
    value: 13
    source: The count
""",
    "clean/index.md": """\
---
title: A clean one
date: 2024-02-01
summary: Nothing wrong here.
---

A short lede.

**Why it matters:** It is short.

**The big picture:** It is clean.
""",
    "future/index.md": """\
---
title: From the future
date: 2999-01-01
summary: Not yet.
---

A lede.

**Why it matters:** Later.
""",
    "draftpage/index.md": "---\ntitle: A draft\ndate: 2024-01-01\ndraft: true\n---\n\nNot ready.\n",
}

EXPECTED = [
    "content/broken/facts.yml:3: warning: facts/source",
    "content/broken/facts.yml:5: warning: facts/duplicate",
    "content/broken/index.md:2: warning: metadata/summary",
    "content/broken/index.md:4: error: metadata/updated-before-date",
    "content/broken/index.md:5: warning: images/credit",
    "content/broken/index.md:6: warning: images/hero-width",
    "content/broken/index.md:9: error: metadata/updated-before-date",
    "content/broken/index.md:13: error: links/internal",
    "content/broken/index.md:15: error: links/anchor",
    "content/broken/index.md:15: error: links/internal",
    "content/broken/index.md:17: warning: brevity/unknown-axiom",
    "content/broken/index.md:17: error: images/alt",
    "content/broken/index.md:19: error: images/missing",
    "content/broken/index.md:19: error: links/anchor",
    "content/broken/index.md:19: error: links/internal",
    "content/broken/index.md:19: error: links/internal",
    "content/broken/index.md:21: error: content/placeholder",
    "content/broken/index.md:23: warning: brevity/paragraph-length",
    "content/broken/index.md:25: warning: images/size",
    "content/future/index.md:3: warning: metadata/future-date",
    "content/future/index.md:9: warning: brevity/missing-big-picture",
]


@pytest.fixture
def problems(make_site, monkeypatch):
    site = make_site({**PROBLEMS, "broken/hero.png": png(40, 20), "broken/chart.png": png(),
                      "broken/big.gif": noise_gif(600, 610)})
    monkeypatch.chdir(site.root)
    return site


def check(site, **options):
    return check_site(load_config(site.content, **options))


def shown() -> Formatter:
    return Formatter(Path.cwd())   # these tests run from the site's folder, as the CLI would


def summary(report) -> list[str]:
    fmt = shown()
    return [f"{fmt.place(f.place) if f.place else '.'}: {f.level}: {f.rule}" for f in fmt.in_order(report.findings)]


def messages(report, rule: str) -> list[str]:
    fmt = shown()
    return [fmt.finding_message(f) for f in fmt.in_order(report.findings) if f.rule == rule]


def test_problem_site_reports_each_finding_at_its_markdown_or_yaml_line(problems):
    report = check(problems)
    assert summary(report) == EXPECTED
    assert (report.count("error"), report.count("warning")) == (11, 10)
    assert report.drafts_skipped == 1
    assert not (problems.root / "site").exists()      # check renders in memory only


def test_messages_say_how_to_fix(problems):
    report = check(problems)
    assert messages(report, "brevity/unknown-axiom") == [
        "'The Big Pictures' is not a Smart Brevity label, so it starts no section: "
        "did you mean 'The big picture'?"]
    assert "../draftpage/ points at 'draftpage', a draft" in " ".join(messages(report, "links/internal"))
    assert messages(report, "links/anchor")[0].startswith("#no-such-id is not an id on clean/")
    assert messages(report, "links/anchor")[1].startswith("#nowhere is not an id on this page")
    assert messages(report, "facts/duplicate") == [
        "the label 'votes' is used twice (also on line 3); merge the facts or tell them apart"]
    assert messages(report, "images/size")[0].startswith("big.gif is 1.0 MB, over 1 MB")


def test_near_misses_are_suggested(make_site, monkeypatch):
    site = make_site({
        "a/index.md": article(summary="S", body="Lede [typo](../bee/) and [anchor](../bee/#the-big-pictur).\n\n"
                              "**Why it matters:** x\n\n**The big picture:** y\n"),
        "bee/index.md": article(summary="S", body="Lede.\n\n**Why it matters:** x\n\n**The big picture:** y\n"),
        "bee2.md": article(summary="S", body="Lede [missing](zzz-nothing-like-it.html).\n\n"
                           "**Why it matters:** x\n\n**The big picture:** y\n"),
    })
    monkeypatch.chdir(site.root)
    report = check(site)
    assert summary(report) == ["content/a/index.md:6: error: links/anchor",
                               "content/bee2.md:6: error: links/internal"]
    assert "did you mean '#the-big-picture'?" in messages(report, "links/anchor")[0]
    assert "(check the spelling and the folder)" in messages(report, "links/internal")[0]
    site.write("a/index.md", article(summary="S", body="Lede [typo](../bea/).\n\n**Why it matters:** x\n\n"
                                     "**The big picture:** y\n"))
    assert "did you mean '../bee/'?" in messages(check(site), "links/internal")[0]
    site.write("bee2.md", article(summary="S", body="Lede [typo](bea/).\n\n**Why it matters:** x\n\n"
                                  "**The big picture:** y\n"))
    assert "bea/ points at no page or file in the site (did you mean 'bee/'?)" in messages(
        check(site), "links/internal")[1]


CLEAN = {
    "site.yml": "title: Clean desk\nbase_url: https://example.com/explainers/\n",
    "files/report.pdf": b"%PDF-1.4\n",
    "water/hero.png": png(1200, 600),
    "water/chart.png": png(),
    "water/index.md": """\
---
title: Why the river is low
date: 2024-05-01
updated: 2024-05-03
category: Climate
tags: [rivers, drought]
summary: A dry spring left the river at a record low; here is why and what comes next.
image:
  src: hero.png
  alt: A river bed with cracked mud
  caption: The river in May.
  credit: "Photo: the desk"
updates:
  - date: 2024-05-03
    note: Added the chart.
---

The river hit a record low this week after the driest spring on record.

**Why it matters:** Barges [carry grain](#by-the-numbers) on the river, and [the wheat price](../wheat.md) follows it.

**The big picture:** Rain fell at half the usual rate. ![Water level by month](chart.png)

**By the numbers:** See [the report](/explainers/files/report.pdf) and
[the full page](https://example.com/explainers/wheat/#why-it-matters).

**What's next:** Forecasters expect rain in June.
""",
    "water/facts.yml": """\
title: Key facts
facts:
  - label: Level
    value: 1.2 m
    source: {name: River authority, url: "https://example.org/levels"}
  - label: Rain
    value: 50%
    source: Weather service
""",
    "wheat.md": """\
---
title: Wheat prices
date: 2024-04-01
summary: Prices rose.
facts:
  - label: Price
    value: 300
    source: Exchange
---

Prices rose.

## Why it matters

Bread costs more. [Back to the river](water/index.md#the-big-picture).

## The big picture

[All climate explainers](category/climate/).
""",
}


def test_clean_site_has_no_findings_at_all(make_site, cli):
    site = make_site(CLEAN)
    report = check_site(load_config(site.content))
    assert report.findings == ()
    assert (report.explainers, report.external_links) == (2, 1)
    result = cli("check")
    assert result.code == 0, result.out + result.err
    assert result.out.splitlines() == ["1 outside link not checked (--external to check)",
                                       "Checked 2 explainers and 13 pages: no problems found."]


def test_placeholders_are_found_in_any_case_and_in_letters_the_rule_takes_for_theirs(make_site, monkeypatch):
    site = make_site({
        "a/index.md": article(title="A", summary="S.", body="Lede.\n\n**Why it matters:** FİXME later.\n\n"
                              "**The big picture:** Lorem ipſum dolor.\n\ntodo: one more.\n"),
        "a/facts.yml": "facts:\n  - label: Fıxme\n    value: 1\n    source: Us\n",
        "b/index.md": article(title="B", summary="S.", body="Lede, a todolist.\n\n**Why it matters:** x\n\n"
                              "**The big picture:** Lorem, ipsum.\n")})
    monkeypatch.chdir(site.root)
    fmt = shown()
    assert [fmt.finding(f) for f in fmt.in_order(check(site).findings) if f.rule == "content/placeholder"] == [
        "content/a/facts.yml:2: error: content/placeholder: placeholder left in: '- label: Fıxme' (write the real text)",
        "content/a/index.md:8: error: content/placeholder: placeholder left in: '**Why it matters:** FİXME later.' "
        "(write the real text)",
        "content/a/index.md:10: error: content/placeholder: placeholder left in: '**The big picture:** Lorem ipſum "
        "dolor.' (write the real text)",
        "content/a/index.md:12: error: content/placeholder: placeholder left in: 'todo: one more.' (write the real "
        "text)"]


def test_every_letter_beyond_ascii_that_the_placeholder_rule_takes_for_one_of_its_words_is_known():
    """The rule looks for its words in the lower-cased text first: a letter it takes for one of theirs but that
    lower-cases to another must send the text to the slow search."""
    letters = sorted(set("".join(copydesk.PLACEHOLDER_WORDS)) - {" "})
    beyond_ascii = "".join(map(chr, range(0x80, 0x110000)))
    taken = set(re.findall(f"[{''.join(letters)}]", beyond_ascii, re.IGNORECASE))
    assert {letter for letter in taken if letter.lower() not in letters} == set(copydesk.FOLDED_AS_ASCII)
    assert all(copydesk.PLACEHOLDER.search(word) for word in copydesk.PLACEHOLDER_WORDS)


def test_links_outside_the_base_path_are_reported(make_site, monkeypatch):
    site = make_site({**CLEAN, "wheat.md": CLEAN["wheat.md"].replace("(category/climate/)", "(/climate/)")})
    monkeypatch.chdir(site.root)
    report = check(site)
    assert summary(report) == ["content/wheat.md:19: error: links/internal"]
    assert messages(report, "links/internal") == [
        "/climate/ points outside the site (served at /explainers/): link with a relative path or a full "
        "https:// address"]


def test_thresholds_come_from_site_yml(make_site, monkeypatch):
    body = "One two three four five six.\n\n**Why it matters:** a b c d e f g\n\n**The big picture:** z\n"
    site = make_site({"site.yml": "check:\n  lede_words: 5\n  paragraph_words: 6\n  explainer_words: 10\n",
                      "a.md": article(summary="S", body=body)})
    monkeypatch.chdir(site.root)
    assert summary(check(site)) == ["content/a.md:2: warning: brevity/explainer-length",
                                    "content/a.md:6: warning: brevity/lede-length",
                                    "content/a.md:8: warning: brevity/paragraph-length"]
    site.write("site.yml", "check:\n  lede_words: 6\n  paragraph_words: 7\n  explainer_words: 20\n")
    assert check(site).findings == ()


def test_missing_sections_and_summary_are_warned(make_site, monkeypatch):
    site = make_site({"a.md": article(body="Just a lede.\n\n**What's next:** More.\n")})
    monkeypatch.chdir(site.root)
    assert summary(check(site)) == ["content/a.md:2: warning: metadata/summary",
                                    "content/a.md:7: warning: brevity/missing-big-picture",
                                    "content/a.md:7: warning: brevity/missing-why-it-matters"]


def test_rules_and_whole_groups_can_be_turned_off(problems):
    problems.write("site.yml", "check:\n  disable:\n    - brevity\n    - links/anchor\n    - metadata\n")
    rules = {f.rule for f in check(problems).findings}
    assert rules == {"facts/source", "facts/duplicate", "images/credit", "links/internal", "images/alt",
                     "images/missing", "content/placeholder", "images/size", "images/hero-width"}


@pytest.mark.parametrize("check_yml, expected", [
    ("check:\n  disable:\n    - brevity\n    - links/anchors\n",
     "content/site.yml:5: check: unknown rule 'links/anchors' (did you mean 'links/anchor'?)"),
    ("check:\n  disable: [build/error]\n",
     "content/site.yml:3: check: 'build/error' cannot be turned off"),
    ("check:\n  lede_word: 40\n", "content/site.yml:3: unknown key 'lede_word' under check (did you mean "
     "'lede_words'?)"),
    ("check:\n  paragraph_words: many\n", "content/site.yml:3: check: 'paragraph_words' must be a whole "
     "number above 0"),
    ("check: [lede_words]\n", "content/site.yml:2: 'check' must be a mapping"),
])
def test_check_settings_are_validated_with_site_yml_lines(make_site, cli, check_yml, expected):
    site = make_site({"site.yml": "title: T\n" + check_yml, "a.md": article()})
    with pytest.raises(ConfigError):
        check(site)
    result = cli("check")
    assert result.code == 1
    assert result.err.startswith(f"error: {expected}"), result.err
    assert "Traceback" not in result.err


def test_each_disabled_rule_is_reported_at_its_own_line(make_site, cli):
    # The same mistake twice, and a rule id that is part of the one above it: each at the line it is on.
    make_site({"site.yml": "title: T\ncheck:\n  disable:\n    - brevity/lede-length\n    - brevity/lede\n"
                                  "    - metadata\n    - brevity/lede\n", "a.md": article()})
    result = cli("check")
    assert result.code == 1
    assert result.err.splitlines()[:2] == [
        "error: content/site.yml:5: check: unknown rule 'brevity/lede' (did you mean 'brevity/lede-length'?)",
        "error: content/site.yml:7: check: unknown rule 'brevity/lede' (did you mean 'brevity/lede-length'?)"]



def test_exit_status_fails_on_errors_and_on_warnings_with_strict(make_site, cli):
    sections = "\n\n**Why it matters:** x\n\n**The big picture:** y\n"
    site = make_site({"a.md": article(summary="S", body="Lede." + sections)})
    assert cli("check").code == 0
    assert cli("check", "--strict").code == 0
    site.write("a.md", article(body="Lede." + sections))          # no summary: a warning
    assert cli("check").code == 0
    strict = cli("check", "--strict")
    assert strict.code == 1
    assert strict.out.splitlines()[-1] == "Checked 1 explainer and 3 pages: 0 errors, 1 warning."
    site.write("a.md", article(summary="S", body="Lede [x](nowhere/)." + sections))
    result = cli("check")
    assert result.code == 1
    assert result.out.splitlines() == [
        "content/a.md:6: error: links/internal: nowhere/ points at no page or file in the site "
        "(check the spelling and the folder)",
        "Checked 1 explainer and 3 pages: 1 error, 0 warnings."]


def test_json_format_is_one_parseable_document(problems, cli):
    result = cli("check", "--format", "json", cwd=problems.root)
    assert result.code == 1
    document = json.loads(result.out)
    assert set(document) == {"findings", "errors", "warnings"}
    assert (document["errors"], document["warnings"]) == (11, 10)
    assert [f"{f['path']}:{f['line']}: {f['level']}: {f['rule']}" for f in document["findings"]] == EXPECTED
    first = document["findings"][0]
    assert first == {"path": "content/broken/facts.yml", "line": 3, "level": "warning", "rule": "facts/source",
                     "message": "the fact 'Votes' has no source (add `source:` with a name, or {name, url})"}
    assert format_json(check(problems), shown()) == result.out.rstrip("\n")


def test_drafts_are_checked_only_with_drafts(problems):
    assert not any("draftpage" in str(f.place.path) for f in check(problems).findings)
    with_drafts = check(problems, drafts=True)
    assert "content/draftpage/index.md:2: warning: metadata/summary" in summary(with_drafts)
    assert not any("points at 'draftpage'" in f.message for f in with_drafts.findings)
    assert "1 draft not checked (--drafts to check drafts)" in format_text(check(problems), shown())


def test_facts_in_front_matter_are_reported_in_the_markdown_file(make_site, monkeypatch):
    text = ("---\ntitle: T\ndate: 2024-01-01\nsummary: S\nfacts:\n  - label: Votes\n    value: 3\n"
            "  - label: Votes\n    value: 4\n    source: Count\n---\nLede.\n\n**Why it matters:** x\n\n"
            "**The big picture:** y\n")
    site = make_site({"a.md": text})
    monkeypatch.chdir(site.root)
    assert summary(check(site)) == ["content/a.md:6: warning: facts/source",
                                    "content/a.md:8: warning: facts/duplicate"]


def test_a_site_that_does_not_build_is_reported_as_findings(make_site, cli):
    make_site({"a.md": "---\ntitle: 'open\ndate: 2020-01-01\n---\nBody\n"})
    result = cli("check", "--format", "json")
    assert result.code == 1
    document = json.loads(result.out)
    assert document["errors"] == 1
    assert document["findings"][0]["path"] == "content/a.md"
    assert document["findings"][0]["line"] == 2
    assert document["findings"][0]["rule"] == "build/error"
    assert cli("check").out.startswith("content/a.md:2: error: build/error: invalid YAML")


def test_empty_content_folder_is_a_finding_not_a_crash(make_site, cli):
    make_site({})
    result = cli("check")
    assert result.code == 1
    assert result.out.startswith("content: error: build/error: no explainers found")


def test_broken_theme_link_is_reported_once_for_all_pages(make_site, monkeypatch):
    sections = "\n\n**Why it matters:** x\n\n**The big picture:** y\n"
    site = make_site({"a.md": article(summary="S", body="Lede." + sections),
                      "b.md": article(summary="S", body="Lede." + sections)})
    site.write("/themes/default/templates/base.html",
               '{% extends "default/base.html" %}\n'
               '{% block head %}<link rel="icon" href="{{ root }}favicon.png">{% endblock %}\n')
    monkeypatch.chdir(site.root)
    report = check(site)
    assert summary(report) == ["404.html: error: links/internal"]
    assert report.findings[0].message.endswith("from the theme's templates (and 3 more pages)")
    site.write("favicon.png", png())
    assert check(site).findings == ()


def test_every_rule_is_listed(cli):
    result = cli("check", "--rules")
    assert result.code == 0
    assert [line.split()[0] for line in result.out.splitlines()] == list(RULES)


class _Handler(BaseHTTPRequestHandler):
    """/ok → 200, /gone → 404, /no-head → 405 on HEAD and 200 on GET, /slow/… → waits, then 200."""
    log: list[tuple[str, str]]
    in_flight: dict

    def do_HEAD(self):
        self.answer("HEAD")

    def do_GET(self):
        self.answer("GET")

    def answer(self, method: str) -> None:
        with self.in_flight["lock"]:
            self.log.append((method, self.path))
            self.in_flight["now"] += 1
            self.in_flight["most"] = max(self.in_flight["most"], self.in_flight["now"])
        try:
            if self.path.startswith("/slow/"):
                time.sleep(float(self.path.split("?")[0].rsplit("/", 1)[1]))
            status = {"/gone": 404, "/no-head": 405 if method == "HEAD" else 200}.get(self.path, 200)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
        finally:
            with self.in_flight["lock"]:
                self.in_flight["now"] -= 1

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def servers():
    """Local HTTP servers on 127.0.0.1 sharing one request log; nothing leaves the machine."""
    started = []
    log: list[tuple[str, str]] = []
    in_flight = {"lock": threading.Lock(), "now": 0, "most": 0}
    handler = type("Handler", (_Handler,), {"log": log, "in_flight": in_flight})

    def start() -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    start.log, start.in_flight = log, in_flight
    yield start
    for server in started:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
def test_outside_links_are_listed_and_checked_only_with_external(make_site, explainer, servers):
    base = servers()
    body = (f"Lede with [a good link]({base}/ok).\n\n**Why it matters:** [gone]({base}/gone).\n\n"
            f"**The big picture:** [refuses HEAD]({base}/no-head) and [good again]({base}/ok#part).\n")
    make_site({"a.md": article(summary="S", body=body)})
    plain = explainer("check")
    assert plain.code == 0
    assert servers.log == []                       # no request without --external
    assert plain.out.splitlines()[0] == "3 outside links not checked (--external to check)"

    result = explainer("check", "--external")
    assert result.code == 1
    assert result.out.splitlines() == [
        f"content/a.md:6: info: links/external: {base}/ok (200 OK)",
        f"content/a.md:8: error: links/external: {base}/gone answers 404 Not Found (the page is gone: find "
        "its new address, or link an archived copy)",
        f"content/a.md:10: info: links/external: {base}/no-head (200 OK)",
        f"content/a.md:10: info: links/external: {base}/ok#part (200 OK)",
        "Checked 1 explainer and 3 pages and 3 outside links: 1 error, 0 warnings.",
    ]
    assert sorted(servers.log) == sorted([("HEAD", "/ok"), ("HEAD", "/gone"), ("GET", "/gone"),
                                          ("HEAD", "/no-head"), ("GET", "/no-head")])
    document = json.loads(explainer("check", "--external", "--format", "json").out)
    assert (document["errors"], document["warnings"]) == (1, 0)
    assert [f["level"] for f in document["findings"]] == ["info", "error", "info", "info"]


@pytest.mark.slow
def test_outside_links_are_fetched_four_at_a_time_at_most_and_time_out(make_site, explainer, servers):
    bases = [servers() for _ in range(3)]
    links = [f"[{n}]({base}/slow/0.3?n={n})" for n, base in enumerate(bases * 4)]
    slow = bases[0] + "/slow/3"
    body = f"Lede {' '.join(links)} [late]({slow}).\n\n**Why it matters:** x\n\n**The big picture:** y\n"
    make_site({"site.yml": "check:\n  external_timeout: 1\n", "a.md": article(summary="S", body=body)})
    started = time.perf_counter()
    result = explainer("check", "--external")
    assert time.perf_counter() - started < 20
    assert result.code == 0                          # an unanswered link warns, it does not fail
    warnings = [line for line in result.out.splitlines() if ": warning: " in line]
    assert warnings == [f"content/a.md:6: warning: links/external: could not confirm {slow}: no answer within 1 s "
                        "(try it in a browser)"]
    assert len([line for line in result.out.splitlines() if ": info: " in line]) == 12
    assert 2 <= servers.in_flight["most"] <= 4       # 3 servers × 2 per host could be 6: the pool caps it
    assert explainer("check", "--external", "--strict").code == 1


def test_links_external_can_be_turned_off(make_site, cli, servers):
    base = servers()
    make_site({"site.yml": "check:\n  disable: [links/external]\n",
               "a.md": article(summary="S", body=f"Lede [x]({base}/gone).\n\n**Why it matters:** x\n\n"
                               "**The big picture:** y\n")})
    assert cli("check", "--external").code == 0
    assert servers.log == []


def test_a_broken_link_in_facts_points_at_its_url_line(make_site, monkeypatch):
    sections = "\n\n**Why it matters:** x\n\n**The big picture:** y\n"
    site = make_site({"a/index.md": article(summary="S", body="Lede." + sections),
                      "a/facts.yml": "facts:\n  - label: One\n    value: 1\n    source:\n      name: Us\n"
                                     "      url: ../nowhere/\n"})
    monkeypatch.chdir(site.root)
    report = check(site)
    assert summary(report) == ["content/a/facts.yml:6: error: links/internal"]


@pytest.mark.parametrize("line, expected", [
    ("**The Big Pictures:** text", "did you mean 'The big picture'?"),
    ("**Why it maters**: text", "did you mean 'Why it matters'?"),
    ("## Whats nxt", "did you mean 'What's next'?"),
    ("**Our view:** text", None),                 # a site axiom, from site.yml
    ("**Note:** text", None),                     # a plain lead-in, nowhere near a label
    ("## Details of the deal", None),
    ("**The big picture** without a colon", None),
])
def test_unknown_axioms_close_to_a_label_are_flagged(make_site, monkeypatch, line, expected):
    body = f"Lede.\n\n**Why it matters:** x\n\n**The big picture:** y\n\n{line}\n"
    site = make_site({"site.yml": "axioms: [Our view]\n", "a.md": article(summary="S", body=body)})
    monkeypatch.chdir(site.root)
    found = messages(check(site), "brevity/unknown-axiom")
    assert found == ([] if expected is None else [found[0]])
    if expected:
        assert found[0].endswith(expected)
        assert summary(check(site)) == ["content/a.md:12: warning: brevity/unknown-axiom"]


def test_the_sample_content_checks_clean(cli, tmp_path):
    from conftest import SAMPLE_CONTENT, sample_copy
    if not SAMPLE_CONTENT.is_dir():
        pytest.skip("no sample content in this checkout")
    sample_copy(tmp_path)
    result = cli("check", "--strict", "--drafts", cwd=tmp_path)
    assert result.code == 0, result.out
    assert result.out.splitlines()[-1].endswith(": no problems found.")


def test_an_oversized_hero_is_warned_at_its_src_line_when_readers_download_it(make_site, monkeypatch):
    text = ("---\ntitle: T\ndate: 2024-01-01\nsummary: S\nimage:\n  alt: Noise\n  credit: Us\n  src: big.{}\n"
            "---\nLede.\n\n**Why it matters:** x\n\n**The big picture:** y\n")
    site = make_site({"a/index.md": text.format("gif"), "a/big.gif": noise_gif(1300, 610)})
    monkeypatch.chdir(site.root)
    report = check(site)            # an animated GIF is published as it is: readers download every byte
    assert summary(report) == ["content/a/index.md:8: warning: images/size"]
    site.write("site.yml", "check:\n  image_kb: 5000\n")
    assert check(site).findings == ()
    site.write("a/index.md", text.format("png"))
    site.write("a/big.png", noise_png(1300, 610))     # 2.4 MB, but readers get small derivatives of it
    assert (site.content / "a/big.png").stat().st_size > 2_000_000
    site.write("site.yml", "")
    assert check(site).findings == ()


@pytest.fixture
def conversions(monkeypatch):
    """The explainer bodies converted from Markdown in this process, by title line (a spy: each call still
    converts)."""
    from generator.markdown.sections import Converter
    converted: list[str] = []
    convert = Converter.convert

    def counted(self, text, *args, **kwargs):
        converted.append(text.strip().splitlines()[0] if text.strip() else "")
        return convert(self, text, *args, **kwargs)
    monkeypatch.setattr(Converter, "convert", counted)
    return converted


def test_check_after_a_build_reads_the_bodies_the_build_converted(problems, cli, conversions):
    built = cli("build", "--content", "content", "--out", "site", check=True)
    assert "Built" in built.out
    before = len(conversions)
    assert before > 0
    report = check(problems)
    assert conversions[before:] == []          # nothing converted again: every body came from the cache
    assert summary(report) == EXPECTED         # and the findings are those of a check that converts them all
    assert summary(check(problems, use_cache=False)) == EXPECTED
    assert len(conversions) > before


def test_check_converts_what_changed_since_the_build_and_reports_it(problems, cli, conversions):
    cli("build", "--content", "content", "--out", "site", check=True)
    page = problems.content / "broken" / "index.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nA new line with [a new broken link](/nowhere-at-all/).\n",
                    encoding="utf-8")
    before = len(conversions)
    report = check(problems)
    assert len(conversions) - before == 1      # the one explainer whose Markdown changed
    fmt = shown()
    broken = [fmt.finding_message(f) for f in report.findings if "/nowhere-at-all/" in fmt.finding_message(f)]
    assert broken, summary(report)
    assert summary(report) == summary(check(problems, use_cache=False))


@pytest.mark.parametrize("damage", ["removed", "changed"])
def test_check_converts_again_a_body_whose_cached_file_is_gone_or_damaged(problems, cli, conversions, damage):
    cli("build", "--content", "content", "--out", "site", check=True)
    bodies = sorted((problems.root / ".explainer-cache" / "bodies").iterdir())
    assert bodies
    for body in bodies:
        if damage == "removed":
            body.unlink()
        else:
            body.write_bytes(body.read_bytes().replace(b"a", b"b"))
    before = len(conversions)
    assert summary(check(problems)) == EXPECTED
    assert len(conversions) > before


def test_check_no_cache_reads_nothing_a_build_kept(problems, cli, conversions):
    cli("build", "--content", "content", "--out", "site", check=True)
    before = len(conversions)
    result = cli("check", "--no-cache", "--content", "content", cwd=problems.root)
    assert result.code == 1 and "Checked" in result.out
    assert len(conversions) > before
