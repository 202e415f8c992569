"""KeyId forms, unknown and malformed ids, and AWS-style paging."""

import pytest

from kmstui.errors import (
    InvalidMarkerException,
    NotFoundException,
    UnsupportedOperationException,
    ValidationException,
)


@pytest.fixture
def key_id(engine):
    return engine.call("CreateKey")["KeyMetadata"]["KeyId"]


def test_key_arn_is_accepted(engine, key_id):
    arn = f"arn:aws:kms:us-east-1:111122223333:key/{key_id}"
    assert engine.call("DescribeKey", {"KeyId": arn})["KeyMetadata"]["Arn"] == arn


def test_unknown_key_id_is_not_found_with_its_arn(engine):
    missing = "1234abcd-12ab-34cd-56ef-1234567890ab"
    with pytest.raises(NotFoundException, match=f"key/{missing}' does not exist"):
        engine.call("DescribeKey", {"KeyId": missing})


@pytest.mark.parametrize("bad", ["not-a-key", "1234", "arn:aws:kms:us-east-1:bad"])
def test_malformed_key_id_is_not_found(engine, bad):
    with pytest.raises(NotFoundException):
        engine.call("DescribeKey", {"KeyId": bad})


def test_empty_key_id_is_a_validation_error(engine):
    with pytest.raises(ValidationException, match="length greater than or equal to 1"):
        engine.call("DescribeKey", {"KeyId": ""})


def test_missing_key_id_is_a_validation_error(engine):
    with pytest.raises(ValidationException, match="must not be null"):
        engine.call("DescribeKey", {})


def test_key_in_another_region_is_not_found(engine, key_id):
    arn = f"arn:aws:kms:eu-west-1:111122223333:key/{key_id}"
    with pytest.raises(NotFoundException):
        engine.call("DescribeKey", {"KeyId": arn})


def test_key_specs_no_library_implements_are_unsupported(engine):
    with pytest.raises(UnsupportedOperationException):
        engine.call("CreateKey", {"KeySpec": "ML_KEM_512", "KeyUsage": "ENCAPSULATE_DECAPSULATE"})


def test_list_keys_pages_with_limit_and_marker(engine):
    created = [engine.call("CreateKey")["KeyMetadata"]["KeyId"] for _ in range(7)]
    expected = [k["KeyId"] for k in engine.call("ListKeys")["Keys"]]
    assert sorted(expected) == sorted(created)
    seen, marker = [], None
    while True:
        params = {"Limit": 3}
        if marker:
            params["Marker"] = marker
        page = engine.call("ListKeys", params)
        seen += [k["KeyId"] for k in page["Keys"]]
        assert len(page["Keys"]) <= 3
        if not page["Truncated"]:
            assert "NextMarker" not in page
            break
        marker = page["NextMarker"]
    assert seen == expected


@pytest.mark.parametrize("limit", [0, 1001])
def test_limit_out_of_range_is_rejected(engine, limit):
    with pytest.raises(ValidationException):
        engine.call("ListKeys", {"Limit": limit})


def test_invalid_marker_is_rejected(engine):
    with pytest.raises(InvalidMarkerException):
        engine.call("ListKeys", {"Marker": "garbage!!"})


def test_keys_are_listed_per_region(engine, key_id):
    from kmstui.caller import Caller

    west = Caller.root(region="eu-west-1")
    assert engine.call("ListKeys", caller=west)["Keys"] == []
    west_key = engine.call("CreateKey", caller=west)["KeyMetadata"]
    assert west_key["Arn"].startswith("arn:aws:kms:eu-west-1:")
    assert [k["KeyId"] for k in engine.call("ListKeys", caller=west)["Keys"]] == [west_key["KeyId"]]
