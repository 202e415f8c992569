"""``kmstui policy audit``: every customer managed key's policy in an account and
Region, validated as the console validates it, for CI to gate on.

The account is read through boto3 (:mod:`kmstui.aws.keypolicies`, the ``aws`` extra):
AWS itself with ``--aws`` (and ``--profile``), or an endpoint (``--endpoint-url``,
default the local ``kmstui serve``). Each policy is validated as a key policy
(resource type AWS::KMS::Key). Output: text, one JSON document, or SARIF 2.1.0 with
the key ARN as each result's artifact. Exit 0 when no finding is at or above
``--fail-on`` (default error), 1 when one is, 2 on a usage or connection error."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from kmstui.commands.common import EXIT_AWS_ERROR, EXIT_OK, fail, print_json
from kmstui.commands.remote import credentials, region_of
from kmstui.policy import KEY_POLICY, Finding, validate_policy
from kmstui.policy.findings import SEVERITIES

if TYPE_CHECKING:
    from kmstui.aws.keypolicies import Account

DEFAULT_ENDPOINT = "http://127.0.0.1:4599"
INSTALL = "pip install 'kmstui[aws]' (from a checkout: pip install '.[aws]')"
FAIL_ON = tuple(severity.lower() for severity in SEVERITIES)


def register(actions: argparse._SubParsersAction) -> None:
    audit = actions.add_parser(
        "audit",
        help="validate every customer managed key's policy in an account and Region",
        description="Validate the policy of every customer managed key in an account and "
        "Region; exit 1 when a finding is at or above --fail-on, 2 when the account "
        "cannot be read.",
    )
    where = audit.add_mutually_exclusive_group()
    where.add_argument("--aws", action="store_true", help="audit the AWS account itself")
    where.add_argument(
        "--endpoint-url",
        metavar="URL",
        help=f"audit the account behind this endpoint (default: {DEFAULT_ENDPOINT})",
    )
    audit.add_argument(
        "--profile", metavar="NAME", help="the AWS profile to use (with --aws or --endpoint-url)"
    )
    audit.add_argument(
        "--region",
        default=argparse.SUPPRESS,
        help="the Region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's, "
        "else us-east-1 for an endpoint)",
    )
    audit.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    audit.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="error",
        help="exit 1 when a finding is of this type or a graver one (default: error)",
    )
    audit.add_argument(
        "--page-size",
        type=_positive,
        metavar="N",
        help="keys and aliases asked for in each ListKeys and ListAliases call",
    )
    audit.set_defaults(handler=run_audit)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 1000, not {text!r}")
    return value


def run_audit(args: argparse.Namespace) -> int:
    try:
        from kmstui.aws.keypolicies import AccountError, Where, read
    except ImportError as exc:
        if exc.name not in ("boto3", "botocore") and not str(exc.name).startswith("botocore."):
            raise
        return fail(f"kmstui policy audit reads the account through boto3: {INSTALL}")
    if args.profile and not args.aws and not args.endpoint_url:
        return fail("--profile needs --aws (or --endpoint-url): which account to audit?")
    endpoint = None if args.aws else (args.endpoint_url or DEFAULT_ENDPOINT)
    region = getattr(args, "region", None)
    if endpoint is not None and region is None:
        region = region_of(args)
    access, secret, _ = credentials()
    where = Where(
        region=region,
        profile=args.profile,
        endpoint_url=endpoint,
        fallback_credentials=(access, secret),
        page_size=args.page_size,
    )
    try:
        account = read(where)
    except AccountError as exc:
        return fail(f"cannot audit the key policies: {exc}")
    results = {key.arn: validate_policy(key.policy, policy_type=KEY_POLICY) for key in account.keys}
    threshold = SEVERITIES.index(args.fail_on.upper())
    failed = any(
        SEVERITIES.index(f.severity) <= threshold for found in results.values() for f in found
    )
    if args.format == "json":
        print_json(document(account, results, args.fail_on, failed))
    elif args.format == "sarif":
        print_json(sarif_log(account, results))
    else:
        print_text(account, results, args.fail_on, failed)
    sys.stdout.flush()
    return EXIT_AWS_ERROR if failed else EXIT_OK


def _account_id(account: Account) -> str | None:
    for arn in [k.arn for k in account.keys] + [k.arn for k in account.skipped]:
        parts = arn.split(":")
        if len(parts) > 4:
            return parts[4]
    return None


def _skipped(account: Account) -> list[dict]:
    return [
        {"keyId": k.key_id, "keyArn": k.arn, "aliases": list(k.aliases), "reason": k.reason}
        for k in account.skipped
    ]


def _counts(results: dict[str, list[Finding]]) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITIES, 0)
    for found in results.values():
        for f in found:
            counts[f.severity] = counts.get(f.severity, 0) + 1
    return counts


def document(
    account: Account, results: dict[str, list[Finding]], fail_on: str, failed: bool
) -> dict:
    """The audit as one JSON document."""
    return {
        "account": _account_id(account),
        "region": account.region,
        "keys": [
            {
                "keyId": key.key_id,
                "keyArn": key.arn,
                "aliases": list(key.aliases),
                "findings": [f.to_json() for f in results[key.arn]],
            }
            for key in account.keys
        ],
        "skipped": _skipped(account),
        "summary": _counts(results),
        "failOn": fail_on.upper(),
        "failed": failed,
    }


def sarif_log(account: Account, results: dict[str, list[Finding]]) -> dict:
    """SARIF 2.1.0: a result per finding, located at its key's ARN."""
    from kmstui.commands.policy import sarif

    by_arn = {key.arn: key for key in account.keys}
    log = sarif(
        results,
        properties=lambda arn: {
            "keyId": by_arn[arn].key_id,
            "aliases": list(by_arn[arn].aliases),
        },
    )
    run = log["runs"][0]
    run["properties"] = {
        "account": _account_id(account),
        "region": account.region,
        "skipped": _skipped(account),
    }
    return log


def print_text(
    account: Account, results: dict[str, list[Finding]], fail_on: str, failed: bool
) -> None:
    where = " ".join(part for part in (_account_id(account), account.region) if part)
    count = len(account.keys)
    print(f"Key policies of {count} customer managed key{'' if count == 1 else 's'} in {where}")
    for key in account.keys:
        aliases = f" ({', '.join(key.aliases)})" if key.aliases else ""
        found = results[key.arn]
        print(f"{key.key_id}{aliases}: " + (f"{len(found)} findings" if found else "no findings"))
        for f in found:
            start = f.span.start
            print(f"  {key.key_id}:{start.line}:{start.column}: {f.severity} {f.code} {f.message}")
    for skipped in account.skipped:
        aliases = f" ({', '.join(skipped.aliases)})" if skipped.aliases else ""
        print(f"skipped {skipped.key_id}{aliases}: {skipped.reason}")
    counts = ", ".join(f"{n} {severity}" for severity, n in _counts(results).items())
    verdict = "fails" if failed else "passes"
    print(f"{counts}; the audit {verdict} at --fail-on {fail_on}")
