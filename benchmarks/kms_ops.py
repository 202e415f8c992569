"""KMS operations per second through the engine facade versus moto's KMS backend.

Both run in this process, in the same run, on the same machine. The engine path
includes everything a real call does: KeyId resolution, policy evaluation, key-state
checks, AES-256-GCM, and a CloudTrail-shaped event published and appended to the
event log. moto's backend is called directly (no policy, no event).

    python benchmarks/kms_ops.py [--seconds 10] [--rsa-keys 10] [--only rates|create-rsa]

The two sides alternate in one-second windows; the ratio is the median of the ratios
of adjacent windows.

The rows above repeat one request, so the engine answers from its memos (the
authorization's decision, the interned encryption context, the record's encoded
head). The cold-cache row ("Decrypt, cold") gives every call its own encryption
context, caller and ciphertext: the policy evaluator decides each call inside the
timed loop, and moto decrypts a distinct ciphertext under a distinct context too.

CreateKey RSA_4096 is timed per call (p50, p90) against cryptography's own RSA-4096
generation in the same run: "occasional" calls find the engine's pool of keys made
ahead of need refilled (one call each time the pool is full again, as keys are
created by people and deployments), "back to back" calls drain it.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable


def window(fn: Callable[[], object], seconds: float) -> float:
    """Operations per second of ``fn`` over one window of about ``seconds``."""
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(100):
            fn()
        count += 100
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def compare(
    ours: Callable[[], object], theirs: Callable[[], object], seconds: float, slice_s: float = 1.0
) -> tuple[float, float, float]:
    """Median rates of both sides and the median ratio of adjacent windows.

    The two sides alternate in one-second windows, so a change in the machine's load
    (it is shared) falls on both alike. A window is long enough that the engine's
    background work (the event log's writes and fsyncs, ~20 a second at these rates)
    stays inside its own windows rather than spilling into moto's: with quarter-second
    windows the engine looked ~5% faster than it runs sustained."""
    for _ in range(200):  # warm caches
        ours()
        theirs()
    a_rates, b_rates, ratios = [], [], []
    for _ in range(max(1, round(seconds / (2 * slice_s)))):
        a = window(ours, slice_s)
        b = window(theirs, slice_s)
        a_rates.append(a)
        b_rates.append(b)
        ratios.append(a / b)
    return statistics.median(a_rates), statistics.median(b_rates), statistics.median(ratios)


def engine_ops(workdir: str):
    from kmstui.engine import Engine

    engine = Engine(os.path.join(workdir, "data"), os.path.join(workdir, "config"))
    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    context = {"app": "bench", "tenant": "t-1"}
    blob = engine.call(
        "Encrypt", {"KeyId": key_id, "Plaintext": b"x" * 64, "EncryptionContext": context}
    )["CiphertextBlob"]
    ops = {
        "Encrypt": lambda: engine.call(
            "Encrypt", {"KeyId": key_id, "Plaintext": b"x" * 64, "EncryptionContext": context}
        ),
        "Decrypt": lambda: engine.call(
            "Decrypt", {"CiphertextBlob": blob, "EncryptionContext": context}
        ),
        "GenerateDataKey": lambda: engine.call(
            "GenerateDataKey", {"KeyId": key_id, "KeySpec": "AES_256", "EncryptionContext": context}
        ),
    }
    return engine, ops


COLD_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "Any caller of the account, for its own context",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:CallerAccount": "111122223333"},
                "StringLike": {"kms:EncryptionContext:request": "r-*"},
            },
        },
    ],
}


# More distinct calls than any memo of the engine holds (the authorization's holds
# 20,000 decisions), taken in turn: by the time a call comes round again, the memos
# have forgotten it.
COLD_CALLS = 50_000


def _in_turn(calls: list) -> Callable[[], object]:
    """A call that makes the next of ``calls`` each time, round and round."""
    taken = itertools.cycle(calls)
    return lambda: next(taken)()


def cold_decrypts(engine, count: int) -> list[Callable[[], object]]:
    """``count`` Decrypt calls, each with its own caller, encryption context and
    ciphertext, so no memo of the engine answers any of them."""
    import json

    from kmstui.caller import Caller

    key_id = engine.call("CreateKey", {"Policy": json.dumps(COLD_POLICY)})["KeyMetadata"]["KeyId"]
    calls = []
    for i in range(count):
        context = {"app": "bench", "request": f"r-{i}"}
        params = {"KeyId": key_id, "Plaintext": b"x" * 64, "EncryptionContext": context}
        blob = engine.call("Encrypt", params)["CiphertextBlob"]
        caller = Caller(principal=f"arn:aws:iam::111122223333:user/bench-{i}")
        request = {"CiphertextBlob": blob, "EncryptionContext": context}
        calls.append(lambda r=request, c=caller: engine.call("Decrypt", r, caller=c))
    return calls


def moto_cold_decrypts(count: int) -> list[Callable[[], object]]:
    from moto.kms.models import kms_backends

    backend = kms_backends["123456789012"]["us-east-1"]
    key = backend.create_key(None, "ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT", "cold", None)
    calls = []
    for i in range(count):
        context = {"app": "bench", "request": f"r-{i}"}
        blob, _ = backend.encrypt(key.id, b"x" * 64, context)
        calls.append(lambda b=blob, c=context: backend.decrypt(b, c))
    return calls


def moto_ops():
    from moto.kms.models import kms_backends

    backend = kms_backends["123456789012"]["us-east-1"]
    key = backend.create_key(None, "ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT", "bench", None)
    context = {"app": "bench", "tenant": "t-1"}
    blob, _ = backend.encrypt(key.id, b"x" * 64, context)
    return {
        "Encrypt": lambda: backend.encrypt(key.id, b"x" * 64, context),
        "Decrypt": lambda: backend.decrypt(blob, context),
        "GenerateDataKey": lambda: backend.generate_data_key(key.id, context, None, "AES_256"),
    }


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return f"p50 {p50 * 1000:8.1f} ms   p90 {p90 * 1000:8.1f} ms   (n={len(ordered)})"


def create_rsa_4096(workdir: str, count: int) -> None:
    """CreateKey RSA_4096 through the engine (not seeded, so its RSA pool is used)
    against cryptography generating RSA-4096 keys directly."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    from kmstui.engine import Engine

    engine = Engine(os.path.join(workdir, "rsa-data"), os.path.join(workdir, "rsa-config"))
    params = {"KeySpec": "RSA_4096", "KeyUsage": "SIGN_VERIFY"}
    pool = engine.kms.rsa_pool

    def timed(fn: Callable[[], object]) -> float:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start

    try:
        engine.call("CreateKey", params)  # the first request of the size starts the pool
        occasional = []
        for _ in range(count):
            pool.wait_filled(4096, timeout=600)
            occasional.append(timed(lambda: engine.call("CreateKey", params)))
        pool.wait_filled(4096, timeout=600)
        back_to_back = [timed(lambda: engine.call("CreateKey", params)) for _ in range(count)]
    finally:
        engine.close()  # stops the pool before cryptography is timed alone
    direct = [
        timed(lambda: rsa.generate_private_key(public_exponent=65537, key_size=4096))
        for _ in range(count)
    ]
    print(f"CreateKey RSA_4096 (pool of {pool.depth} per size)")
    print(f"  kmstui, occasional      {_percentiles(occasional)}")
    print(f"  kmstui, back to back    {_percentiles(back_to_back)}")
    print(f"  cryptography generate   {_percentiles(direct)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="time per operation")
    parser.add_argument("--rsa-keys", type=int, default=10, help="RSA_4096 keys per series")
    parser.add_argument("--only", choices=("rates", "create-rsa"), help="one part only")
    args = parser.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; load average {os.getloadavg()[0]:.2f}"
    )
    if args.only != "rates":
        with tempfile.TemporaryDirectory() as workdir:
            create_rsa_4096(workdir, args.rsa_keys)
        if args.only:
            return
    with tempfile.TemporaryDirectory() as workdir:
        engine, ours = engine_ops(workdir)
        theirs = moto_ops()
        print(f"{'operation':<18}{'kmstui ops/s':>14}{'moto ops/s':>14}{'ratio':>8}")
        try:
            for name in ours:
                a, b, ratio = compare(ours[name], theirs[name], args.seconds)
                print(f"{name:<18}{a:>14,.0f}{b:>14,.0f}{ratio:>7.2f}x")
            a, b, ratio = compare(
                _in_turn(cold_decrypts(engine, COLD_CALLS)),
                _in_turn(moto_cold_decrypts(COLD_CALLS)),
                args.seconds,
            )
            print(f"{'Decrypt, cold':<18}{a:>14,.0f}{b:>14,.0f}{ratio:>7.2f}x")
        finally:
            engine.close()


if __name__ == "__main__":
    main()
