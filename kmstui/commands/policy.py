"""``kmstui policy validate`` and ``kmstui policy simulate``: the policy checker and
simulator for CI pipelines, without opening a data directory unless asked to.

validate: text (``FILE:LINE:COLUMN: SEVERITY CODE message``), JSON or SARIF 2.1.0;
exit 0 without an ERROR, 1 with one, 2 when a file cannot be read or usage is wrong.
audit (:mod:`kmstui.commands.audit`): every key policy of an account, for CI.
simulate: one case or a list; exit 0 when every case was evaluated, 1 when one could not
be, 2 when the file cannot be read."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from kmstui import __version__
from kmstui.commands.common import CannotOpen, add_data_dir, fail, open_engine, print_json
from kmstui.errors import SerializationException
from kmstui.protocol import loads

SARIF_LEVELS = {
    "ERROR": "error",
    "SECURITY_WARNING": "warning",
    "WARNING": "warning",
    "SUGGESTION": "note",
}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("policy", help="validate or simulate key and IAM policies")
    actions = parser.add_subparsers(dest="policy_command", metavar="ACTION", required=True)

    validate = actions.add_parser("validate", help="report errors and warnings with positions")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    validate.add_argument(
        "--caller", metavar="ARN", help="run the lockout safety check for this caller"
    )
    validate.add_argument("--bypass-policy-lockout-safety-check", action="store_true")
    validate.add_argument(
        "--identity",
        action="store_true",
        help="the files are IAM identity policies, not key policies",
    )
    add_data_dir(validate)
    validate.set_defaults(handler=run_validate)

    simulate = actions.add_parser("simulate", help="decide requests against policies")
    simulate.add_argument("file", metavar="FILE")
    simulate.add_argument("--format", choices=("text", "json"), default="text")
    simulate.set_defaults(handler=run_simulate)

    from kmstui.commands import audit

    audit.register(actions)


def run_validate(args: argparse.Namespace) -> int:
    from kmstui.policy import validate_policy

    texts: dict[str, str] = {}
    for name in args.files:
        try:
            texts[name] = Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return fail(f"cannot read {name}: {getattr(exc, 'strerror', None) or exc}")
    principal_exists = None
    engine = None
    if getattr(args, "data_dir", None):
        try:
            engine = open_engine(args, seed=False, command="kmstui policy validate")
        except CannotOpen as exc:
            return fail(str(exc))
        assert engine.iam is not None  # made with the engine
        principal_exists = engine.iam.principal_exists
    try:
        results = {
            name: validate_policy(
                text,
                policy_type="IDENTITY_POLICY" if args.identity else "KEY_POLICY",
                caller=args.caller,
                bypass_policy_lockout_safety_check=args.bypass_policy_lockout_safety_check,
                principal_exists=principal_exists,
            )
            for name, text in texts.items()
        }
    finally:
        if engine is not None:
            engine.close()
    if args.format == "json":
        print_json(
            [
                {"file": name, "findings": [f.to_json() for f in findings]}
                for name, findings in results.items()
            ]
        )
    elif args.format == "sarif":
        print_json(sarif(results))
    else:
        for name, findings in results.items():
            for f in findings:
                print(
                    f"{name}:{f.span.start.line}:{f.span.start.column}: "
                    f"{f.severity} {f.code} {f.message}"
                )
    errors = any(f.severity == "ERROR" for findings in results.values() for f in findings)
    return 1 if errors else 0


def sarif(results: dict, properties: Callable[[str], dict] | None = None) -> dict:
    """SARIF 2.1.0, as code-scanning tools read it: a result per finding, located at
    its artifact (a file, or a key ARN), with ``properties(artifact)`` added to it."""
    rules: dict[str, dict] = {}
    out = []
    for name, findings in results.items():
        for f in findings:
            rules.setdefault(
                f.code,
                {
                    "id": f.code,
                    "name": f.code.title().replace("_", ""),
                    "shortDescription": {"text": f.code.replace("_", " ").capitalize()},
                    "properties": {"severity": f.severity},
                },
            )
            out.append(
                {
                    "ruleId": f.code,
                    "level": SARIF_LEVELS.get(f.severity, "warning"),
                    "message": {"text": f.message},
                    "properties": {
                        "severity": f.severity,
                        **(properties(name) if properties else {}),
                    },
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": Path(name).as_posix()},
                                "region": {
                                    "startLine": f.span.start.line,
                                    "startColumn": f.span.start.column,
                                    "endLine": f.span.end.line,
                                    "endColumn": f.span.end.column,
                                },
                            }
                        }
                    ],
                }
            )
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "kmstui",
                        "version": __version__,
                        "rules": list(rules.values()),
                    }
                },
                "results": out,
            }
        ],
    }


def run_simulate(args: argparse.Namespace) -> int:
    from kmstui.policy import simulate_case

    try:
        cases = loads(Path(args.file).read_bytes(), args.file)
    except OSError as exc:
        return fail(f"cannot read {args.file}: {exc.strerror or exc}")
    except SerializationException as exc:  # not JSON, too deep, not Unicode ...
        return fail(exc.message)
    single = isinstance(cases, dict)
    if single:
        cases = [cases]
    if not isinstance(cases, list):
        return fail(f"{args.file} must hold one case or a list of cases")
    results, failed = [], False
    for case in cases:
        try:
            results.append(simulate_case(case))
        except (KeyError, TypeError, ValueError) as exc:
            failed = True
            results.append({"error": f"cannot evaluate this case: {exc}"})
    if args.format == "json":
        print_json(results)
    else:
        for index, (case, result) in enumerate(zip(cases, results, strict=True), 1):
            label = case.get("name", f"case {index}") if isinstance(case, dict) else index
            if "error" in result:
                print(f"{label}: ERROR {result['error']}")
                continue
            matched = result["explanation"]["matched"]
            by = ", ".join(str(m.get("statement", m.get("grant_id"))) for m in matched)
            print(f"{label}: {result['decision']}" + (f" (matched: {by})" if by else ""))
            if result["explanation"].get("note"):
                print(f"  {result['explanation']['note']}")
    sys.stdout.flush()
    return 1 if failed else 0
