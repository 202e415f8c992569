"""``kmstui call --endpoint-url`` for the endpoint's Query services: an STS, IAM or EC2
operation is sent as a Query form signed for its service, and its XML answer (or
error) comes back as the JSON a local ``kmstui call`` prints."""

from __future__ import annotations

import json

import pytest

from kmstui.api import query
from kmstui.api import xml as xmlwire
from kmstui.cli import main
from kmstui.errors import AwsError
from kmstui.model import load as load_model
from kmstui.protocol import encode_response

ZONE = "us-east-1a"
INSTANCE = {
    "ImageId": "ami-12345678",
    "MinCount": 1,
    "MaxCount": 1,
    "InstanceType": "t3.micro",
    "Placement": {"AvailabilityZone": ZONE},
}


@pytest.fixture
def remote(api, capsys, monkeypatch):
    """``kmstui call --endpoint-url`` as the account's root user: (exit code, JSON)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", api.root.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", api.root.secret)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)

    def call(operation: str, request: dict) -> tuple[int, object]:
        code = main(["call", "--endpoint-url", api.url, operation, json.dumps(request)])
        out, _ = capsys.readouterr()
        return code, json.loads(out)

    return call


def local(api, operation: str, request: dict) -> object:
    """What a local ``kmstui call`` prints for the same request (as the root user)."""
    try:
        value = encode_response(api.engine.call(operation, request))
    except AwsError as exc:
        value = exc.to_json()
    return json.loads(json.dumps(value, default=str))


def assert_same(remote_value, local_value, where="$"):
    """Equal members and values; times (floats) to the millisecond the XML carries."""
    if isinstance(local_value, dict):
        assert isinstance(remote_value, dict), where
        assert sorted(remote_value) == sorted(local_value), where
        for name in local_value:
            assert_same(remote_value[name], local_value[name], f"{where}.{name}")
    elif isinstance(local_value, list):
        assert isinstance(remote_value, list) and len(remote_value) == len(local_value), where
        for index, (mine, theirs) in enumerate(zip(remote_value, local_value, strict=True)):
            assert_same(mine, theirs, f"{where}[{index}]")
    elif isinstance(local_value, float):
        assert isinstance(remote_value, float), where
        assert abs(remote_value - local_value) < 0.0015, where
    else:
        assert type(remote_value) is type(local_value) and remote_value == local_value, where


def members(value):
    """The member names at every level, without the values."""
    if isinstance(value, dict):
        return {name: members(item) for name, item in value.items()}
    if isinstance(value, list):
        return [members(item) for item in value]
    return type(value).__name__


def test_get_caller_identity_is_the_local_answer(api, remote):
    code, out = remote("GetCallerIdentity", {})
    assert code == 0
    assert_same(out, local(api, "GetCallerIdentity", {}))
    assert out["Arn"].endswith(":root")


def test_create_user_and_list_users(api, remote):
    tags = [{"Key": "team", "Value": "storage"}]
    code, made = remote("CreateUser", {"UserName": "remote-dana", "Path": "/ops/", "Tags": tags})
    assert code == 0
    assert made["User"]["UserName"] == "remote-dana"
    assert made["User"]["Path"] == "/ops/" and made["User"]["Tags"] == tags
    here = local(api, "CreateUser", {"UserName": "local-dana", "Path": "/ops/", "Tags": tags})
    assert members(made) == members(here)

    code, listed = remote("ListUsers", {"PathPrefix": "/ops/"})
    assert code == 0
    assert [user["UserName"] for user in listed["Users"]] == ["local-dana", "remote-dana"]
    assert_same(listed, local(api, "ListUsers", {"PathPrefix": "/ops/"}))


def test_run_instances_and_volumes(api, remote):
    code, reservation = remote("RunInstances", INSTANCE)
    assert code == 0
    assert reservation["Instances"][0]["InstanceId"].startswith("i-")
    assert reservation["Instances"][0]["Placement"]["AvailabilityZone"] == ZONE
    assert members(reservation) == members(local(api, "RunInstances", INSTANCE))

    request = {
        "AvailabilityZone": ZONE,
        "Size": 2,
        "TagSpecifications": [{"ResourceType": "volume", "Tags": [{"Key": "k", "Value": "v"}]}],
    }
    code, volume = remote("CreateVolume", request)
    assert code == 0
    assert (volume["Size"], volume["Encrypted"]) == (2, False)
    assert volume["Tags"] == [{"Key": "k", "Value": "v"}]
    assert isinstance(volume["CreateTime"], float)
    other = local(api, "CreateVolume", request)
    assert members(volume) == members(other)

    ids = [volume["VolumeId"], other["VolumeId"]]
    code, described = remote("DescribeVolumes", {"VolumeIds": ids})
    assert code == 0
    assert sorted(v["VolumeId"] for v in described["Volumes"]) == sorted(ids)
    assert_same(described, local(api, "DescribeVolumes", {"VolumeIds": ids}))


def test_ec2_error_is_type_and_message(api, remote):
    request = {"VolumeIds": ["vol-nope"]}
    code, out = remote("DescribeVolumes", request)
    assert code == 1
    assert sorted(out) == ["__type", "message"]
    assert out == local(api, "DescribeVolumes", request)
    assert out["__type"] == "InvalidVolumeID.Malformed"


def test_iam_error_is_type_and_message(api, remote):
    request = {"UserName": "nobody-here"}
    code, out = remote("GetUser", request)
    assert code == 1
    assert out == local(api, "GetUser", request)
    assert out["__type"] == "NoSuchEntity"


def test_kms_operations_still_go_as_json(api, remote):
    code, out = remote("CreateKey", {"Description": "still KMS"})
    assert code == 0
    assert out["KeyMetadata"]["Description"] == "still KMS"


# -- the client-side codec ------------------------------------------------------------
@pytest.mark.parametrize(
    ("service", "operation", "params"),
    [
        ("iam", "CreateUser", {"UserName": "u", "Tags": [{"Key": "a", "Value": "b"}]}),
        ("iam", "ListUsers", {"PathPrefix": "/", "MaxItems": 5}),
        ("ec2", "DescribeVolumes", {"VolumeIds": ["vol-1", "vol-2"], "DryRun": False}),
        ("ec2", "RunInstances", INSTANCE),
        (
            "ec2",
            "DescribeVolumes",
            {"Filters": [{"Name": "volume-id", "Values": ["vol-1", "vol-2"]}]},
        ),
    ],
)
def test_encode_is_what_the_server_decodes(service, operation, params):
    model = load_model(service)
    assert model is not None
    fields = query.encode(model, operation, params)
    assert fields["Action"] == operation and fields["Version"] == model.api_version
    assert query.decode(model, operation, fields) == params


def test_encode_uses_each_protocols_list_names():
    iam, ec2 = load_model("iam"), load_model("ec2")
    assert iam is not None and ec2 is not None
    fields = query.encode(iam, "CreateUser", {"UserName": "u", "Tags": [{"Key": "a"}]})
    assert fields["Tags.member.1.Key"] == "a"
    fields = query.encode(ec2, "DescribeVolumes", {"VolumeIds": ["vol-1"], "Filters": []})
    assert fields["VolumeId.1"] == "vol-1" and fields["Filter"] == ""


@pytest.mark.parametrize("protocol", ["ec2", "query"])
def test_read_error_reads_both_shapes(protocol):
    body = xmlwire.error(protocol, "SomeCode", "what went wrong", "req-1", sender=True)
    assert xmlwire.read_error(body) == ("SomeCode", "what went wrong")


def test_a_doctype_is_refused_unread():
    body = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<Response><Errors><Error><Code>&b;</Code></Error></Errors></Response>"
    )
    with pytest.raises(xmlwire.UnsafeXml):
        xmlwire.read_error(body)
    with pytest.raises(xmlwire.UnsafeXml):
        xmlwire.parse(b"not xml at all")


@pytest.mark.parametrize(
    ("operation", "request_"),
    [
        ("DescribeVolumes", {"VolumeIds": "vol-1"}),
        ("CreateUser", {"UserName": "typed", "Tags": {"Key": "a"}}),
    ],
)
def test_a_value_of_the_wrong_kind_is_refused_as_locally(api, remote, operation, request_):
    code, out = remote(operation, request_)
    assert code == 1
    assert out == local(api, operation, request_)
    assert sorted(out) == ["__type", "message"]
