"""Instructions per KMS operation, engine versus moto's KMS backend, counted by valgrind.

Wall-clock rates on a shared machine move by 5-10% between runs (see kms_ops.py). An
instruction count does not: callgrind counts every instruction the process executes,
whatever else the machine is doing. Each side runs twice under callgrind, once set up
and stopped before the first operation and once after ``--ops`` more; the difference
divided by ``--ops`` is the cost of one operation, set-up and interpreter start-up
excluded. The engine's figure includes its event log (the flusher thread's work too).

    python benchmarks/kms_instructions.py [--ops 4000] [--only Decrypt]

Needs valgrind (``apt install valgrind``); takes about a minute per figure. Counts are
a proxy, not a speed: time also depends on caches and on how well the processor
overlaps the work, and moto's code runs at a somewhat lower rate of instructions per
second than the engine's. kms_ops.py's rates remain the measure; this separates a
change's effect from the machine's noise.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile

OPERATIONS = ("Encrypt", "Decrypt", "GenerateDataKey")
_COLLECTED = re.compile(rb"Collected : (\d+)")


def _moto_fixed_key(pem_path: str) -> None:
    """moto makes an RSA private key for every key it creates, even a symmetric one, and
    the work of finding primes differs from run to run: give both runs the same key."""
    from cryptography.hazmat.primitives import serialization
    from moto.kms import utils

    with open(pem_path, "rb") as handle:
        private_key = serialization.load_pem_private_key(handle.read(), None)

    def generate(_spec: str) -> utils.RSAPrivateKey:
        key = utils.RSAPrivateKey.__new__(utils.RSAPrivateKey)
        key.key_size = private_key.key_size
        key.private_key = private_key
        return key

    import moto.kms.models

    moto.kms.models.generate_private_key = generate


def _child(side: str, operation: str, count: int, workdir: str) -> None:
    """Set up one side, then run ``count`` operations (under callgrind)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import kms_ops

    if side == "moto":
        _moto_fixed_key(os.path.join(workdir, "moto-key.pem"))
        ops = kms_ops.moto_ops()
        engine = None
    else:
        # a fresh data directory for every run: the two runs must do the same set-up
        engine, ops = kms_ops.engine_ops(os.path.join(workdir, f"engine-{operation}-{count}"))
    run = ops[operation]
    for _ in range(200):  # the same warm-up in both runs
        run()
    for _ in range(count):
        run()
    if engine is not None:
        engine.close()


def _instructions(side: str, operation: str, count: int, workdir: str) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        os.path.abspath(__file__),
        "--child",
        side,
        operation,
        str(count),
        workdir,
    ]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")  # no idle BLAS threads spinning
    done = subprocess.run(command, capture_output=True, env=env, check=True)
    match = _COLLECTED.search(done.stderr)
    if match is None:
        raise RuntimeError(done.stderr.decode(errors="replace")[-2000:])
    return int(match.group(1))


def per_operation(side: str, operation: str, count: int, workdir: str) -> float:
    base = _instructions(side, operation, 0, workdir)
    total = _instructions(side, operation, count, workdir)
    return (total - base) / count


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=4000, help="operations per counted run")
    parser.add_argument("--only", choices=OPERATIONS, help="one operation")
    args = parser.parse_args()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    print(f"{'operation':<18}{'kmstui instr/op':>17}{'moto instr/op':>15}{'ratio':>8}")
    with tempfile.TemporaryDirectory() as workdir:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        with open(os.path.join(workdir, "moto-key.pem"), "wb") as handle:
            handle.write(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
        for operation in [args.only] if args.only else OPERATIONS:
            ours = per_operation("engine", operation, args.ops, workdir)
            theirs = per_operation("moto", operation, args.ops, workdir)
            # fewer instructions is faster: the ratio reads like kms_ops.py's
            print(f"{operation:<18}{ours:>17,.0f}{theirs:>15,.0f}{theirs / ours:>7.2f}x")


if __name__ == "__main__":
    main()
