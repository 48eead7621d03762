"""site.yml `embeds:`: providers a site adds, or changes, beside the built-in table (markdown/providers.py),
each mistake an error at its site.yml line."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from .. import yamlfile
from ..config import SiteConfig
from ..errors import ConfigError, ExplainerError, did_you_mean, raise_all
from ..problems import Place
from .providers import (
    HEIGHT_LIMITS,
    KINDS,
    PROVIDERS,
    SANDBOX_TOKENS,
    SITE_KEYS,
    WIDGET,
    PatternError,
    Provider,
    compile_pattern,
    parse_height,
    parse_ratio,
    template_problem,
)

_KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def site_providers(config: SiteConfig) -> tuple[Provider, ...]:
    """PROVIDERS with site.yml's `embeds:` entries: an entry with a built-in provider's key changes the fields it
    gives; any other key adds a provider, tried before the built-in ones. Errors at site.yml's lines."""
    raw = config.raw.get("embeds")
    if raw is None:
        return PROVIDERS
    example = "e.g. embeds: [{key: ourvideo, name: Our video, kind: video, match: video.example.org/v/{id}, " \
              "embed: \"https://video.example.org/embed/{id}\", facade: true}]"
    if not isinstance(raw, list):
        raise ConfigError("'embeds' must be a list of providers", config.line_of("embeds"), hint=example)
    providers = {provider.key: provider for provider in PROVIDERS}
    added: list[str] = []
    errors: list[ExplainerError] = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            errors.append(ConfigError("each of embeds must be a mapping (key, name, match, embed …)",
                                      _line(config, raw, index), hint=example))
            continue
        provider = _site_provider(entry, providers, config, errors)
        if provider is not None:
            if provider.key not in providers:
                added.append(provider.key)
            providers[provider.key] = provider
    raise_all(errors)
    return tuple(providers[key] for key in added) + tuple(providers[p.key] for p in PROVIDERS)


def _line(config: SiteConfig, data: Any, key: Any) -> Place:
    """The site.yml line of `key` in a provider's mapping (or of item `key` of the list); the `embeds:` line when
    it is not known."""
    line = yamlfile.line_of(data, key, 1) if isinstance(data, (dict, list)) else 1
    if line == 1:
        line = yamlfile.line_of(config.raw, "embeds", 1)
    return Place(config.site_file, line)


def _site_provider(entry: dict, known: dict[str, Provider], config: SiteConfig,
                   errors: list[ExplainerError]) -> Provider | None:
    def fail(message: str, key: str, hint: str | None = None) -> None:
        errors.append(ConfigError(f"embeds: {message}", _line(config, entry, key), hint=hint))

    before = len(errors)
    for name in entry:
        if name not in SITE_KEYS:
            fail(f"unknown key '{name}' in a provider", name, did_you_mean(str(name), SITE_KEYS))
    key = entry.get("key")
    if not isinstance(key, str) or not _KEY.match(key):
        fail("each provider needs a `key`: lowercase letters, digits and -", "key" if "key" in entry else next(
            iter(entry), "key"), "e.g. key: ourvideo (it names the CSS class embed-ourvideo)")
        return None
    base = known.get(key)
    if base is None:
        for required in ("name", "match", "embed"):
            if required not in entry:
                fail(f"the new provider '{key}' needs `{required}`", "key",
                     "a built-in provider's key changes that one: " + ", ".join(p.key for p in PROVIDERS))
    values: dict[str, Any] = {}
    for name, value in entry.items():
        if name in SITE_KEYS and name != "key":
            checked = _site_value(name, value, lambda message, hint=None, at=name: fail(message, at, hint))
            if checked is not _INVALID:
                values[name] = checked
    if "height" in values and "ratio" not in values:
        values["ratio"] = None
    elif "ratio" in values and "height" not in values:
        values["height"] = None
    if len(errors) > before:
        return None
    provider = replace(base, **values) if base else Provider(key=key, **{"kind": "page", **values})
    try:
        patterns = [compile_pattern(text) for text in provider.match]
    except PatternError as err:
        fail(str(err), "match", "see docs/embeds.md, Patterns")
        return None
    problem = template_problem(provider, patterns)
    if problem:
        fail(problem, "embed" if "embed" in entry else "match")
        return None
    return provider


_INVALID = object()


def _site_value(name: str, value: Any, fail) -> Any:
    if name in ("name", "embed", "play", "allow", "start"):
        if not isinstance(value, str) or (name in ("name", "embed") and not value.strip()):
            return fail(f"'{name}' must be text") or _INVALID
        return " ".join(value.split()) if name != "embed" else value.strip()
    if name == "kind":
        if value not in KINDS:
            return fail(f"unknown kind {value!r}", did_you_mean(str(value), KINDS, "the kinds", and_list=True)) \
                or _INVALID
        return value
    if name == "match":
        patterns = [value] if isinstance(value, str) else value
        if not isinstance(patterns, list) or not all(isinstance(p, str) and p.strip() for p in patterns):
            return fail("'match' must be an address pattern or a list of them",
                        "e.g. match: video.example.org/v/{id}") or _INVALID
        return tuple(p.strip() for p in patterns)
    if name == "ratio":
        ratio = parse_ratio(value) if isinstance(value, str) else None
        return ratio if ratio else fail(f"ratio {value!r} is not width:height", "quote it: ratio: \"16:9\"") \
            or _INVALID
    if name == "height":
        height = parse_height(value) if not isinstance(value, bool) else None
        return height if height else fail(f"height {value!r} is not a height in pixels",
                                          f"a whole number from {HEIGHT_LIMITS[0]} to {HEIGHT_LIMITS[1]}") \
            or _INVALID
    if name == "facade":
        return value if isinstance(value, bool) else fail("'facade' must be true or false") or _INVALID
    if name == "sandbox":
        if value is False:
            return None
        tokens = value.split() if isinstance(value, str) else None
        if tokens is None:
            return fail("'sandbox' must be a list of sandbox tokens in one text, or false",
                        f"e.g. sandbox: \"{WIDGET}\"") or _INVALID
        for token in tokens:
            if token not in SANDBOX_TOKENS:
                return fail(f"unknown sandbox token {token!r}", did_you_mean(token, SANDBOX_TOKENS, "the tokens")) \
                    or _INVALID
        return " ".join(tokens)
    return _INVALID
