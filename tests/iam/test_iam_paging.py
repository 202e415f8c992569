"""List operations page with MaxItems and Marker, as IAM does."""

from __future__ import annotations

import pytest

from kmstui.errors import AwsError

POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt",'
    '"Resource":"*"}]}'
)


def walk(engine, operation, params, member, max_items):
    seen, pages, marker = [], 0, None
    while True:
        request = dict(params, MaxItems=max_items)
        if marker:
            request["Marker"] = marker
        page = engine.call(operation, request)
        pages += 1
        assert len(page[member]) <= max_items
        seen.extend(page[member])
        if not page["IsTruncated"]:
            assert "Marker" not in page
            return seen, pages
        marker = page["Marker"]


def test_list_users_pages_through_every_user_once(engine):
    names = [f"user{i:02d}" for i in range(7)]
    for name in names:
        engine.call("CreateUser", {"UserName": name})
    users, pages = walk(engine, "ListUsers", {}, "Users", 3)
    assert [u["UserName"] for u in users] == names
    assert pages == 3


def test_a_truncated_page_says_so_and_carries_a_marker(engine):
    for name in ["a", "b"]:
        engine.call("CreateUser", {"UserName": name})
    page = engine.call("ListUsers", {"MaxItems": 1})
    assert page["IsTruncated"] is True
    assert isinstance(page["Marker"], str) and page["Marker"]


def test_paging_survives_deleting_the_last_item_seen(engine):
    for name in ["a", "b", "c"]:
        engine.call("CreateUser", {"UserName": name})
    first = engine.call("ListUsers", {"MaxItems": 1})
    engine.call("DeleteUser", {"UserName": "a"})
    second = engine.call("ListUsers", {"MaxItems": 5, "Marker": first["Marker"]})
    assert [u["UserName"] for u in second["Users"]] == ["b", "c"]


def test_list_roles_pages(engine):
    trust = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
        '{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
    )
    for i in range(5):
        engine.call("CreateRole", {"RoleName": f"role{i}", "AssumeRolePolicyDocument": trust})
    roles, pages = walk(engine, "ListRoles", {}, "Roles", 2)
    assert [r["RoleName"] for r in roles] == [f"role{i}" for i in range(5)]
    assert pages == 3


def test_list_user_policies_pages(engine):
    engine.call("CreateUser", {"UserName": "alice"})
    for i in range(3):
        engine.call(
            "PutUserPolicy", {"UserName": "alice", "PolicyName": f"p{i}", "PolicyDocument": POLICY}
        )
    names, pages = walk(engine, "ListUserPolicies", {"UserName": "alice"}, "PolicyNames", 2)
    assert names == ["p0", "p1", "p2"]
    assert pages == 2


def test_list_access_keys_pages(engine):
    engine.call("CreateUser", {"UserName": "alice"})
    ids = [
        engine.call("CreateAccessKey", {"UserName": "alice"})["AccessKey"]["AccessKeyId"]
        for _ in range(2)
    ]
    keys, pages = walk(engine, "ListAccessKeys", {"UserName": "alice"}, "AccessKeyMetadata", 1)
    assert sorted(k["AccessKeyId"] for k in keys) == sorted(ids)
    assert pages == 2


@pytest.mark.parametrize("max_items", [0, 1001, "many"])
def test_max_items_out_of_range_is_validation_error(engine, max_items):
    with pytest.raises(AwsError) as err:
        engine.call("ListUsers", {"MaxItems": max_items})
    assert err.value.code == "ValidationError"


def test_a_marker_that_was_never_issued_is_validation_error(engine):
    with pytest.raises(AwsError) as err:
        engine.call("ListUsers", {"Marker": "not-a-marker"})
    assert err.value.code == "ValidationError"


def test_a_user_created_between_pages_is_listed_once_and_none_is_skipped(engine):
    for name in ["a", "c", "e"]:
        engine.call("CreateUser", {"UserName": name})
    first = engine.call("ListUsers", {"MaxItems": 2})
    engine.call("CreateUser", {"UserName": "b"})  # sorts before the marker: not listed again
    engine.call("CreateUser", {"UserName": "d"})
    engine.call("DeleteUser", {"UserName": "c"})
    second = engine.call("ListUsers", {"MaxItems": 5, "Marker": first["Marker"]})
    assert [u["UserName"] for u in first["Users"]] == ["a", "c"]
    assert [u["UserName"] for u in second["Users"]] == ["d", "e"]


def test_a_marker_of_another_listing_is_validation_error(engine):
    engine.call("CreateUser", {"UserName": "a"})
    engine.call("CreateAccessKey", {})
    engine.call("CreateAccessKey", {})
    keys = engine.call("ListAccessKeys", {"MaxItems": 1})
    with pytest.raises(AwsError) as err:
        engine.call("ListUsers", {"Marker": keys["Marker"]})
    assert err.value.code == "ValidationError"
