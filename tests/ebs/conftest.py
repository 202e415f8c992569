"""Fixtures for the EC2 service: engines with the service wired, instances and
volumes, restarts, and the event stream."""

from __future__ import annotations

import itertools
import json

import pytest

from kmstui.entropy import Entropy
from kmstui.errors import AwsError

ACCOUNT = "111122223333"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"


class Ebs:
    """An engine with the EC2 service, and the events it has published."""

    def __init__(self, opener):
        self._opener = opener
        self._restarts = itertools.count(1)
        self.engine = None
        self.events: list[dict] = []
        self.open()

    def open(self, **kwargs):
        self.engine = self._opener(**kwargs)
        self.events = []
        self.engine.events.subscribe(self.events.append)
        return self.engine

    @property
    def ec2(self):
        return self.engine.ec2

    def call(self, operation: str, params: dict | None = None, caller=None) -> dict:
        return self.engine.call(operation, params or {}, caller=caller)

    def restart(self):
        """A host restart: close the engine (wiping every DEK) and open the same
        directories in a new engine (fresh entropy, so new ids do not repeat)."""
        self.engine.ec2.close()
        self.engine.close()
        return self.open(entropy=Entropy(f"restart-{next(self._restarts)}"))

    def named(self, name: str, source: str | None = None) -> list[dict]:
        return [
            e
            for e in self.events
            if e["eventName"] == name and (source is None or e["eventSource"] == source)
        ]

    # -- common steps ---------------------------------------------------------------------
    def instance(self, **params) -> str:
        reservation = self.call(
            "RunInstances", {"ImageId": "ami-0abc1234", "MinCount": 1, "MaxCount": 1, **params}
        )
        return reservation["Instances"][0]["InstanceId"]

    def key(self, policy: dict | None = None, description: str = "test key") -> str:
        params = {"Description": description}
        if policy is not None:
            params["Policy"] = json.dumps(policy)
        return self.call("CreateKey", params)["KeyMetadata"]["Arn"]

    def volume(self, **params) -> str:
        request = {
            "Size": 1,
            "AvailabilityZone": "us-east-1a",
            "VolumeType": "gp3",
            "Encrypted": True,
            **params,
        }
        return self.call("CreateVolume", request)["VolumeId"]

    def attach(self, volume_id: str, instance_id: str, device: str = "/dev/sdf") -> dict:
        return self.call(
            "AttachVolume", {"VolumeId": volume_id, "InstanceId": instance_id, "Device": device}
        )

    def detach(self, volume_id: str) -> dict:
        return self.call("DetachVolume", {"VolumeId": volume_id})

    def describe(self, volume_id: str) -> dict:
        return self.call("DescribeVolumes", {"VolumeIds": [volume_id]})["Volumes"][0]


@pytest.fixture
def ebs(make_engine):
    world = Ebs(make_engine)
    yield world
    if world.engine is not None:
        world.engine.ec2.close()


@pytest.fixture
def attached(ebs):
    """An encrypted volume attached to a running instance: (volume id, instance id)."""
    instance_id = ebs.instance()
    volume_id = ebs.volume()
    ebs.attach(volume_id, instance_id)
    return volume_id, instance_id


def error_of(call) -> AwsError:
    """The AWS error ``call()`` raises."""
    with pytest.raises(AwsError) as caught:
        call()
    return caught.value


def default_policy(*extra: dict) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": ROOT},
                "Action": "kms:*",
                "Resource": "*",
            },
            *extra,
        ],
    }
