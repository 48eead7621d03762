"""s3: sync the built site into a bucket of AWS S3 or any S3-compatible store (R2, MinIO…).

Only files whose MD5 differs from the object's ETag are uploaded (every upload is a single PUT, whose
ETag is the MD5 of the bytes), assets before the pages that use them; keys under the prefix that are
no longer part of the site are deleted last. Credentials come from the standard AWS chain only.
"""
from __future__ import annotations

import base64
import hashlib
import mimetypes
import re
from pathlib import Path
from typing import Any

from ..config import SiteConfig
from ..errors import ConfigError, DeployError
from ..render import hosting
from .plan import DeployReport, Field, Plan, Target, make_plan, site_files

FIELDS = {
    "bucket": Field("the bucket's name", required=True),
    "prefix": Field("a folder inside the bucket, e.g. explainers/ (default: the whole bucket)", default=""),
    "region": Field("e.g. us-east-1 (default: from the AWS configuration)"),
    "endpoint_url": Field("for S3-compatible stores, e.g. https://<account>.r2.cloudflarestorage.com"),
}
# Deterministic on every machine, unlike the system's mime.types; mimetypes covers the rest.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".json": "application/json", ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
    ".avif": "image/avif", ".ico": "image/x-icon", ".woff2": "font/woff2", ".woff": "font/woff",
    ".webmanifest": "application/manifest+json", ".pdf": "application/pdf",
}
# Seconds to wait to connect, and for each answer; botocore then retries as the AWS configuration says.
CONNECT_TIMEOUT = 10
READ_TIMEOUT = 60
CREDENTIALS_HINT = ("give credentials through the standard AWS chain: AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
                    "AWS_SECRET_ACCESS_KEY, or ~/.aws/credentials; never in site.yml")
DELETE_BATCH = 1000   # the most keys one DeleteObjects request takes


def check(target: Target) -> None:
    prefix, bucket = target.options["prefix"], target.options["bucket"]
    if prefix.startswith("/"):
        raise ConfigError(f"deploy target '{target.name}': prefix must not start with '/'",
                          target.location("prefix"), hint=f"write prefix: {prefix.lstrip('/')}")
    if not re.fullmatch(r"[a-z0-9][a-z0-9.\-_]{1,254}", bucket):
        raise ConfigError(f"deploy target '{target.name}': not a bucket name: {bucket!r}",
                          target.location("bucket"), hint="only the name, e.g. bucket: explainers (no s3://)")


def content_type(rel: str) -> str:
    suffix = Path(rel).suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    if rel == hosting.HEADERS_FILE:
        return CONTENT_TYPES[".txt"]
    return mimetypes.guess_type(rel)[0] or "application/octet-stream"


def publish(target: Target, site_dir: Path, config: SiteConfig, dry_run: bool) -> DeployReport:
    boto3, errors = _import_boto3()
    prefix = target.options["prefix"]
    prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
    bucket = target.options["bucket"]
    destination = f"s3://{bucket}/{prefix}"
    local = site_files(site_dir)
    digests = {rel: hashlib.md5(path.read_bytes(), usedforsecurity=False).digest() for rel, path in local.items()}
    client = _client(boto3, target)
    try:
        remote = _etags(client, bucket, prefix)
    except (errors.BotoCoreError, errors.ClientError) as err:
        raise _failure(err, errors, destination, "nothing was changed") from None
    plan = make_plan(local, remote, lambda rel, _path: remote[rel] == digests[rel].hex())
    if not dry_run:
        _apply(client, errors, plan, local, digests, bucket, prefix, destination, target.name)
    return DeployReport(target, destination, plan, dry_run)


def _client(boto3: Any, target: Target) -> Any:
    from botocore.config import Config
    try:
        return boto3.session.Session(region_name=target.options["region"]).client(
            "s3", endpoint_url=target.options["endpoint_url"],
            config=Config(connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT))
    except ValueError as err:   # botocore: "Invalid endpoint: …"
        raise ConfigError(f"deploy target '{target.name}': {err}", target.location("endpoint_url"),
                          hint="a URL such as https://<account>.r2.cloudflarestorage.com") from None


def _import_boto3() -> tuple[Any, Any]:
    try:
        import boto3
        import botocore.exceptions
    except ImportError:
        raise DeployError("the s3 deploy target needs boto3, which is not installed",
                          hint="pip install 'explainer[s3]'") from None
    return boto3, botocore.exceptions


def _etags(client: Any, bucket: str, prefix: str) -> dict[str, str]:
    """ETag of every key under the prefix, by site path. Multipart ETags ('…-3') never match an MD5."""
    etags = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            etags[item["Key"][len(prefix):]] = item["ETag"].strip('"')
    return etags


def _apply(client: Any, errors: Any, plan: Plan, local: dict[str, Path], digests: dict[str, bytes],
           bucket: str, prefix: str, destination: str, name: str) -> None:
    sent = 0
    try:
        for rel in plan.to_send:
            client.put_object(Bucket=bucket, Key=prefix + rel, Body=local[rel].read_bytes(),
                              ContentType=content_type(rel), CacheControl=hosting.cache_control(rel),
                              ContentMD5=base64.b64encode(digests[rel]).decode("ascii"))
            sent += 1
        for start in range(0, len(plan.deleted), DELETE_BATCH):
            batch = plan.deleted[start:start + DELETE_BATCH]
            answer = client.delete_objects(Bucket=bucket, Delete={
                "Objects": [{"Key": prefix + rel} for rel in batch], "Quiet": True})
            if answer.get("Errors"):
                first = answer["Errors"][0]
                raise DeployError(f"could not delete {len(answer['Errors'])} stale keys from {destination}, "
                                  f"e.g. {first.get('Key')}: {first.get('Message')}",
                                  hint="the new site is fully uploaded; deploy again to retry the deletions")
    except (errors.BotoCoreError, errors.ClientError) as err:
        partly = sent < len(plan.to_send)
        state = (f"{sent} of {len(plan.to_send)} new or changed files were uploaded, nothing was deleted"
                 if partly else "the new site is fully uploaded; some stale keys remain")
        again = (f"the site at {destination} may be partly updated: run `explainer deploy {name}` again to "
                 "finish, it sends only what is still missing or different" if partly else
                 f"run `explainer deploy {name}` again to delete them")
        raise _failure(err, errors, destination, state, again) from None


def _failure(err: Exception, errors: Any, destination: str, state: str,
             again: str = "fix the problem and deploy again") -> DeployError:
    """botocore's messages name the operation and the error code; a URL's credentials are redacted."""
    name = type(err).__name__
    if name in ("NoCredentialsError", "PartialCredentialsError"):
        return DeployError(f"no AWS credentials found for {destination}; {state}", hint=CREDENTIALS_HINT)
    # Errors without an answer (a connection reset, a timeout) have no response, or a response of None.
    code = (getattr(err, "response", None) or {}).get("Error", {}).get("Code", "")
    if code in ("NoSuchBucket",):
        return DeployError(f"bucket not found: {destination}; {state}",
                           hint="create the bucket first, or fix bucket/endpoint_url in site.yml")
    if code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken"):
        return DeployError(f"access to {destination} refused ({code}); {state}", hint=CREDENTIALS_HINT)
    if isinstance(err, (errors.HTTPClientError, errors.ConnectionError)):
        lost = "timed out" if "timeout" in name.lower() else "lost the connection"
        return DeployError(f"s3 deploy to {destination} {lost} ({err}); {state}", hint=again)
    return DeployError(f"s3 deploy to {destination} failed: {err}; {state}", hint=again)
