"""The preview against a hostile web page and hostile content: DNS rebinding, forged Origins, symbolic links.

A real `explainer serve --port 0` in a subprocess, spoken to with raw HTTP so the Host and Origin headers
are exactly what an attacker's page would make a browser send.
"""
from __future__ import annotations

import base64
import http.client
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from generator.serve.hosts import AllowedHosts
from generator.serve.paths import Found, resolve
from test_serve import FIXTURE, ServeProcess


def request(server: ServeProcess, path: str, host: str | None = None, **headers: str) -> tuple[int, bytes]:
    """One raw request with the given Host header (None: the server's own address)."""
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=15)
    try:
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host if host is not None else parts.netloc)
        for name, value in headers.items():
            conn.putheader(name.replace("_", "-"), value)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, (response.read() if response.status != 101 else b"")
    finally:
        conn.close()


def websocket(server: ServeProcess, host: str, origin: str) -> int:
    """The status of livereload.js's websocket handshake: 101 when the socket is accepted."""
    key = base64.b64encode(os.urandom(16)).decode("ascii")
    return request(server, "/livereload", host, Upgrade="websocket", Connection="Upgrade",
                   Origin=origin, Sec_WebSocket_Key=key, Sec_WebSocket_Version="13")[0]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("serve-security") / "site-src"
    shutil.copytree(FIXTURE, root)
    return root


@pytest.fixture(scope="module")
def server(site):
    process = ServeProcess(site)
    yield process
    process.stop()


def port(server: ServeProcess) -> int:
    return urlsplit(server.url).port


PATHS = ["/explainers/", "/explainers/tides/", "/explainers/static/style.css", "/explainers/tides/wave.png",
         "/explainers/no-such-page/", "/livereload.js", "/", "/explainers"]


@pytest.mark.slow   # a real preview server in a subprocess
@pytest.mark.parametrize("path", PATHS)
def test_a_rebound_host_name_gets_403_for_pages_assets_and_the_script(server, path):
    assert request(server, path)[0] in (200, 302, 404)
    for host in (f"attacker.example:{port(server)}", "attacker.example",
                 f"localhost.attacker.example:{port(server)}", f"127.0.0.1.nip.io:{port(server)}", "",
                 "localhost:notaport"):
        status, body = request(server, path, host)
        assert status == 403, (host, path)
        assert b"Why the sea has tides" not in body


@pytest.mark.slow   # a real preview server in a subprocess
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LocalHost", "[::1]", "localhost."])
def test_loopback_names_are_answered_whatever_the_port(server, host):
    for shown in (f"{host}:{port(server)}", f"{host}:9000", host):   # 9000: an ssh tunnel, a container mapping
        status, body = request(server, "/explainers/tides/", shown)
        assert status == 200 and b"Why the sea has tides" in body, shown


@pytest.mark.slow   # a real preview server in a subprocess
def test_an_ip_address_is_answered_because_it_cannot_be_rebound(server):
    status, body = request(server, "/explainers/tides/", f"192.0.2.7:{port(server)}")
    assert status == 200 and b"Why the sea has tides" in body


@pytest.mark.slow   # a real preview server in a subprocess
def test_the_livereload_socket_accepts_only_pages_of_this_server(server):
    here = f"127.0.0.1:{port(server)}"
    assert websocket(server, here, f"http://{here}") == 101
    assert websocket(server, f"localhost:{port(server)}", f"http://localhost:{port(server)}") == 101
    rebound = f"attacker.example:{port(server)}"
    assert websocket(server, rebound, f"http://{rebound}") == 403           # the DNS rebinding attack
    assert websocket(server, here, f"http://attacker.example:{port(server)}") == 403
    assert websocket(server, here, "null") == 403                             # a sandboxed or file: page
    assert websocket(server, here, f"http://localhost:{port(server)}") == 403  # another name: another origin


def test_allowed_hosts_include_the_configured_host():
    hosts = AllowedHosts.serving_on("preview.newsroom.internal")
    assert hosts.allows_host("preview.newsroom.internal:8000")
    assert hosts.allows_host("[::1]:8000") and hosts.allows_host("localhost")
    assert not hosts.allows_host("newsroom.internal:8000")
    assert hosts.allows_origin("http://preview.newsroom.internal:8000", "preview.newsroom.internal:8000")
    assert not hosts.allows_origin("http://attacker.example:8000", "attacker.example:8000")
    assert AllowedHosts.serving_on("[::1]").allows_host("[::1]:8000")


# --- what the preview serves ---------------------------------------------------------------------------

@pytest.mark.slow   # a real preview server in a subprocess
def test_a_link_out_of_content_is_never_served_the_preview_shows_the_error(site, tmp_path):
    (site / "content" / "tides" / "notes.txt").symlink_to("/etc/passwd")
    try:
        process = ServeProcess(site)
        try:
            status, body = request(process, "/explainers/tides/notes.txt")
            assert status == 500 and b"a link to a file outside content/" in body
            assert b"root:" not in body
            assert "content/tides/notes.txt: a link to a file outside content/: /etc/passwd" in process.output()
        finally:
            process.stop()
    finally:
        (site / "content" / "tides" / "notes.txt").unlink()


@pytest.mark.slow   # a real preview server in a subprocess
def test_links_planted_in_the_served_folder_are_refused(site):
    # A server of its own: the module's server may still be rebuilding after the test before changed content/,
    # and a full rebuild would swap the planted links away.
    server = ServeProcess(site)
    try:
        out = server.out_dir
        (out / "tides" / "passwd.txt").symlink_to("/etc/passwd")
        (out / "etc").symlink_to("/etc")
        (out / "loop").symlink_to("loop")
        for path in ("/explainers/tides/passwd.txt", "/explainers/etc", "/explainers/etc/",
                     "/explainers/etc/passwd", "/explainers/loop"):
            status, body = request(server, path)
            assert status == 403 and b"root:" not in body, path
    finally:
        server.stop()


def test_resolve_refuses_a_link_to_a_folder_outside_before_redirecting(tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    (root / "etc").symlink_to("/etc")
    (root / "loop").symlink_to("loop")
    assert resolve(root, "/", "/etc").found is Found.REFUSED        # not a redirect that tells it exists
    assert resolve(root, "/", "/etc/passwd").found is Found.REFUSED
    assert resolve(root, "/", "/loop").found is Found.REFUSED
