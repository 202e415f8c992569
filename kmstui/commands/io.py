"""``kmstui io VOLUME_ID [--rw MODE] [--bs 4k] [--runtime 10s] ...``: a fio-like job on
an attached volume, with a summary of MiB/s, IOPS and latency percentiles.

The volume must be attached (``kmstui call AttachVolume ...``); this command is a
new engine process, so the volume's data key is decrypted through KMS again
first, as after a host restart. Exit 0 on success, 1 on an AWS error (its
``{"__type", "message"}`` on stdout), 2 on a usage error."""

from __future__ import annotations

import argparse
import sys

from kmstui.clock import parse_duration
from kmstui.commands.common import (
    EXIT_AWS_ERROR,
    EXIT_OK,
    CannotOpen,
    add_data_dir,
    fail,
    open_engine,
    print_json,
)
from kmstui.errors import AwsError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "io",
        help="run an I/O workload on an attached volume (fio-like)",
        description="Run an I/O job on an attached volume and print MiB/s, IOPS and latency "
        "p50/p99/p99.9. Sizes are binary: 4k = 4096 bytes, 1m = 1 MiB.",
    )
    parser.add_argument("volume_id", metavar="VOLUME_ID", help="an attached volume, vol-...")
    parser.add_argument(
        "--rw",
        default="randread",
        choices=("read", "write", "randread", "randwrite", "randrw"),
        help="access pattern (default randread)",
    )
    parser.add_argument("--bs", default="4k", help="block size (default 4k)")
    parser.add_argument(
        "--size", default=None, help="bytes to cover (default: the whole volume after --offset)"
    )
    parser.add_argument("--offset", default="0", help="where the job's region starts")
    parser.add_argument(
        "--runtime",
        default="10s",
        help="stop after this long (default 10s; 0: when --size is done)",
    )
    parser.add_argument(
        "--iodepth",
        type=int,
        default=1,
        help="requests issued together, as one readv/writev (default 1)",
    )
    parser.add_argument(
        "--rwmixread", type=int, default=50, help="share of reads in randrw, percent (default 50)"
    )
    parser.add_argument(
        "--rate-iops", type=int, default=None, metavar="N", help="cap the job at N IOPS"
    )
    parser.add_argument(
        "--rate-mib", type=float, default=None, metavar="N", help="cap the job at N MiB/s"
    )
    parser.add_argument(
        "--verify",
        action="store_true",
        help="instead of a timed job: write --pattern over --offset/--size, read it back "
        "and report the bytes that differ (exit 1 if any)",
    )
    parser.add_argument(
        "--verify-only",
        action="store_true",
        help="like --verify without writing: check data written before, e.g. over NBD",
    )
    parser.add_argument(
        "--pattern",
        default=None,
        help="for --verify: a byte (0xab, as qemu-io -P writes) or 'offset' (default: each "
        "512-byte sector stamped with its offset)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_data_dir(parser)
    parser.set_defaults(handler=run)


def build_spec(args: argparse.Namespace) -> dict:
    """The workload spec from the options; ValueError says what is wrong."""
    from kmstui.ebs.workloads import parse_size

    runtime = parse_duration(args.runtime)
    spec = {
        "rw": args.rw,
        "bs": parse_size(args.bs),
        "offset": parse_size(args.offset),
        "runtime": runtime or None,
        "iodepth": args.iodepth,
        "rwmixread": args.rwmixread,
        "rate_iops": args.rate_iops,
        "rate_mib": args.rate_mib,
    }
    if args.size is not None:
        spec["size"] = parse_size(args.size)
    return spec


def summary_text(result: dict, limit: dict | None) -> str:
    """fio-like lines: per direction IOPS, bandwidth and completion-latency percentiles."""
    from kmstui.ebs.workloads import format_size

    spec = result["Spec"]
    lines = [
        f"{result['VolumeId']}: (rw={spec['rw']}, bs={format_size(spec['bs'])}, "
        f"iodepth={spec['iodepth']}, size={format_size(spec['size'])}) "
        f"{result['State']} after {result['RuntimeSeconds']:.2f}s"
    ]
    for name in ("Read", "Write"):
        part = result[name]
        if not part["Ios"]:
            continue
        latency = part["LatencyUs"]
        lines.append(
            f"  {name.lower()}: IOPS={part['Iops']:.0f}, BW={part['MiBps']:.1f}MiB/s "
            f"({part['Bytes'] / 1048576:.1f}MiB/{result['RuntimeSeconds']:.2f}s)"
        )
        lines.append(
            f"    clat (usec): p50={latency['p50']}, p99={latency['p99']}, p99.9={latency['p99.9']}"
        )
    if limit and (limit.get("Iops") or limit.get("MiBps")):
        parts = [
            f"{limit['Iops']} IOPS" if limit.get("Iops") else None,
            f"{limit['MiBps']:g} MiB/s" if limit.get("MiBps") else None,
        ]
        lines.append(
            f"  volume limit: {', '.join(p for p in parts if p)} "
            "(on plaintext I/O, before encryption)"
        )
    if result.get("Error"):
        lines.append(f"  error: {result['Error']}")
    return "\n".join(lines)


def run_verify(args: argparse.Namespace) -> int:
    from kmstui.ebs.verify import parse_pattern, verify
    from kmstui.ebs.workloads import parse_size

    try:
        pattern = parse_pattern(args.pattern)
        offset = parse_size(args.offset)
        size = parse_size(args.size) if args.size is not None else None
    except ValueError as exc:
        return fail(str(exc))
    try:
        engine = open_engine(args, command="kmstui io")
    except CannotOpen as exc:
        return fail(str(exc))
    try:
        try:
            device = engine.ec2.volume_device(args.volume_id)
        except AwsError as exc:
            print_json(exc.to_json())
            return EXIT_AWS_ERROR
        length = device.size - offset if size is None else size
        try:
            result = verify(device, offset, length, pattern=pattern, write=not args.verify_only)
        except ValueError as exc:
            return fail(str(exc))
        if args.json:
            print_json({"VolumeId": args.volume_id, **result.to_json()})
        else:
            action = "wrote and read back" if result.written else "read back"
            verdict = (
                "all as expected"
                if result.ok
                else f"{result.mismatched_bytes} bytes differ, the first at offset "
                f"{result.first_mismatch}"
            )
            sys.stdout.write(
                f"{args.volume_id}: verify {action} {result.length} bytes at offset "
                f"{result.offset}: {verdict}\n"
            )
        return EXIT_OK if result.ok else EXIT_AWS_ERROR
    finally:
        engine.ec2.close()
        engine.close()


def run(args: argparse.Namespace) -> int:
    if args.verify or args.verify_only:
        return run_verify(args)
    try:
        spec = build_spec(args)
    except ValueError as exc:
        return fail(str(exc))
    try:
        engine = open_engine(args, command="kmstui io")
    except CannotOpen as exc:
        return fail(str(exc))
    try:
        ec2 = getattr(engine, "ec2", None)
        if ec2 is None:
            return fail("this engine has no EC2 service")
        try:
            job = ec2.workloads.start(args.volume_id, spec)
        except AwsError as exc:
            print_json(exc.to_json())
            return EXIT_AWS_ERROR
        except ValueError as exc:
            return fail(str(exc))
        try:
            while not job.wait(0.2):
                pass
        except KeyboardInterrupt:
            job.stop()
        result = job.result()
        limit = ec2.metrics.snapshot(args.volume_id).get("RateLimit")
        if args.json:
            print_json({**result, "RateLimit": limit})
        else:
            sys.stdout.write(summary_text(result, limit) + "\n")
        return EXIT_OK if result["State"] != "failed" else EXIT_AWS_ERROR
    finally:
        ec2 = getattr(engine, "ec2", None)
        if ec2 is not None:
            ec2.close()
        engine.close()


__all__ = ["register", "run"]
