"""Share links: plain links to each service's share page with the page's address filled in. No JavaScript, no
button script or counter from the services: nothing is loaded from them until a reader clicks."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

# (key, the service's name, the share address): one entry per service, in the order the theme lists them.
TARGETS = (
    ("email", "", "mailto:?subject={title}&body={url}"),
    ("x", "X", "https://x.com/intent/tweet?text={title}&url={url}"),
    ("facebook", "Facebook", "https://www.facebook.com/sharer/sharer.php?u={url}"),
    ("linkedin", "LinkedIn", "https://www.linkedin.com/sharing/share-offsite/?url={url}"),
    ("whatsapp", "WhatsApp", "https://wa.me/?text={title}%20{url}"),
)


@dataclass(frozen=True)
class ShareLink:
    """One share link under an explainer (a service's share form, or email)."""
    key: str          # email, x, facebook, linkedin, whatsapp: the CSS class `share-<key>`
    service: str      # the service's name ('' for email)
    href: str


def share_links(url: str | None, title: str) -> tuple[ShareLink, ...]:
    """`{{ url | share_links(title) }}`: a link per service for the page at the absolute `url`; none without one
    (a share needs the address the page is public at)."""
    if not url:
        return ()
    values = {"url": quote(url, safe=""), "title": quote(" ".join(title.split()), safe="")}
    return tuple(ShareLink(key, service, address.format(**values)) for key, service, address in TARGETS)


def is_share_link(url: str) -> bool:
    """A link made by `share_links` (check does not fetch them: they are the services' forms, not sources)."""
    return any(url.startswith(address.split("?")[0] + "?") for _, _, address in TARGETS)
