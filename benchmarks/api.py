"""Endpoint benchmark: Decrypt, GenerateDataKey, Sign and Verify (ECC_NIST_P256 and
RSA_2048) and GenerateMac calls per second through boto3, against `kmstui serve` and
against moto's server, in the same run on the same machine.

Both servers run as subprocesses on free loopback ports, at the same time; each is
driven the same way: one boto3 client (fake credentials, no retries), sequential calls,
N seconds per operation after a short warm-up. The two sides alternate in one-second
windows and the ratio is the median of adjacent windows' ratios, so a change in the
shared machine's load falls on both alike. `kmstui serve` runs with
--allow-any-credentials, because moto does not check signatures either.

    python benchmarks/api.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_listening(port: int, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited early with code {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not start listening")


def start_kmstui(port: int, home: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "KMSTUI_HOME": str(home / "data"),
        "KMSTUI_CONFIG": str(home / "cfg"),
        "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "kmstui", "serve", "--port", str(port), "--allow-any-credentials"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def start_moto(port: int) -> subprocess.Popen:
    command = shutil.which("moto_server")
    argv = [command] if command else [sys.executable, "-m", "moto.server"]
    return subprocess.Popen(
        [*argv, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def rate(call, seconds: float) -> float:
    """Calls per second of ``call`` over one window of about ``seconds``."""
    count = 0
    started = time.perf_counter()
    deadline = started + seconds
    while True:
        call()
        count += 1
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - started)


def compare(ours, theirs, seconds: float, window: float = 1.0) -> tuple[float, float, float]:
    """Median rates of both sides and the median ratio of adjacent windows."""
    for call in (ours, theirs):  # warm up
        rate(call, min(1.0, seconds / 5))
    a_rates, b_rates, ratios = [], [], []
    for _ in range(max(1, round(seconds / window))):
        a, b = rate(ours, window), rate(theirs, window)
        a_rates.append(a)
        b_rates.append(b)
        ratios.append(a / b)
    return statistics.median(a_rates), statistics.median(b_rates), statistics.median(ratios)


def operations(url: str) -> dict:
    """The benchmark's calls against the server at ``url``, each ready to repeat."""
    kms = boto3.client(
        "kms",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )
    key_id = kms.create_key(Description="benchmark")["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x" * 32, EncryptionContext={"bench": "api"})[
        "CiphertextBlob"
    ]
    out = {
        "Decrypt": lambda: kms.decrypt(CiphertextBlob=blob, EncryptionContext={"bench": "api"}),
        "GenerateDataKey": lambda: kms.generate_data_key(KeyId=key_id, KeySpec="AES_256"),
    }
    message = b"m" * 64
    for spec, algorithm in (
        ("ECC_NIST_P256", "ECDSA_SHA_256"),
        ("RSA_2048", "RSASSA_PSS_SHA_256"),
    ):
        signer = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        signed = dict(KeyId=signer, Message=message, SigningAlgorithm=algorithm)
        signature = kms.sign(**signed)["Signature"]
        out[f"Sign {spec}"] = lambda signed=signed: kms.sign(**signed)
        out[f"Verify {spec}"] = lambda signed=signed, signature=signature: kms.verify(
            **signed, Signature=signature
        )
    mac_key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
    out["GenerateMac"] = lambda: kms.generate_mac(
        KeyId=mac_key["KeyId"], Message=message, MacAlgorithm="HMAC_SHA_256"
    )
    return out


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per operation (5)")
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} CPUs, {cpu_model()}; Python {platform.python_version()}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    with tempfile.TemporaryDirectory() as home:
        ours_port, theirs_port = free_port(), free_port()
        servers = [start_kmstui(ours_port, Path(home)), start_moto(theirs_port)]
        try:
            for port, process in zip((ours_port, theirs_port), servers, strict=True):
                wait_listening(port, process)
            ours = operations(f"http://127.0.0.1:{ours_port}")
            theirs = operations(f"http://127.0.0.1:{theirs_port}")
            print(f"{'operation':<22}{'kmstui serve':>14}{'moto_server':>14}{'ratio':>8}")
            for name in ours:
                a, b, ratio = compare(ours[name], theirs[name], args.seconds)
                print(f"{name:<22}{a:>10.0f}/s {b:>10.0f}/s {ratio:>7.2f}x")
        finally:
            for process in servers:
                stop(process)
    return 0


if __name__ == "__main__":
    sys.exit(main())
