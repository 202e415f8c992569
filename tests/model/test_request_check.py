"""The whole request is checked against its operation's input shape before the handler
runs (kmstui.model.check at the dispatcher), whichever face the call comes from."""

from __future__ import annotations

import pytest

from kmstui.errors import AwsError, SerializationException
from kmstui.model import load

WRONG_TYPES = [True, False, 0, 7, 1.5, -2.25, [], ["RSA_2048"], {}, {"a": "b"}, b"bytes", 2**80]


@pytest.mark.parametrize("member", ["CustomerMasterKeySpec", "CustomKeyStoreId", "XksKeyId"])
@pytest.mark.parametrize("value", WRONG_TYPES, ids=repr)
def test_create_key_refuses_a_wrong_type_in_a_member_it_does_not_read(engine, member, value):
    before = engine.call("ListKeys")["Keys"]
    params = {member: value}
    if member == "CustomerMasterKeySpec":
        params["KeySpec"] = "SYMMETRIC_DEFAULT"  # the handler reads KeySpec, not this
    with pytest.raises(SerializationException, match=member):
        engine.call("CreateKey", params)
    assert engine.events.recent[-1]["errorCode"] == "SerializationException"
    assert engine.call("ListKeys")["Keys"] == before  # no key was made


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"Tags": [{"TagKey": "a", "TagValue": 5}]}, "Tags[0].TagValue"),
        ({"Tags": {"TagKey": "a"}}, "Tags"),
        ({"Tags": ["a"]}, "Tags[0]"),
        ({"BypassPolicyLockoutSafetyCheck": "yes"}, "BypassPolicyLockoutSafetyCheck"),
        ({"MultiRegion": 1}, "MultiRegion"),
        ({"Description": ["x"]}, "Description"),
    ],
)
def test_the_path_of_a_nested_wrong_type_is_named(engine, params, where):
    with pytest.raises(SerializationException) as excinfo:
        engine.call("CreateKey", params)
    assert f"for {where}:" in excinfo.value.message


@pytest.mark.parametrize(
    "value", [2**31, -(2**31) - 1, 10**5000], ids=["2^31", "-2^31-1", "10^5000"]
)
def test_an_integer_out_of_its_range_is_a_serialization_error(engine, value):
    with pytest.raises(SerializationException, match="out of range"):
        engine.call("ListKeys", {"Limit": value})


def test_a_null_member_counts_as_absent(engine):
    key = engine.call("CreateKey", {"Description": None, "Tags": None})["KeyMetadata"]
    assert key["Description"] == ""


def test_members_the_shape_does_not_define_never_reach_the_handler_or_the_store(engine):
    key = engine.call(
        "CreateKey",
        {
            "Description": "d",
            "Tags": [{"TagKey": "k", "TagValue": "v", "Extra": "\ud800"}],
            "NotAMember": {"deep": [1, 2, 3]},
        },
    )["KeyMetadata"]
    tags = engine.call("ListResourceTags", {"KeyId": key["KeyId"]})["Tags"]
    assert tags == [{"TagKey": "k", "TagValue": "v"}]


def test_existing_validation_messages_are_unchanged(engine):
    """Constraints stay with the handlers, in AWS's words."""
    with pytest.raises(AwsError) as excinfo:
        engine.call("GenerateRandom", {"NumberOfBytes": 0})
    assert excinfo.value.code == "ValidationException"
    assert excinfo.value.message == (
        "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy "
        "constraint: Member must have value greater than or equal to 1"
    )


def test_iam_names_a_wrong_type_a_validation_error(engine):
    with pytest.raises(AwsError) as excinfo:
        engine.call("CreateUser", {"UserName": "u1", "Path": ["/"]})
    assert excinfo.value.code == "ValidationError" and "Path" in excinfo.value.message
    with pytest.raises(AwsError) as excinfo:
        engine.call("CreateUser", {"UserName": "u1", "Tags": [{"Key": "k", "Value": 5}]})
    assert excinfo.value.code == "ValidationError"
    assert engine.call("ListUsers")["Users"] == []


def test_ec2_names_a_wrong_type_an_invalid_parameter_value(engine):
    with pytest.raises(AwsError) as excinfo:
        engine.call("CreateVolume", {"AvailabilityZone": "us-east-1a", "Size": [8]})
    assert excinfo.value.code == "InvalidParameterValue" and "Size" in excinfo.value.message
    with pytest.raises(AwsError) as excinfo:
        engine.call("DescribeVolumes", {"Filters": [{"Name": "size", "Values": "8"}]})
    assert excinfo.value.code == "InvalidParameterValue"
    assert engine.call("DescribeVolumes")["Volumes"] == []


def test_the_query_protocols_take_scalars_as_text(engine):
    """IAM and EC2 carry every scalar as text on the wire; the handlers parse it."""
    volume = engine.call("CreateVolume", {"AvailabilityZone": "us-east-1a", "Size": "8"})
    assert volume["Size"] == 8


def test_every_operation_the_engine_serves_has_its_shape_in_the_models(engine):
    served = set(engine.operations)
    modelled = set()
    for service in ("kms", "iam", "ec2"):
        model = load(service)
        assert model is not None
        modelled |= {name for name in model.operations if model.input(name) is not None}
    assert served <= modelled, sorted(served - modelled)


def test_the_models_name_their_origin():
    for service in ("kms", "iam", "ec2"):
        model = load(service)
        assert model is not None and model.botocore_version
    assert load("no-such-service") is None
