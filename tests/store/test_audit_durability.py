"""An acknowledged change is never missing from the audit trail: a mutating call's
event is on disk before the call returns, so a kill -9 of the server loses none."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from kmstui.dispatch import may_wait
from kmstui.ebs.operations import OPERATIONS as EC2_OPERATIONS
from kmstui.engine import Engine
from kmstui.iam.service import OPERATIONS as IAM_OPERATIONS
from kmstui.kms import OPERATIONS as KMS_OPERATIONS
from kmstui.store.eventlog import EventLog


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(data, config, port: int) -> subprocess.Popen:
    env = {**os.environ, "KMSTUI_CONFIG": str(config)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kmstui",
            "serve",
            "--allow-any-credentials",
            "--port",
            str(port),
            "--data-dir",
            str(data),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"kmstui serve exited: {process.stderr.read()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("kmstui serve did not start listening")


def _client(port: int):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "kms",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=10),
    )


def _create_keys_until_killed(port: int, acknowledged: list[str], stop: threading.Event) -> None:
    client = _client(port)
    while not stop.is_set():
        try:
            key = client.create_key(Description="audited")["KeyMetadata"]["KeyId"]
        except Exception:  # the server is gone: nothing more is acknowledged
            return
        acknowledged.append(key)


@pytest.mark.parametrize("acks_before_kill", [25, 60])
def test_every_acknowledged_create_key_has_its_event_and_key_after_kill_9(
    tmp_path, acks_before_kill
):
    data, config = tmp_path / "data", tmp_path / "config"
    acknowledged: list[str] = []
    for _round in range(2):
        port = _free_port()
        server = _serve(data, config, port)
        stop = threading.Event()
        loop = threading.Thread(target=_create_keys_until_killed, args=(port, acknowledged, stop))
        before = len(acknowledged)
        loop.start()
        try:
            deadline = time.monotonic() + 120
            while len(acknowledged) < before + acks_before_kill and time.monotonic() < deadline:
                time.sleep(0.002)
            server.send_signal(signal.SIGKILL)  # mid-loop: calls are in flight
            server.wait(timeout=30)
        finally:
            stop.set()
            loop.join(timeout=60)
            if server.poll() is None:
                server.kill()
                server.wait()
        assert len(acknowledged) >= before + acks_before_kill

    with Engine(data, config) as engine:
        stored = {key["KeyId"] for key in engine.call("ListKeys", {"Limit": 1000})["Keys"]}
    events = EventLog.open_readonly(data / "events")
    created = {
        resource["ARN"].rsplit("/", 1)[-1]
        for record in events.iter()
        if record.get("eventName") == "CreateKey" and not record.get("errorCode")
        for resource in record.get("resources") or []
    }
    missing_keys = [key for key in acknowledged if key not in stored]
    missing_events = [key for key in acknowledged if key not in created]
    assert not missing_keys
    assert not missing_events, f"{len(missing_events)} of {len(acknowledged)} have no event"


def test_only_reads_and_cryptographic_operations_wait_for_the_batch():
    served = {"kms": KMS_OPERATIONS, "iam": IAM_OPERATIONS, "ec2": EC2_OPERATIONS}
    batched = {name for service, ops in served.items() for name in ops if may_wait(service, name)}
    cryptographic = {
        "Encrypt",
        "Decrypt",
        "ReEncrypt",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
        "GenerateRandom",
        "GenerateMac",
        "VerifyMac",
        "Sign",
        "Verify",
        "DeriveSharedSecret",
        "Encapsulate",
        "Decapsulate",
    }
    for name in batched:
        assert name.startswith(("Describe", "Get", "List")) or name in cryptographic, name
    for name in ("CreateKey", "ScheduleKeyDeletion", "CreateGrant", "PutKeyPolicy"):
        assert name not in batched
    # A read that stores a new import token and wrapping key is written at once too.
    assert "GetParametersForImport" not in batched and "DescribeKey" in batched


def test_a_mutating_call_is_on_disk_when_it_returns_and_a_read_may_wait(make_engine, dirs):
    engine = make_engine()
    log = engine.event_log
    flusher, log._thread = log._thread, None  # stop the periodic flusher: only calls write
    log._stop.set()
    log._wake.set()
    flusher.join()
    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    on_disk = EventLog.open_readonly(dirs[0] / "events")
    assert [r["eventName"] for r in on_disk.tail(1)] == ["CreateKey"]
    engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"x"})
    assert [r["eventName"] for r in on_disk.tail(1)] == ["CreateKey"]  # still batched
    engine.call("TagResource", {"KeyId": key_id, "Tags": [{"TagKey": "a", "TagValue": "b"}]})
    assert [r["eventName"] for r in on_disk.tail(2)] == ["Encrypt", "TagResource"]
