"""Helpers the live-view tests share."""

from __future__ import annotations

from kmstui.ui.live.feed import FixedFeed, ThroughputSample, VolumeSeries
from tests.workers import settle, wait_until

__all__ = ["fixed_feed", "make_story", "settle", "wait_until"]


def make_story(engine) -> dict:
    """A key, an instance and two volumes, one attached: the same ids every run."""
    key_id = engine.call("CreateKey", {"Description": "volumes"})["KeyMetadata"]["KeyId"]
    engine.call("CreateAlias", {"AliasName": "alias/ebs-volumes", "TargetKeyId": key_id})
    instance = engine.call(
        "RunInstances",
        {
            "ImageId": "ami-0kmstui00000000",
            "MinCount": 1,
            "MaxCount": 1,
            "Placement": {"AvailabilityZone": "us-east-1a"},
        },
    )["Instances"][0]["InstanceId"]
    attached = engine.call(
        "CreateVolume",
        {
            "Size": 8,
            "VolumeType": "gp3",
            "AvailabilityZone": "us-east-1a",
            "Encrypted": True,
            "KmsKeyId": "alias/ebs-volumes",
        },
    )["VolumeId"]
    spare = engine.call(
        "CreateVolume",
        {
            "Size": 20,
            "VolumeType": "gp2",
            "AvailabilityZone": "us-east-1a",
            "Encrypted": True,
            "KmsKeyId": "alias/ebs-volumes",
        },
    )["VolumeId"]
    engine.call(
        "AttachVolume", {"VolumeId": attached, "InstanceId": instance, "Device": "/dev/sdf"}
    )
    return {"key_id": key_id, "instance": instance, "attached": attached, "spare": spare}


def wave(n: int, top: float, phase: int = 0) -> list[float]:
    """A fixed, gently varying series for graphs."""
    shape = [0.55, 0.7, 0.85, 1.0, 0.9, 0.75, 0.6, 0.8]
    return [round(top * shape[(i + phase) % len(shape)], 3) for i in range(n)]


def fixed_feed(engine, story: dict, *, events: list[dict] | None = None) -> FixedFeed:
    """The engine's events so far, aliases from its KMS, and fixed throughput."""
    records = list(events if events is not None else engine.events.recent)
    aliases = {}
    for key in engine.kms.all_keys():
        names = engine.kms.aliases_of(key["KeyId"])
        if names:
            aliases[key["KeyId"]] = names[0]["AliasName"]
    volume = story["attached"]
    return FixedFeed(
        events=records,
        aliases=aliases,
        volumes={volume: story["instance"]},
        samples={volume: ThroughputSample(1.95, 1.91, 500.0, 489.0, 412.0, 733.0, 1210.0)},
        graphs={volume: VolumeSeries(wave(600, 1.95), wave(600, 1.91, 3), wave(600, 989.0, 5))},
        kms_series=[float(x) for x in wave(60, 1000.0, 1)],
    )
