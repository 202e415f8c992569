"""KMS list markers are keyed, not positions: a client walking ListKeys, ListAliases
or ListGrants page by page neither repeats nor skips an item when items are created
or deleted between pages. A marker the engine did not make for that listing is
InvalidMarkerException."""

from __future__ import annotations

import base64
import json

import pytest

from kmstui.errors import InvalidMarkerException

DAY = 86400


def _walk(engine, operation, member, field, first_params, between=None):
    """Every item of a listing, two at a time; ``between()`` runs after the first page."""
    seen, marker = [], None
    while True:
        params = dict(first_params, Limit=2)
        if marker:
            params["Marker"] = marker
        page = engine.call(operation, params)
        seen += [item[field] for item in page[member]]
        if not page["Truncated"]:
            return seen
        marker = page["NextMarker"]
        if between is not None:
            between(seen)
            between = None


def _deleted(engine, key_id):
    engine.call("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 7})


def test_list_keys_neither_repeats_nor_skips_when_keys_are_deleted_between_pages(engine):
    for _ in range(6):
        engine.call("CreateKey", {})
    before = [k["KeyId"] for k in engine.call("ListKeys")["Keys"]]

    def delete_the_first_page(seen):
        for key_id in seen:
            _deleted(engine, key_id)
        engine.advance_clock(8 * DAY)  # the waiting period passes: they are gone

    seen = _walk(engine, "ListKeys", "Keys", "KeyId", {}, delete_the_first_page)

    assert seen == before  # the first page as it was, then every key after it once


def test_list_keys_lists_a_key_created_between_pages_at_most_once(engine):
    for _ in range(5):
        engine.call("CreateKey", {})
    before = [k["KeyId"] for k in engine.call("ListKeys")["Keys"]]
    created = []

    def create_one(_seen):
        engine.advance_clock(1)  # a later creation date: it sorts after the others
        created.append(engine.call("CreateKey", {})["KeyMetadata"]["KeyId"])

    seen = _walk(engine, "ListKeys", "Keys", "KeyId", {}, create_one)

    assert seen == before + created


def test_list_aliases_goes_on_after_the_alias_last_returned_is_deleted(engine):
    key_id = engine.call("CreateKey", {})["KeyMetadata"]["KeyId"]
    for name in ("a1", "a2", "b", "c", "d"):
        engine.call("CreateAlias", {"AliasName": f"alias/{name}", "TargetKeyId": key_id})

    def delete_the_last_seen(seen):
        assert seen == ["alias/a1", "alias/a2"]
        engine.call("DeleteAlias", {"AliasName": "alias/a2"})
        engine.call("CreateAlias", {"AliasName": "alias/a3", "TargetKeyId": key_id})

    seen = _walk(engine, "ListAliases", "Aliases", "AliasName", {}, delete_the_last_seen)

    # alias/aws/ebs is listed before its key exists, as AWS lists it
    expected = ["alias/a1", "alias/a2", "alias/a3", "alias/aws/ebs", "alias/b", "alias/c"]
    assert seen == [*expected, "alias/d"]


def test_list_grants_goes_on_after_the_grant_last_returned_is_revoked(engine):
    key_id = engine.call("CreateKey", {})["KeyMetadata"]["KeyId"]
    grants = [
        engine.call(
            "CreateGrant",
            {
                "KeyId": key_id,
                "GranteePrincipal": f"arn:aws:iam::111122223333:user/u{n}",
                "Operations": ["Decrypt"],
            },
        )["GrantId"]
        for n in range(5)
    ]
    listed = [g["GrantId"] for g in engine.call("ListGrants", {"KeyId": key_id})["Grants"]]
    assert sorted(listed) == sorted(grants)

    def revoke_the_last_seen(seen):
        engine.call("RevokeGrant", {"KeyId": key_id, "GrantId": seen[-1]})

    seen = _walk(engine, "ListGrants", "Grants", "GrantId", {"KeyId": key_id}, revoke_the_last_seen)

    assert seen == listed


def _marker(document) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode()


@pytest.mark.parametrize(
    "marker",
    [
        "garbage!!",
        _marker({"p": 2}),  # a position
        _marker({"after": 7}),
        _marker({"after": []}),
        _marker(["after"]),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_marker_the_engine_did_not_make_is_invalid(engine, marker):
    engine.call("CreateKey", {})
    with pytest.raises(InvalidMarkerException):
        engine.call("ListKeys", {"Marker": marker})


def test_a_marker_of_another_listing_is_invalid(engine):
    key_id = engine.call("CreateKey", {})["KeyMetadata"]["KeyId"]
    engine.call("CreateKey", {})
    for name in ("a", "b"):
        engine.call("CreateAlias", {"AliasName": f"alias/{name}", "TargetKeyId": key_id})
    aliases = engine.call("ListAliases", {"Limit": 1})

    with pytest.raises(InvalidMarkerException):
        engine.call("ListKeys", {"Marker": aliases["NextMarker"]})
