"""Command lines against the endpoint: the real aws CLI, ``kmstui call --endpoint-url``
and ``kmstui serve`` as a separate process."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from kmstui.cli import main

from .conftest import Keys


def _clean_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_CONFIG_FILE": str(tmp / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "no-aws-credentials"),
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_PAGER": "",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    env.update(extra)
    return env


def aws(api, keys: Keys, *args: str, tmp: Path) -> subprocess.CompletedProcess:
    env = _clean_env(tmp, AWS_ACCESS_KEY_ID=keys.access_key_id, AWS_SECRET_ACCESS_KEY=keys.secret)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "awscli",
            "kms",
            *args,
            "--endpoint-url",
            api.url,
            "--output",
            "json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_aws_cli_round_trip(api, tmp_path):
    made = aws(api, api.root, "create-key", "--description", "from the aws cli", tmp=tmp_path)
    assert made.returncode == 0, made.stderr
    key_id = json.loads(made.stdout)["KeyMetadata"]["KeyId"]

    (tmp_path / "plain.bin").write_bytes(b"cli secret\n")
    encrypted = aws(
        api,
        api.root,
        "encrypt",
        "--key-id",
        key_id,
        "--plaintext",
        f"fileb://{tmp_path / 'plain.bin'}",
        "--encryption-context",
        "purpose=cli",
        tmp=tmp_path,
    )
    assert encrypted.returncode == 0, encrypted.stderr
    blob = base64.b64decode(json.loads(encrypted.stdout)["CiphertextBlob"])
    (tmp_path / "blob.bin").write_bytes(blob)

    decrypted = aws(
        api,
        api.root,
        "decrypt",
        "--ciphertext-blob",
        f"fileb://{tmp_path / 'blob.bin'}",
        "--encryption-context",
        "purpose=cli",
        tmp=tmp_path,
    )
    assert decrypted.returncode == 0, decrypted.stderr
    assert base64.b64decode(json.loads(decrypted.stdout)["Plaintext"]) == b"cli secret\n"

    listed = aws(api, api.root, "list-keys", tmp=tmp_path)
    assert key_id in {k["KeyId"] for k in json.loads(listed.stdout)["Keys"]}


def test_aws_cli_errors(api, tmp_path):
    missing = aws(
        api,
        api.root,
        "describe-key",
        "--key-id",
        "1234abcd-12ab-34cd-56ef-1234567890ab",
        tmp=tmp_path,
    )
    assert missing.returncode in (254, 255)
    assert (
        "An error occurred (NotFoundException) when calling the DescribeKey operation"
        in missing.stderr
    )
    wrong = aws(api, Keys(api.root.access_key_id, "not-the-secret"), "list-keys", tmp=tmp_path)
    assert wrong.returncode in (254, 255)
    assert "(InvalidSignatureException)" in wrong.stderr
    assert "does not match the signature you provided" in wrong.stderr


# -- kmstui call --endpoint-url --------------------------------------------------------
def run_call(capsys, *argv: str) -> tuple[int, object, str]:
    code = main(["call", *argv])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else None, err


def test_kmstui_call_signs_with_env_credentials(api, capsys, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", api.root.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", api.root.secret)
    code, out, _ = run_call(
        capsys, "--endpoint-url", api.url, "CreateKey", '{"Description": "via kmstui call"}'
    )
    assert code == 0
    key_id = out["KeyMetadata"]["KeyId"]
    code, out, _ = run_call(
        capsys,
        "--endpoint-url",
        api.url,
        "Encrypt",
        json.dumps({"KeyId": key_id, "Plaintext": "aGVsbG8="}),
    )
    assert code == 0
    code, out, _ = run_call(
        capsys,
        "--endpoint-url",
        api.url,
        "Decrypt",
        json.dumps({"CiphertextBlob": out["CiphertextBlob"]}),
    )
    assert (code, out["Plaintext"]) == (0, "aGVsbG8=")

    code, out, _ = run_call(
        capsys, "--endpoint-url", api.url, "DescribeKey", '{"KeyId": "alias/none-such"}'
    )
    assert code == 1
    assert out["__type"] == "NotFoundException" and out["message"]
    code, out, _ = run_call(capsys, "--endpoint-url", api.url, "DescribeVolumes")
    assert code == 0 and isinstance(out["Volumes"], list)  # EC2, over its Query protocol
    code, out, _ = run_call(capsys, "--endpoint-url", api.url, "NoSuchOperation")
    assert (code, out["__type"]) == (1, "UnknownOperationException")


def test_kmstui_call_without_credentials(api, any_api, capsys, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    code, out, _ = run_call(capsys, "--endpoint-url", api.url, "ListKeys")
    assert (code, out["__type"]) == (1, "UnrecognizedClientException")
    code, out, _ = run_call(capsys, "--endpoint-url", any_api.url, "ListKeys")
    assert code == 0 and "Keys" in out


def test_kmstui_call_usage_errors(api, capsys):
    code, _, err = run_call(capsys, "--endpoint-url", "http://127.0.0.1:1", "ListKeys")
    assert code == 2 and "cannot reach" in err
    code, _, err = run_call(capsys, "--endpoint-url", "ftp://x", "ListKeys")
    assert code == 2
    code, _, err = run_call(
        capsys,
        "--endpoint-url",
        api.url,
        "--as",
        "arn:aws:iam::111122223333:user/alice",
        "ListKeys",
    )
    assert code == 2 and "--as" in err


# -- kmstui serve ------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_listening(port: int, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"kmstui serve exited: {process.stderr.read()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("kmstui serve did not start listening")


def test_kmstui_serve_process(tmp_path, capsys):
    from kmstui.engine import Engine

    data, config = tmp_path / "data", tmp_path / "config"
    with Engine(data, config) as engine:  # an access key to sign with, made beforehand
        made = engine.call("CreateAccessKey", {})["AccessKey"]
    env = _clean_env(
        tmp_path,
        KMSTUI_CONFIG=str(config),
        KMSTUI_HOME=str(data),
        AWS_ACCESS_KEY_ID=made["AccessKeyId"],
        AWS_SECRET_ACCESS_KEY=made["SecretAccessKey"],
    )
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kmstui", "serve", "--port", str(port), "--data-dir", str(data)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_listening(port, process)
        # a second process on the same data directory is told where the endpoint is
        local = subprocess.run(
            [sys.executable, "-m", "kmstui", "call", "ListKeys", "--data-dir", str(data)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert local.returncode == 2
        assert f"--endpoint-url {url}" in local.stderr
        remote = subprocess.run(
            [sys.executable, "-m", "kmstui", "call", "--endpoint-url", url, "ListAliases"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert remote.returncode == 0, remote.stderr
        json.loads(remote.stdout)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            _, err = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
    assert process.returncode == 0, err
    assert f"serving KMS at {url}" in err
    assert made["SecretAccessKey"] not in err
    assert not (data / "owner.json").exists()


def test_kmstui_serve_refuses_a_bad_account_id(capsys):
    assert main(["serve", "--account-id", "12"]) == 2
    assert "--account-id" in capsys.readouterr().err
