"""Policy benchmarks: evaluation of the seed policy and of a ~30 KB key policy,
and validation of that 30 KB text (run on every keystroke in the editor).

Prints medians. Each is shown next to a bare reference measured in the same
run on the same machine: a dict lookup plus one f-string for evaluation (the
floor of any Python decision), and ``json.loads`` of the same text for
validation (the C parser that cannot report positions or duplicate keys).

    python benchmarks/policy.py
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kmstui.policy import (  # noqa: E402
    Request,
    compile_policy,
    evaluate,
    validate_policy,
)

ACCOUNT = "111122223333"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def seed_case() -> dict:
    examples = ROOT / "tests" / "data" / "policy_examples.json"
    return json.loads(examples.read_text())[0]


def large_policy(target_bytes: int = 30_000) -> str:
    """A realistic large key policy: many role statements with conditions."""
    statements = [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    i = 0
    while len(json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2)) < (
        target_bytes
    ):
        statements.append(
            {
                "Sid": f"AppRole{i}",
                "Effect": "Allow" if i % 7 else "Deny",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/app-{i}"},
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": "ec2.us-east-1.amazonaws.com",
                        "kms:CallerAccount": ACCOUNT,
                    },
                    "StringLike": {"kms:EncryptionContext:app": f"app-{i}-*"},
                },
            }
        )
        i += 1
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2)


def median_us(fn, *, number: int, repeat: int = 15) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number * 1e6)
    return statistics.median(samples)


def main() -> None:
    case = seed_case()
    seed = compile_policy(case["policy"])
    req = case["request"]
    seed_request = Request(req["principal"], req["action"], req["resource"], req["context"])
    assert evaluate(seed_request, key_policy=seed).effect == case["expected"]

    text = large_policy()
    big = compile_policy(text)
    big_request = Request(
        f"arn:aws:sts::{ACCOUNT}:assumed-role/app-40/session",
        "kms:Decrypt",
        KEY_ARN,
        {
            "kms:ViaService": "ec2.us-east-1.amazonaws.com",
            "kms:EncryptionContext:app": "app-40-volume",
        },
    )
    evaluate(big_request, key_policy=big)

    table = {"kms:decrypt": "Allow"}
    bare_eval = median_us(lambda: f"{table.get('kms:decrypt')} {KEY_ARN}", number=20000)
    seed_eval = median_us(lambda: evaluate(seed_request, key_policy=seed), number=5000)
    big_eval = median_us(lambda: evaluate(big_request, key_policy=big), number=500)
    bare_parse = median_us(lambda: json.loads(text), number=200)
    big_validate = median_us(lambda: validate_policy(text), number=20, repeat=11)

    print(
        f"machine: {platform.processor() or platform.machine()}, {platform.python_implementation()}"
        f" {platform.python_version()}"
    )
    print(
        f"seed policy evaluate        median {seed_eval:9.1f} us   (target < 20 us;"
        f" bare reference {bare_eval:.2f} us)"
    )
    print(
        f"30 KB policy evaluate       median {big_eval:9.1f} us   ({len(big.statements)}"
        f" statements, {len(text):,} bytes)"
    )
    print(
        f"30 KB policy validate       median {big_validate / 1000:9.2f} ms   (target well under"
        f" 16 ms; json.loads reference {bare_parse / 1000:.2f} ms)"
    )


if __name__ == "__main__":
    main()
