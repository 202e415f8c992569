"""``kmstui call OPERATION [JSON | - | @FILE]``: one KMS, EC2 or IAM operation by its
AWS name, input and output as the AWS JSON protocol has them.

Exit 0 on success (the response on stdout), 1 on an AWS error (its ``{"__type",
"message"}`` on stdout), 2 on a usage error or unreadable input."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kmstui.caller import Caller
from kmstui.commands.common import (
    EXIT_AWS_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    CannotOpen,
    add_data_dir,
    fail,
    open_engine,
    print_json,
)
from kmstui.errors import AwsError, SerializationException
from kmstui.opening import REGION
from kmstui.protocol import decode_request, encode_response, parse_request

# What an AWS Region name looks like (us-east-1, eu-central-2, us-gov-west-1 ...).


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "call",
        help="run one KMS, EC2 or IAM operation by its AWS name",
        description="Run one operation, e.g. kmstui call Encrypt "
        '\'{"KeyId": "alias/app", "Plaintext": "aGk="}\'. Blobs are base64; '
        "timestamps are epoch seconds.",
    )
    parser.add_argument("operation", help="AWS operation name, e.g. CreateKey, DescribeVolumes")
    parser.add_argument(
        "input", nargs="?", default=None, help="request JSON, '-' for stdin, or @FILE (default: {})"
    )
    parser.add_argument(
        "--as",
        dest="principal",
        metavar="ARN",
        help="caller principal ARN (default: the account's root user)",
    )
    parser.add_argument(
        "--region",
        help="Region of the request (default: AWS_REGION, AWS_DEFAULT_REGION, region in "
        "config.toml, else us-east-1)",
    )
    parser.add_argument(
        "--endpoint-url",
        metavar="URL",
        help="send the operation (KMS, STS, IAM or EC2) to a running kmstui server instead",
    )
    add_data_dir(parser)
    parser.set_defaults(handler=run)


def read_input(text: str | None) -> dict:
    """Parse the request from an argument, stdin or a file; ValueError says why not."""
    if text is None:
        return {}
    raw: str | bytes
    if text == "-":
        raw = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
    elif text.startswith("@"):
        try:
            raw = Path(text[1:]).read_bytes()
        except OSError as exc:
            raise ValueError(f"cannot read {text[1:]}: {exc.strerror}") from None
    else:
        raw = text
    try:
        return parse_request(raw, "input")
    except SerializationException as exc:
        raise ValueError(exc.message) from None


def shown(text: str, limit: int = 64) -> str:
    """``text`` as a message can print it (lone surrogates escaped, cut short)."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def run(args: argparse.Namespace) -> int:
    if args.region is not None and not REGION.fullmatch(args.region):
        return fail(f"--region: not a Region name (such as us-east-1): {shown(args.region)}")
    if args.principal is not None and shown(args.principal, len(args.principal)) != args.principal:
        return fail(f"--as: not a principal ARN (it is not valid text): {shown(args.principal)}")
    try:
        request = read_input(args.input)
    except ValueError as exc:
        return fail(str(exc))
    if args.endpoint_url:
        from kmstui.commands.remote import call_endpoint

        return call_endpoint(args.endpoint_url, args.operation, request, args)
    try:
        engine = open_engine(args, command="kmstui call")
    except CannotOpen as exc:
        return fail(str(exc))
    try:
        if args.principal:
            try:
                caller = Caller.for_arn(args.principal, args.region or engine.region)
            except ValueError as exc:
                return fail(str(exc))
        else:
            caller = engine.root_caller(args.region)
        try:
            response = engine.call(args.operation, decode_request(request), caller=caller)
        except AwsError as exc:
            print_json(exc.to_json())
            return EXIT_AWS_ERROR
        print_json(encode_response(response))
        return EXIT_OK
    finally:
        engine.close()


__all__ = ["register", "run", "EXIT_USAGE"]
