"""EC2 on the endpoint over its Query protocol: an instance, an encrypted volume made
with a customer managed key (the seed's key policy) named by alias, attached (the key's
Decrypt in the event stream) and detached, from boto3 and the aws CLI; VolumeId.N lists,
<item> members and EC2's <Response><Errors> XML."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from .query_helpers import aws_json, client, query_post, text

EC2_NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/"
ZONE = "us-east-1a"


SEED_POLICY = Path(__file__).resolve().parents[2] / "sample_data" / "seed-key-policy.json"


def _key_with_alias(api) -> tuple[str, str]:
    """A customer managed key with the seed's key policy, named by a new alias."""
    kms = client(api, "kms")
    policy = SEED_POLICY.read_text(encoding="utf-8")
    key = kms.create_key(Description="volumes", Policy=policy)["KeyMetadata"]
    alias = f"alias/volumes-{uuid.uuid4().hex[:8]}"
    kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    return key["Arn"], alias


def _instance(ec2) -> str:
    made = ec2.run_instances(
        ImageId="ami-12345678",
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.micro",
        Placement={"AvailabilityZone": ZONE},
    )
    return made["Instances"][0]["InstanceId"]


def test_encrypted_volume_lifecycle_with_boto3(api):
    key_arn, alias = _key_with_alias(api)
    ec2 = client(api, "ec2")
    instance = _instance(ec2)
    assert instance.startswith("i-")
    volume = ec2.create_volume(AvailabilityZone=ZONE, Size=1, Encrypted=True, KmsKeyId=alias)
    assert volume["Encrypted"] is True and volume["KmsKeyId"] == key_arn
    volume_id = volume["VolumeId"]

    seen = []
    unsubscribe = api.engine.events.subscribe(seen.append)
    try:
        attached = ec2.attach_volume(VolumeId=volume_id, InstanceId=instance, Device="/dev/sdf")
    finally:
        unsubscribe()
    assert (attached["VolumeId"], attached["InstanceId"]) == (volume_id, instance)
    assert attached["State"] == "attaching"
    decrypts = [r for r in seen if r.get("eventName") == "Decrypt"]
    assert decrypts and not decrypts[-1].get("errorCode")
    assert key_arn in [res.get("ARN") for res in decrypts[-1].get("resources", [])]

    described = ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"]
    assert [v["VolumeId"] for v in described] == [volume_id]
    assert described[0]["Attachments"][0]["InstanceId"] == instance

    detached = ec2.detach_volume(VolumeId=volume_id)
    assert detached["State"] == "detaching"
    ec2.delete_volume(VolumeId=volume_id)
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_volumes(VolumeIds=[volume_id])
    error = excinfo.value.response["Error"]
    assert error["Code"] == "InvalidVolume.NotFound" and volume_id in error["Message"]


def test_aws_cli_create_attach_describe_detach(api, tmp_path):
    key_arn, alias = _key_with_alias(api)
    root = api.root
    made = aws_json(
        api,
        root,
        "ec2",
        "run-instances",
        "--image-id",
        "ami-12345678",
        "--count",
        "1",
        "--instance-type",
        "t3.micro",
        "--placement",
        f"AvailabilityZone={ZONE}",
        tmp=tmp_path,
    )
    instance = made["Instances"][0]["InstanceId"]
    volume = aws_json(
        api,
        root,
        "ec2",
        "create-volume",
        "--availability-zone",
        ZONE,
        "--size",
        "1",
        "--encrypted",
        "--kms-key-id",
        alias,
        tmp=tmp_path,
    )
    assert volume["Encrypted"] is True and volume["KmsKeyId"] == key_arn
    volume_id = volume["VolumeId"]
    attached = aws_json(
        api,
        root,
        "ec2",
        "attach-volume",
        "--volume-id",
        volume_id,
        "--instance-id",
        instance,
        "--device",
        "/dev/sdf",
        tmp=tmp_path,
    )
    assert attached["InstanceId"] == instance
    described = aws_json(
        api, root, "ec2", "describe-volumes", "--volume-ids", volume_id, tmp=tmp_path
    )
    assert described["Volumes"][0]["State"] == "in-use"
    detached = aws_json(api, root, "ec2", "detach-volume", "--volume-id", volume_id, tmp=tmp_path)
    assert detached["VolumeId"] == volume_id


def test_flat_lists_item_members_and_error_xml(api):
    ec2 = client(api, "ec2")
    ids = [ec2.create_volume(AvailabilityZone=ZONE, Size=1)["VolumeId"] for _ in range(2)]
    fields = {"Action": "DescribeVolumes", "Version": "2016-11-15"}
    fields.update({f"VolumeId.{n}": volume_id for n, volume_id in enumerate(ids, 1)})
    status, headers, root = query_post(api, "ec2", fields)
    assert status == 200 and root.tag == f"{{{EC2_NAMESPACE}}}DescribeVolumesResponse"
    assert text(root, "requestId") == headers["x-amzn-requestid"]
    volume_set = [child for child in root if child.tag.endswith("volumeSet")][0]
    items = [child for child in volume_set if child.tag.endswith("item")]
    assert sorted(text(item, "volumeId") for item in items) == sorted(ids)

    missing = "vol-0123456789abcdef0"
    status, _, root = query_post(
        api, "ec2", {"Action": "DescribeVolumes", "Version": "2016-11-15", "VolumeId.1": missing}
    )
    assert status == 400 and root.tag == "Response"
    assert text(root, "Errors/Error/Code") == "InvalidVolume.NotFound"
    assert missing in text(root, "Errors/Error/Message")
    assert text(root, "RequestID")

    status, _, root = query_post(api, "ec2", {"Action": "RebootVolume", "Version": "2016-11-15"})
    assert status == 400 and text(root, "Errors/Error/Code") == "InvalidAction"


def test_ec2_wrong_secret_is_auth_failure(api):
    from .conftest import Keys

    keys = Keys(api.root.access_key_id, "not-the-secret")
    with pytest.raises(ClientError) as excinfo:
        client(api, "ec2", keys).describe_volumes()
    error = excinfo.value.response["Error"]
    assert error["Code"] == "AuthFailure"
    assert error["Message"] == "AWS was not able to validate the provided access credentials"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 401
