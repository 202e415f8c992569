"""Helpers for the Query services' tests: boto3 clients of any service, the aws CLI
against the endpoint, and a signed form-encoded POST read back as XML."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from xml.etree import ElementTree as ET

from kmstui.api import sigv4

from .conftest import REGION, Keys


def client(api, service: str, keys: Keys | None = None, region: str = REGION):
    import boto3
    from botocore.config import Config

    keys = keys or api.root
    return boto3.client(
        service,
        endpoint_url=api.url,
        region_name=region,
        aws_access_key_id=keys.access_key_id,
        aws_secret_access_key=keys.secret,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def aws(api, keys: Keys, service: str, *args: str, tmp: Path) -> subprocess.CompletedProcess:
    """The aws CLI's ``service`` command against the endpoint, signed with ``keys``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_CONFIG_FILE": str(tmp / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "no-aws-credentials"),
            "AWS_DEFAULT_REGION": REGION,
            "AWS_PAGER": "",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ACCESS_KEY_ID": keys.access_key_id,
            "AWS_SECRET_ACCESS_KEY": keys.secret,
        }
    )
    command = [sys.executable, "-m", "awscli", service, *args]
    command += ["--endpoint-url", api.url, "--output", "json"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def aws_json(api, keys: Keys, service: str, *args: str, tmp: Path) -> dict:
    done = aws(api, keys, service, *args, tmp=tmp)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else {}


def query_post(
    api, service: str, fields: dict[str, str], keys: Keys | None = None
) -> tuple[int, dict, ET.Element]:
    """POST ``fields`` form-encoded, signed for ``service``; (status, headers, XML root)."""
    body = urllib.parse.urlencode(fields).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    keys = keys or api.root
    headers = sigv4.sign(
        "POST",
        api.url + "/",
        headers,
        body,
        access_key=keys.access_key_id,
        secret_key=keys.secret,
        region=REGION,
        service=service,
    )
    request = urllib.request.Request(api.url + "/", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, answer, raw = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            status, answer, raw = exc.code, dict(exc.headers), exc.read()
    return status, {k.lower(): v for k, v in answer.items()}, ET.fromstring(raw)


def text(root: ET.Element, path: str) -> str | None:
    """The text at ``path`` (tag names without namespaces, joined by /)."""
    node = root
    for tag in path.split("/"):
        found = [child for child in node if child.tag.rpartition("}")[2] == tag]
        if not found:
            return None
        node = found[0]
    return node.text
