"""Small promises at the edges of the contracts, each one pinned by a test that fails when the promise breaks.

Each test here was written against a deliberate one-line change to the code (a mutation) that the rest of
the suite let through: reserved slugs, `#top` anchors, upload order, control characters in feeds, the
staging folder's permissions, the base_url scheme check, pruning of cached bodies, the `**Label**:` form,
and the outside-link checker's limit per host.
"""
from __future__ import annotations

import json
import os
import stat
import threading
import time
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from conftest import article, photo

SECTIONS = "\n\n**Why it matters:** It does.\n\n**The big picture:** Wide.\n"


# ---------------------------------------------------------------- reserved slugs

@pytest.mark.parametrize("name", ["feeds.md", "static/index.md", "index.md", "index.html.md", "404.html.md",
                                  "feed.xml.md", "sitemap.xml.md", "robots.txt.md", "Category.md", "TAG.md"])
def test_a_slug_the_site_itself_uses_is_refused_and_nothing_is_written(make_site, cli, name):
    site = make_site({"ok.md": article(), name: article()})
    result = cli("build", cwd=site.root)
    assert result.code == 1, result.out
    slug = name.removesuffix(".md").removesuffix("/index")
    assert f"'{slug}' cannot be an explainer's URL" in result.err
    assert "Traceback" not in result.err
    assert not site.out.exists()


# ---------------------------------------------------------------- `#top`

def test_a_link_to_top_is_not_a_broken_anchor(make_site, cli):
    make_site({"a.md": article(summary="S", body="Lede.\n\n**Why it matters:** It does.\n\n"
                                                 "**The big picture:** Wide. [Back to top](#top), "
                                                 "[the other one](/b/#top), [nowhere](#nowhere)\n"),
               "b.md": article(title="B", summary="S", body="Lede." + SECTIONS)})
    result = cli("check")
    broken = [line for line in result.out.splitlines() if ": error: links/" in line]
    assert len(broken) == 1 and "links/anchor: #nowhere is not an id" in broken[0], result.out


# ---------------------------------------------------------------- upload order (directory target)

def _local_links(page: Path, root: Path) -> list[Path]:
    """The files a page on the target asks for: its stylesheets, images and links to other pages."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    wanted = []
    for tag, attr in (("a", "href"), ("link", "href"), ("img", "src"), ("source", "srcset"), ("img", "srcset")):
        for element in soup.find_all(tag):
            for value in (element.get(attr) or "").split(","):
                url = value.strip().split(" ")[0]
                parts = urlsplit(url)
                if not url or parts.scheme or parts.netloc or not parts.path:
                    continue
                target = (root / parts.path.lstrip("/")) if parts.path.startswith("/") else \
                    (page.parent / parts.path)
                wanted.append(target / "index.html" if url.endswith("/") else target)
    return wanted


def _broken_on_target(www: Path) -> list[str]:
    return sorted(f"{page.relative_to(www)} → {link.relative_to(www) if www in link.parents else link}"
                  for page in www.rglob("*.html") if page.is_file()
                  for link in _local_links(page, www) if not link.exists())


@pytest.mark.parametrize("blocked", ["zebra/stripes.png", "zebra/index.html"])
def test_a_deploy_that_stops_midway_leaves_no_page_pointing_at_a_missing_file(make_site, cli, tmp_path, blocked):
    """Assets go first, then pages, then the home page and feeds; nothing is deleted before all is sent."""
    www = tmp_path / "www"
    site = make_site({"site.yml": f"title: Desk\ndeploy:\n  - name: www\n    kind: directory\n    path: {www}\n",
                      "story.md": article("Story", body="Lede." + SECTIONS),
                      "old.md": article("Old", body="Lede." + SECTIONS)})
    assert cli("deploy", "www", cwd=site.root).code == 0
    assert _broken_on_target(www) == []
    home_before = (www / "index.html").read_bytes()

    (site.content / "old.md").unlink()
    site.write("zebra/index.md", article("Zebra", date="2024-02-01",
                                         body="Lede.\n\n[![Stripes](stripes.png)](stripes.png)" + SECTIONS))
    site.write("zebra/stripes.png", photo(64, 48, "PNG"))
    (www / blocked).mkdir(parents=True)
    (www / blocked / "keep").write_text("a folder where the file should go: writing it fails")

    result = cli("deploy", "www", cwd=site.root)
    assert result.code == 1 and "nothing was deleted" in result.err, result.err
    assert _broken_on_target(www) == []
    assert (www / "index.html").read_bytes() == home_before, "the home page goes after the pages it lists"
    assert (www / "old" / "index.html").is_file(), "stale pages are deleted only after everything was sent"


# ---------------------------------------------------------------- control characters in feeds

def test_control_characters_in_the_text_leave_the_feed_well_formed(make_site, cli):
    body = "Lede with a bell \x07 and a vertical tab \x0b and escape \x1b[0m.\n\n**Why it matters:** x\x0c y\n\n" \
           "**The big picture:** z\n"
    site = make_site({"site.yml": "title: Desk\nbase_url: https://example.com/\n",
                      "a.md": article("Bells", summary="S", body=body)})
    assert cli("build", cwd=site.root).code == 0
    feed = (site.out / "feed.xml").read_bytes()
    root = ET.fromstring(feed)                   # raises on a character XML 1.0 forbids
    assert root.tag.endswith("feed")
    assert "bell" in feed.decode()


# ---------------------------------------------------------------- the published folder is readable by a web server

def test_the_built_site_folder_can_be_read_by_other_users(make_site, cli):
    site = make_site({"a.md": article(body="Lede." + SECTIONS)})
    assert cli("build", cwd=site.root).code == 0
    mode = stat.S_IMODE(site.out.stat().st_mode)
    assert mode & 0o755 == 0o755, oct(mode)   # a web server running as another user lists and reads it
    assert cli("build", "--no-cache", cwd=site.root).code == 0   # a rebuild (a new staged folder) too
    assert stat.S_IMODE(site.out.stat().st_mode) & 0o755 == 0o755


# ---------------------------------------------------------------- base_url's scheme

@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.com/news/", "file:///etc/"])
def test_a_base_url_that_is_not_http_is_refused(make_site, cli, url):
    site = make_site({"site.yml": f"title: Desk\nbase_url: '{url}'\n", "a.md": article(body="Lede." + SECTIONS)})
    result = cli("build", cwd=site.root)
    assert result.code == 1
    assert f"error: content/site.yml:2: base_url must be an http(s) URL or a path: {url}" in result.err
    assert not site.out.exists()
    override = cli("build", "--base-url", url, cwd=site.root)
    assert override.code == 1 and "base_url must be an http(s) URL" in override.err


@pytest.mark.parametrize("url", ["https://example.com/news", "http://example.com/", "/news/"])
def test_http_and_path_base_urls_are_accepted(make_site, cli, url):
    site = make_site({"site.yml": f"title: Desk\nbase_url: '{url}'\n", "a.md": article(body="Lede." + SECTIONS)})
    assert cli("build", cwd=site.root).code == 0


# ---------------------------------------------------------------- cached bodies are pruned

def test_bodies_of_old_versions_leave_the_cache_and_current_ones_stay(make_site, cli):
    site = make_site({"a.md": article(body="First version." + SECTIONS),
                      "b.md": article(title="B", body="Other." + SECTIONS)})
    bodies = site.root / ".explainer-cache" / "bodies"
    for version in ("Second version.", "Third version."):
        assert cli("build", cwd=site.root).code == 0
        site.write("a.md", article(body=version + SECTIONS))
    assert cli("build", cwd=site.root).code == 0
    an_hour_ago = time.time() - 7200          # old enough not to belong to a build running beside this one
    for body in bodies.iterdir():
        os.utime(body, (an_hour_ago, an_hour_ago))
    site.write("b.md", article(title="B", body="Other, edited." + SECTIONS))
    assert cli("build", cwd=site.root).code == 0
    kept = [json.loads(f.read_bytes()) for f in bodies.iterdir()]
    assert len([k for k in kept if k[1:2] != ["sidebars"]]) == 2, \
        "one body per explainer: the old versions of a.md are gone"
    assert [k[1:] for k in kept if k[1:2] == ["sidebars"]] == [["sidebars", []]], "and the sidebars they share"
    page = site.page("a/index.html")
    assert "Third version." in page
    assert cli("build", cwd=site.root).code == 0     # the kept bodies still serve a build
    assert site.page("a/index.html") == page


# ---------------------------------------------------------------- `**Label**: text`

def test_the_colon_after_the_bold_label_form_starts_a_section(make_site, cli):
    body = "Lede.\n\n**Why it matters**: It does.\n\n**The big picture** : Wide.\n"
    site = make_site({"a.md": article(body=body)})
    assert cli("build", cwd=site.root).code == 0
    page = BeautifulSoup(site.page("a/index.html"), "html.parser")
    assert [s["data-axiom"] for s in page.select("section[data-axiom]")] == ["why-it-matters"]
    label = page.select_one("section[data-axiom=why-it-matters] .axiom-label")
    assert label.get_text() == "Why it matters:"
    after_label = label.parent.get_text().split("Why it matters:", 1)[1]
    assert ":" not in after_label and "It does." in after_label, after_label
    assert cli("check").out.count("no 'Why it matters'") == 0


# ---------------------------------------------------------------- the outside-link checker's limit per host

class _Slow(BaseHTTPRequestHandler):
    state: dict

    def do_HEAD(self):
        state = self.state
        with state["lock"]:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        time.sleep(0.3)
        with state["lock"]:     # before the answer: the client may start its next request as soon as it has one
            state["now"] -= 1
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def slow_server():
    state = {"lock": threading.Lock(), "now": 0, "most": 0}
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Slow,), {"state": state}))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", state
    server.shutdown()
    server.server_close()


def test_one_host_never_gets_more_than_two_requests_at_once(make_site, cli, slow_server):
    base, state = slow_server
    links = " ".join(f"[{n}]({base}/page-{n})" for n in range(8))
    make_site({"a.md": article(summary="S", body=f"Lede {links}." + SECTIONS)})
    result = cli("check", "--external")
    assert result.code == 0, result.out
    assert result.out.count("(200 OK)") == 8
    assert state["most"] == 2, f"{state['most']} requests at once to one host"
