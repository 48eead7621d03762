"""Which Host and Origin headers the preview answers: a defence against DNS rebinding.

A web page on attacker.example can make its own name resolve to 127.0.0.1 and then read the preview (drafts
included) with ordinary requests, which carry `Host: attacker.example`. The preview answers only requests
addressed to a loopback name, to an IP address, or to the name given with --host; its livereload socket
accepts only pages of those. An IP address is safe to allow: rebinding needs a name the attacker controls,
and a page served at an address is the server at that address. The port is not compared, so ssh tunnels and
container port mappings keep working.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class AllowedHosts:
    """The host names the preview answers to (DNS rebinding protection)."""
    names: frozenset[str]   # lowercase host names (no port, no brackets)

    @classmethod
    def serving_on(cls, host: str) -> AllowedHosts:
        """The loopback names and the --host the preview listens on."""
        return cls(LOOPBACK_NAMES | {_normalise(host.strip("[]"))})

    def allows_host(self, host_header: str) -> bool:
        """A request's Host header ('localhost:8000', '[::1]:8000'); tornado gives 127.0.0.1 when it is missing."""
        name = _hostname(f"//{host_header}")
        return name is not None and (name in self.names or _is_ip_address(name))

    def allows_origin(self, origin: str, host_header: str) -> bool:
        """A websocket's Origin: a page of this server, reached under the same name as the socket itself."""
        parts = urlsplit(origin)
        return (parts.scheme in ("http", "https") and parts.netloc.lower() == host_header.lower()
                and self.allows_host(parts.netloc))


def _hostname(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        parts.port   # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return None
    return _normalise(parts.hostname) if parts.hostname else None


def _normalise(name: str) -> str:
    return name.lower().rstrip(".")


def _is_ip_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
