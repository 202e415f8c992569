"""Sample data for a new data directory: the account's principals, the seed key policy
verbatim on a CMK with an alias, a second key, an instance and an encrypted volume.

The sample files are written for the account and Region ``seed.json`` names; seeding
writes them into the engine's own account and Region (every ARN in the policies is
rewritten to name them), so any ``--account-id`` gets a sample it can use.

Seeding goes through ``engine.call`` like any other client, so the sample is only
ever what the AWS operations could have made. Sections whose service is not in the
engine are skipped."""

from __future__ import annotations

import json
from pathlib import Path

from kmstui import paths


def sample_dir() -> Path:
    return paths.resource_dir("sample_data")


def seed_policy_text(account: str | None = None, region: str | None = None) -> str:
    """The seed key policy: exactly as shipped, or written for ``account`` and
    ``region`` (those of the sample when not given)."""
    return _Sample(_spec(), account, region).policy("seed-key-policy.json")


def _spec() -> dict:
    return json.loads((sample_dir() / "seed.json").read_text(encoding="utf-8"))


class _Sample:
    """The sample's files, written for one account and Region."""

    def __init__(self, spec: dict, account: str | None, region: str | None):
        self.account = spec["account"]
        self.region = spec["region"]
        self.to_account = account or self.account
        self.to_region = region or self.region

    def policy(self, name: str) -> str:
        text = (sample_dir() / name).read_text(encoding="utf-8")
        if (self.to_account, self.to_region) == (self.account, self.region):
            return text  # verbatim
        # An ARN names the Region and the account together (":us-east-1:111122223333:");
        # a principal ARN names the account alone (IAM is global).
        text = text.replace(
            f":{self.region}:{self.account}:", f":{self.to_region}:{self.to_account}:"
        )
        return text.replace(f"::{self.account}:", f"::{self.to_account}:")


def seed_if_new(engine) -> bool:
    """Seed a new data directory: one that had no database file when the engine opened
    it. Never an existing database, whatever it holds.

    All or nothing: the sample is written with the database's first write, so a
    failure part way leaves the directory as new as it was (the exception is raised)."""
    store = engine.store
    if not store.fresh or store.meta.get("seeded"):
        return False
    try:
        with store.transaction():
            seed(engine)
    except BaseException:
        store.discard_new()
        raise
    return True


def seed(engine) -> None:
    spec = _spec()
    sample = _Sample(spec, engine.account, engine.region)
    ops = set(engine.operations)
    if "CreateUser" in ops:
        _seed_iam(engine, spec["iam"], sample)
    for key_spec in spec["keys"]:
        params = {"Description": key_spec["Description"], "Tags": key_spec.get("Tags", [])}
        if key_spec.get("policy_file"):
            params["Policy"] = sample.policy(key_spec["policy_file"])
        key_id = engine.call("CreateKey", params)["KeyMetadata"]["KeyId"]
        engine.call("CreateAlias", {"AliasName": key_spec["alias"], "TargetKeyId": key_id})
        if key_spec.get("rotation_days"):
            engine.call(
                "EnableKeyRotation",
                {"KeyId": key_id, "RotationPeriodInDays": key_spec["rotation_days"]},
            )
    if "RunInstances" in ops:
        _seed_ec2(engine, spec["ec2"])
    engine.store.update_meta(seeded=True)


def _seed_iam(engine, spec: dict, sample: _Sample) -> None:
    from kmstui.caller import Caller

    def principals(caller, users, roles):
        for user in users:
            engine.call("CreateUser", {"UserName": user["UserName"]}, caller=caller)
            for name, file in user.get("policies", {}).items():
                engine.call(
                    "PutUserPolicy",
                    {
                        "UserName": user["UserName"],
                        "PolicyName": name,
                        "PolicyDocument": sample.policy(file),
                    },
                    caller=caller,
                )
        for role in roles:
            engine.call(
                "CreateRole",
                {
                    "RoleName": role["RoleName"],
                    "AssumeRolePolicyDocument": _trust_policy(caller.account),
                },
                caller=caller,
            )
            for name, file in role.get("policies", {}).items():
                engine.call(
                    "PutRolePolicy",
                    {
                        "RoleName": role["RoleName"],
                        "PolicyName": name,
                        "PolicyDocument": sample.policy(file),
                    },
                    caller=caller,
                )

    principals(engine.root_caller(), spec.get("users", []), spec.get("roles", []))
    second = spec.get("second_account")
    if second and second["account"] != engine.account:
        principals(
            Caller.root(second["account"], engine.region),
            second.get("users", []),
            second.get("roles", []),
        )


def _trust_policy(account: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def _seed_ec2(engine, spec: dict) -> None:
    instances: dict[str, str] = {}
    for instance in spec.get("instances", []):
        reservation = engine.call(
            "RunInstances",
            {
                "ImageId": "ami-0kmstui00000000",
                "InstanceType": instance["InstanceType"],
                "MinCount": 1,
                "MaxCount": 1,
                "TagSpecifications": [
                    {
                        "ResourceType": "instance",
                        "Tags": [{"Key": "Name", "Value": instance["tag"]}],
                    }
                ],
            },
        )
        instances[instance["tag"]] = reservation["Instances"][0]["InstanceId"]
    for volume in spec.get("volumes", []):
        created = engine.call(
            "CreateVolume",
            {
                "Size": volume["Size"],
                "VolumeType": volume["VolumeType"],
                "AvailabilityZone": f"{engine.region}a",
                "Encrypted": True,
                "KmsKeyId": volume["key_alias"],
            },
        )
        if volume.get("attach_to"):
            engine.call(
                "AttachVolume",
                {
                    "VolumeId": created["VolumeId"],
                    "InstanceId": instances[volume["attach_to"]],
                    "Device": volume["Device"],
                },
            )
