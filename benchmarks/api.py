"""Endpoint benchmark: Decrypt, GenerateDataKey, Sign and Verify (ECC_NIST_P256 and
RSA_2048) and GenerateMac calls per second through boto3, against `kmstui serve` and
against moto's server, in the same run on the same machine.

Both servers run as subprocesses on free loopback ports; each is driven the same way:
one boto3 client (fake credentials, no retries), sequential calls, N seconds per
operation after a short warm-up. `kmstui serve` runs with --allow-any-credentials,
because moto does not check signatures either.

    python benchmarks/api.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import socket
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
    warm_until = time.perf_counter() + min(1.0, seconds / 5)
    while time.perf_counter() < warm_until:
        call()
    count = 0
    started = time.perf_counter()
    deadline = started + seconds
    while True:
        call()
        count += 1
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - started)


def measure(url: str, seconds: float) -> dict[str, float]:
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
        "Decrypt": rate(
            lambda: kms.decrypt(CiphertextBlob=blob, EncryptionContext={"bench": "api"}), seconds
        ),
        "GenerateDataKey": rate(
            lambda: kms.generate_data_key(KeyId=key_id, KeySpec="AES_256"), seconds
        ),
    }
    message = b"m" * 64
    for spec, algorithm in (
        ("ECC_NIST_P256", "ECDSA_SHA_256"),
        ("RSA_2048", "RSASSA_PSS_SHA_256"),
    ):
        signer = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        signed = dict(KeyId=signer, Message=message, SigningAlgorithm=algorithm)
        signature = kms.sign(**signed)["Signature"]
        out[f"Sign {spec}"] = rate(lambda signed=signed: kms.sign(**signed), seconds)
        out[f"Verify {spec}"] = rate(
            lambda signed=signed, signature=signature: kms.verify(**signed, Signature=signature),
            seconds,
        )
    mac_key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
    out["GenerateMac"] = rate(
        lambda: kms.generate_mac(
            KeyId=mac_key["KeyId"], Message=message, MacAlgorithm="HMAC_SHA_256"
        ),
        seconds,
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
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as home:
        for name, starter in (
            ("kmstui serve", lambda p: start_kmstui(p, Path(home))),
            ("moto_server", start_moto),
        ):
            port = free_port()
            process = starter(port)
            try:
                wait_listening(port, process)
                results[name] = measure(f"http://127.0.0.1:{port}", args.seconds)
            finally:
                stop(process)
    print(f"{'operation':<22}{'kmstui serve':>14}{'moto_server':>14}{'ratio':>8}")
    for operation in results["kmstui serve"]:
        ours, theirs = results["kmstui serve"][operation], results["moto_server"][operation]
        print(f"{operation:<22}{ours:>10.0f}/s {theirs:>10.0f}/s {ours / theirs:>7.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
