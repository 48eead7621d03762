"""`explainer deploy`: publish the built site to a target named in site.yml's `deploy:` list."""
from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

from .. import yamlfile
from ..config import SiteConfig
from ..errors import ConfigError, DeployError, ExplainerError, did_you_mean, flatten, raise_all
from ..problems import Place
from . import directory, github_pages, s3
from .plan import DeployReport, Field, Target, summary_lines

__all__ = ["DeployReport", "Target", "deploy", "find_target", "summary_lines", "targets"]

# Each kind is a module with FIELDS (its options), check(options, target) and publish(...).
PUBLISHERS: dict[str, ModuleType] = {
    "github-pages": github_pages,
    "s3": s3,
    "directory": directory,
}
COMMON_FIELDS = {"name": Field("the name you deploy with: `explainer deploy NAME`", required=True),
                 "kind": Field("github-pages, s3 or directory", required=True)}
EXAMPLE = "deploy:\n  - name: pages\n    kind: github-pages\n    remote: git@github.com:org/explainers.git"


def targets(config: SiteConfig) -> dict[str, Target]:
    """Every target in site.yml, validated; all problems are reported together."""
    entries = config.raw.get("deploy")
    if entries is None:
        raise ConfigError(f"no deploy targets in {config.site_file.name}", Place(config.site_file),
                          hint=f"add a list of targets, e.g.\n{EXAMPLE}\n(see docs/deploy.md)")
    if not isinstance(entries, list) or not entries:
        raise ConfigError("'deploy' must be a list of targets, each with a name and a kind",
                          config.line_of("deploy"), hint=f"e.g.\n{EXAMPLE}")
    found: dict[str, Target] = {}
    errors: list[ExplainerError] = []
    for number, entry in enumerate(entries, 1):
        try:
            target = _target(entry, number, config)
        except ExplainerError as err:
            errors.extend(flatten(err))
            continue
        if target.name in found:
            errors.append(ConfigError(f"two deploy targets are named '{target.name}'", target.location("name"),
                                      hint="give each target its own name"))
        found[target.name] = target
    raise_all(errors)
    return found


def find_target(config: SiteConfig, name: str) -> Target:
    known = targets(config)
    if name not in known:
        hint = did_you_mean(name, known, "known targets", and_list=True)
        raise DeployError(f"no deploy target named '{name}' in {config.site_file.name}",
                          config.line_of("deploy"), hint=hint)
    return known[name]


def deploy(config: SiteConfig, target: Target, site_dir: Path, dry_run: bool = False) -> DeployReport:
    """Publish the built site in `site_dir`; with dry_run, only say what would change."""
    if not (site_dir / "index.html").is_file():
        raise DeployError(f"{site_dir} holds no built site (no index.html)",
                          hint="run `explainer build` first, or deploy without --no-build")
    return PUBLISHERS[target.kind].publish(target, site_dir, config, dry_run)


def _target(entry: Any, number: int, config: SiteConfig) -> Target:
    site_file = config.site_file
    entries = config.raw.get("deploy")
    item_line = yamlfile.line_of(entries, number - 1, 1) if isinstance(entries, yamlfile.LineList) else None
    if not isinstance(entry, dict) or not entry:
        raise ConfigError(f"deploy target #{number} must be a mapping with name, kind and its options",
                          Place(site_file, item_line or yamlfile.line_of(config.raw, "deploy", 1)),
                          hint=f"e.g.\n{EXAMPLE}")
    lines = {key: Place(site_file, yamlfile.line_of(entry, key, 1)) for key in entry}
    where = min(lines.values(), key=lambda loc: loc.line or 0)
    label = f"'{entry['name']}'" if isinstance(entry.get("name"), str) else f"#{number}"
    errors: list[ExplainerError] = []

    kind = entry.get("kind")
    publisher = PUBLISHERS.get(kind) if isinstance(kind, str) else None
    if "kind" in entry and publisher is None:
        errors.append(ConfigError(f"deploy target {label}: unknown kind '{kind}'", lines["kind"],
                                  hint=did_you_mean(str(kind), PUBLISHERS, "kinds", and_list=True)))
    fields = {**COMMON_FIELDS, **(publisher.FIELDS if publisher else {})}
    for key, value in entry.items():
        if key not in fields:
            if publisher is None:
                continue   # cannot tell which fields are right before the kind is known
            errors.append(ConfigError(f"deploy target {label}: unknown field '{key}' for kind {kind}",
                                      lines[key], hint=did_you_mean(str(key), fields, "fields", and_list=True)))
        elif value is None and not fields[key].required:
            continue
        elif not isinstance(value, str) or not value.strip():
            errors.append(ConfigError(f"deploy target {label}: '{key}' must be text", lines[key],
                                      hint=fields[key].help))
    for key, field in fields.items():
        if field.required and key not in entry:
            errors.append(ConfigError(f"deploy target {label}: missing field '{key}'", where,
                                      hint=field.help))
    raise_all(errors)
    assert isinstance(kind, str) and publisher is not None   # a missing or unknown kind was an error above

    options = {key: field.default for key, field in fields.items() if key not in COMMON_FIELDS}
    options.update({k: v.strip() for k, v in entry.items() if k in options and isinstance(v, str)})
    target = Target(entry["name"].strip(), kind, options, where, lines)
    publisher.check(target)
    return target
