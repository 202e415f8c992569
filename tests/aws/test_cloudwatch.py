"""Attached volumes and their throughput on an AWS account (moto's EC2 and CloudWatch):
rates are a minute's Sum over 60 seconds, at CloudWatch's 1-minute points, read in the
background so the Monitor's reads never wait on a request."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from kmstui.aws.cloudwatch import MIB, RESOLUTION, CloudWatchVolumes

REGION = "eu-west-1"


@pytest.fixture
def aws(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield


def attached_volume(ec2) -> tuple[str, str, str]:
    """An instance (its root volume attached) with one more attached volume and one
    that is not: (volume, instance, spare volume)."""
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]
    zone = instance["Placement"]["AvailabilityZone"]
    volume = ec2.create_volume(Size=8, AvailabilityZone=zone, Encrypted=True)["VolumeId"]
    spare = ec2.create_volume(Size=8, AvailabilityZone=zone)["VolumeId"]
    ec2.attach_volume(VolumeId=volume, InstanceId=instance["InstanceId"], Device="/dev/sdf")
    return volume, instance["InstanceId"], spare


def put_minute(cloudwatch, volume: str, at: float, **sums: float) -> None:
    """EBS's Sums for one minute of a volume, as CloudWatch keeps them."""
    cloudwatch.put_metric_data(
        Namespace="AWS/EBS",
        MetricData=[
            {
                "MetricName": name,
                "Dimensions": [{"Name": "VolumeId", "Value": volume}],
                "Timestamp": datetime.fromtimestamp(at, UTC),
                "Value": value,
            }
            for name, value in sums.items()
        ],
    )


def volumes_reader(now: float) -> CloudWatchVolumes:
    return CloudWatchVolumes(
        lambda region: boto3.client("ec2", region_name=region),
        lambda region: boto3.client("cloudwatch", region_name=region),
        REGION,
        clock=lambda: now,
    )


def test_rates_are_each_minutes_sum_over_sixty_seconds(aws):
    ec2 = boto3.client("ec2", region_name=REGION)
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    volume, instance, _spare = attached_volume(ec2)
    now = float(int(time.time() // 60) * 60)  # a minute's start
    put_minute(
        cloudwatch,
        volume,
        now - 180,
        VolumeReadBytes=60 * MIB,
        VolumeWriteBytes=120 * MIB,
        VolumeReadOps=600,
        VolumeWriteOps=1200,
    )
    # no point for now - 120: a minute CloudWatch has nothing for reads as zero
    put_minute(
        cloudwatch,
        volume,
        now - 60 + 5,
        VolumeReadBytes=6 * MIB,
        VolumeWriteBytes=0,
        VolumeReadOps=30,
        VolumeWriteOps=90,
    )
    reader = volumes_reader(now)
    reader.refresh()
    assert reader.problem is None
    assert reader._attached[volume] == instance
    assert _spare not in reader._attached
    with reader._lock:
        points = reader._points[volume]
    assert [at for at, _rates in points] == [now - 180, now - 120, now - 60]
    newest = points[-1][1]
    assert newest == {"ReadMiBps": 0.1, "WriteMiBps": 0.0, "ReadIops": 0.5, "WriteIops": 1.5}
    try:
        assert reader.snapshot(volume) == newest
        assert reader.attached() == reader._attached
        assert reader.series(volume, 3600) == [
            {"ReadMiBps": 1.0, "WriteMiBps": 2.0, "Iops": 30.0},
            {"ReadMiBps": 0.0, "WriteMiBps": 0.0, "Iops": 0.0},
            {"ReadMiBps": 0.1, "WriteMiBps": 0.0, "Iops": 2.0},
        ]
        assert reader.series(volume, 60) == [{"ReadMiBps": 0.1, "WriteMiBps": 0.0, "Iops": 2.0}]
        assert reader.snapshot("vol-none") == {} and reader.series("vol-none", 60) == []
    finally:
        reader.close()


def test_the_resolution_says_what_the_figures_are(aws):
    now = 1_800_000_184.0  # 08:03:04
    reader = volumes_reader(now)
    assert reader.resolution() == f"{RESOLUTION} · not read yet"
    reader.refresh()
    assert reader.resolution() == (
        "CloudWatch AWS/EBS, 1-minute points, minutes behind · as of 08:03:04 UTC"
    )


def test_reads_answer_at_once_and_the_refresher_fills_them_in_the_background(aws):
    ec2 = boto3.client("ec2", region_name=REGION)
    volume, instance, _spare = attached_volume(ec2)
    started = threading.Event()
    release = threading.Event()

    def slow_ec2(region: str):
        started.set()
        release.wait(5)
        return boto3.client("ec2", region_name=region)

    reader = CloudWatchVolumes(
        slow_ec2, lambda region: boto3.client("cloudwatch", region_name=region), REGION
    )
    try:
        begun = time.monotonic()
        assert reader.attached() == {}  # nothing read yet, and no wait for it
        assert reader.snapshot(volume) == {}
        assert time.monotonic() - begun < 1
        assert started.wait(5)
        release.set()
        deadline = time.monotonic() + 5
        while volume not in reader.attached() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert reader.attached()[volume] == instance
        assert reader.as_of is not None
    finally:
        reader.close()
    assert reader._thread is None


def test_throttling_is_shown_and_backs_off():
    cloudwatch = boto3.client(
        "cloudwatch",
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )

    class OneVolume:
        def describe_volumes(self, **params):
            return {
                "Volumes": [
                    {
                        "VolumeId": "vol-1",
                        "Attachments": [{"State": "attached", "InstanceId": "i-1"}],
                    }
                ]
            }

    reader = CloudWatchVolumes(
        lambda region: OneVolume(), lambda region: cloudwatch, REGION, refresh_every=60.0
    )
    with Stubber(cloudwatch) as stubber:
        stubber.add_client_error(
            "get_metric_data", service_error_code="Throttling", service_message="Rate exceeded"
        )
        reader.refresh()
    assert reader.wait == 120.0
    assert "read throttled (Throttling: Rate exceeded)" in reader.resolution()
    assert reader._attached == {}  # nothing half-read is shown


def test_switching_region_forgets_the_other_regions_volumes(aws):
    ec2 = boto3.client("ec2", region_name=REGION)
    attached_volume(ec2)
    reader = volumes_reader(time.time())
    reader.refresh()
    assert reader._attached
    reader.set_region("us-east-1")
    assert reader._attached == {}
    reader.refresh()
    assert reader._attached == {}
    assert reader.region == "us-east-1"


def test_the_refresher_rests_while_nothing_reads_the_figures(monkeypatch):
    import kmstui.aws.cloudwatch as cloudwatch_module

    monkeypatch.setattr(cloudwatch_module, "REST_AFTER", 0.3)
    described: list[float] = []

    class Ec2:
        def describe_volumes(self, **params):
            described.append(time.monotonic())
            return {"Volumes": []}

    reader = CloudWatchVolumes(
        lambda region: Ec2(), lambda region: None, REGION, refresh_every=0.05
    )
    try:
        reader.attached()
        deadline = time.monotonic() + 5
        while len(described) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(described) >= 3  # refreshed while read
        time.sleep(0.6)  # no reads: it rests
        rested = len(described)
        time.sleep(0.3)
        assert len(described) == rested
        reader.attached()  # read again: it wakes
        deadline = time.monotonic() + 5
        while len(described) == rested and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(described) > rested
    finally:
        reader.close()
