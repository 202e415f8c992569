"""``kmstui io``: a job on an attached volume from a new process (a host restart:
the data key is decrypted through KMS again), fio-like output, and exit codes."""

from __future__ import annotations

import json

import pytest

from kmstui import cli


def kmstui(capsys, *argv) -> tuple[int, str]:
    code = cli.main(list(argv))
    return code, capsys.readouterr().out


def call(capsys, operation: str, params: dict | None = None) -> dict:
    code, out = kmstui(capsys, "call", operation, json.dumps(params or {}))
    assert code == 0, out
    return json.loads(out)


@pytest.fixture
def attached_volume(capsys) -> str:
    instance = call(
        capsys, "RunInstances", {"ImageId": "ami-0abc1234", "MinCount": 1, "MaxCount": 1}
    )["Instances"][0]["InstanceId"]
    volume = call(
        capsys,
        "CreateVolume",
        {"Size": 1, "AvailabilityZone": "us-east-1a", "VolumeType": "gp3", "Encrypted": True},
    )["VolumeId"]
    call(capsys, "AttachVolume", {"VolumeId": volume, "InstanceId": instance, "Device": "/dev/sdh"})
    return volume


def test_io_after_attach_in_another_command_prints_one_json_summary(capsys, attached_volume):
    code, out = kmstui(
        capsys,
        "io",
        attached_volume,
        "--rw",
        "randwrite",
        "--bs",
        "4k",
        "--runtime",
        "0.3s",
        "--size",
        "8m",
        "--json",
    )
    assert code == 0
    result = json.loads(out)
    assert result["VolumeId"] == attached_volume and result["State"] == "finished"
    assert result["Write"]["MiBps"] > 0 and result["Write"]["Iops"] > 0
    assert set(result["Write"]["LatencyUs"]) == {"p50", "p99", "p99.9"}
    assert result["Spec"]["bs"] == 4096 and result["Spec"]["size"] == 8 << 20


def test_io_decrypts_the_data_key_again_as_the_instance(capsys, attached_volume):
    kmstui(capsys, "io", attached_volume, "--rw", "read", "--size", "64k", "--json")
    code, out = kmstui(capsys, "events", "--json")
    events = [json.loads(line) for line in out.splitlines()]
    decrypts = [
        e
        for e in events
        if e["eventName"] == "Decrypt" and attached_volume in json.dumps(e["requestParameters"])
    ]
    assert len(decrypts) == 2  # on attach, then on the io command's first I/O
    assert all("aws:ec2-infrastructure" in e["userIdentity"]["arn"] for e in decrypts)
    assert [e["eventName"] for e in events].count("DataKeyWiped") >= 2


def test_io_prints_a_fio_like_summary(capsys, attached_volume):
    code, out = kmstui(
        capsys,
        "io",
        attached_volume,
        "--rw",
        "randrw",
        "--bs",
        "4k",
        "--runtime",
        "0.3s",
        "--iodepth",
        "4",
        "--rate-iops",
        "500",
    )
    assert code == 0
    assert "read: IOPS=" in out and "write: IOPS=" in out and "clat (usec): p50=" in out
    assert "3000 IOPS, 125 MiB/s" in out


def test_io_on_an_unattached_volume_is_an_aws_error(capsys):
    volume = call(capsys, "CreateVolume", {"Size": 1, "AvailabilityZone": "us-east-1a"})
    code, out = kmstui(capsys, "io", volume["VolumeId"], "--runtime", "0.1s")
    assert code == 1
    assert json.loads(out)["__type"] == "IncorrectState"


def test_io_with_a_bad_size_is_a_usage_error(capsys, attached_volume):
    code, _ = kmstui(capsys, "io", attached_volume, "--bs", "four")
    assert code == 2


def test_sample_volume_is_attached_and_takes_io(capsys):
    volumes = call(
        capsys, "DescribeVolumes", {"Filters": [{"Name": "status", "Values": ["in-use"]}]}
    )
    [volume] = volumes["Volumes"]
    code, out = kmstui(capsys, "io", volume["VolumeId"], "--size", "1m", "--json")
    assert code == 0 and json.loads(out)["Read"]["Bytes"] == 1 << 20
