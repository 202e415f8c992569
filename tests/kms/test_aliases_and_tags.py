"""Alias and tag rules."""

import pytest

from kmstui.errors import (
    AlreadyExistsException,
    InvalidAliasNameException,
    KMSInvalidStateException,
    LimitExceededException,
    NotFoundException,
    TagException,
    ValidationException,
)


@pytest.fixture
def key_id(engine):
    return engine.call("CreateKey")["KeyMetadata"]["KeyId"]


def test_alias_resolves_to_its_key(engine, key_id):
    engine.call("CreateAlias", {"AliasName": "alias/app", "TargetKeyId": key_id})
    assert engine.call("DescribeKey", {"KeyId": "alias/app"})["KeyMetadata"]["KeyId"] == key_id


def test_alias_arn_resolves_to_its_key(engine, key_id):
    engine.call("CreateAlias", {"AliasName": "alias/app", "TargetKeyId": key_id})
    arn = "arn:aws:kms:us-east-1:111122223333:alias/app"
    assert engine.call("DescribeKey", {"KeyId": arn})["KeyMetadata"]["KeyId"] == key_id


def test_alias_must_start_with_alias_prefix(engine, key_id):
    # KMS answers a name without the prefix as a ValidationException.
    with pytest.raises(ValidationException, match='Alias must start with the prefix "alias/"'):
        engine.call("CreateAlias", {"AliasName": "app", "TargetKeyId": key_id})


def test_alias_aws_prefix_is_reserved(engine, key_id):
    with pytest.raises(InvalidAliasNameException):
        engine.call("CreateAlias", {"AliasName": "alias/aws/mine", "TargetKeyId": key_id})


def test_alias_with_bad_characters_is_rejected(engine, key_id):
    with pytest.raises(ValidationException):
        engine.call("CreateAlias", {"AliasName": "alias/bad name!", "TargetKeyId": key_id})


def test_duplicate_alias_already_exists(engine, key_id):
    engine.call("CreateAlias", {"AliasName": "alias/app", "TargetKeyId": key_id})
    with pytest.raises(AlreadyExistsException):
        engine.call("CreateAlias", {"AliasName": "alias/app", "TargetKeyId": key_id})


def test_alias_cannot_target_an_alias(engine, key_id):
    engine.call("CreateAlias", {"AliasName": "alias/app", "TargetKeyId": key_id})
    with pytest.raises(NotFoundException):
        engine.call("CreateAlias", {"AliasName": "alias/other", "TargetKeyId": "alias/app"})


def test_alias_cannot_target_a_key_pending_deletion(engine, key_id):
    engine.call("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 7})
    with pytest.raises(KMSInvalidStateException):
        engine.call("CreateAlias", {"AliasName": "alias/late", "TargetKeyId": key_id})


def test_update_alias_moves_it_to_another_key(engine, key_id):
    other = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    engine.call("CreateAlias", {"AliasName": "alias/app", "TargetKeyId": key_id})
    engine.call("UpdateAlias", {"AliasName": "alias/app", "TargetKeyId": other})
    assert engine.call("DescribeKey", {"KeyId": "alias/app"})["KeyMetadata"]["KeyId"] == other


def test_delete_alias_removes_it(engine, key_id):
    engine.call("CreateAlias", {"AliasName": "alias/app", "TargetKeyId": key_id})
    engine.call("DeleteAlias", {"AliasName": "alias/app"})
    with pytest.raises(NotFoundException, match="alias/app is not found"):
        engine.call("DescribeKey", {"KeyId": "alias/app"})


def test_list_aliases_for_one_key(engine, key_id):
    other = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    engine.call("CreateAlias", {"AliasName": "alias/a", "TargetKeyId": key_id})
    engine.call("CreateAlias", {"AliasName": "alias/b", "TargetKeyId": other})
    names = [a["AliasName"] for a in engine.call("ListAliases", {"KeyId": key_id})["Aliases"]]
    assert names == ["alias/a"]


def test_predefined_aws_alias_is_listed_before_its_key_exists(engine):
    aliases = {a["AliasName"]: a for a in engine.call("ListAliases")["Aliases"]}
    assert "alias/aws/ebs" in aliases
    assert "TargetKeyId" not in aliases["alias/aws/ebs"]


def test_aws_managed_key_appears_on_first_use(engine):
    meta = engine.call("DescribeKey", {"KeyId": "alias/aws/ebs"})["KeyMetadata"]
    assert meta["KeyManager"] == "AWS"
    policy = engine.call("GetKeyPolicy", {"KeyId": meta["KeyId"]})["Policy"]
    assert "ec2.us-east-1.amazonaws.com" in policy


def test_tags_are_set_listed_and_removed(engine, key_id):
    engine.call(
        "TagResource",
        {
            "KeyId": key_id,
            "Tags": [{"TagKey": "a", "TagValue": "1"}, {"TagKey": "b", "TagValue": "2"}],
        },
    )
    engine.call("TagResource", {"KeyId": key_id, "Tags": [{"TagKey": "a", "TagValue": "3"}]})
    engine.call("UntagResource", {"KeyId": key_id, "TagKeys": ["b"]})
    assert engine.call("ListResourceTags", {"KeyId": key_id})["Tags"] == [
        {"TagKey": "a", "TagValue": "3"}
    ]


def test_aws_tag_prefix_is_reserved(engine, key_id):
    with pytest.raises(TagException):
        engine.call(
            "TagResource", {"KeyId": key_id, "Tags": [{"TagKey": "aws:owner", "TagValue": "x"}]}
        )


def test_at_most_50_tags(engine, key_id):
    tags = [{"TagKey": f"k{i}", "TagValue": "v"} for i in range(50)]
    engine.call("TagResource", {"KeyId": key_id, "Tags": tags})
    with pytest.raises(LimitExceededException):
        engine.call(
            "TagResource", {"KeyId": key_id, "Tags": [{"TagKey": "one-more", "TagValue": "v"}]}
        )


@pytest.mark.parametrize(
    "tag",
    [
        {"TagKey": "", "TagValue": "v"},
        {"TagKey": "k" * 129, "TagValue": "v"},
        {"TagKey": "k", "TagValue": "v" * 257},
    ],
)
def test_tag_length_limits(engine, key_id, tag):
    with pytest.raises(ValidationException):
        engine.call("TagResource", {"KeyId": key_id, "Tags": [tag]})


def test_create_key_with_tags_and_description(engine):
    meta = engine.call(
        "CreateKey", {"Description": "tagged", "Tags": [{"TagKey": "team", "TagValue": "x"}]}
    )["KeyMetadata"]
    assert meta["Description"] == "tagged"
    assert engine.call("ListResourceTags", {"KeyId": meta["KeyId"]})["Tags"][0]["TagKey"] == "team"


def test_update_key_description(engine, key_id):
    engine.call("UpdateKeyDescription", {"KeyId": key_id, "Description": "new words"})
    assert (
        engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]["Description"] == "new words"
    )


def test_duplicate_tag_keys_are_a_tag_exception(engine, key_id):
    tags = [{"TagKey": "a", "TagValue": "1"}, {"TagKey": "a", "TagValue": "2"}]
    for operation, params in (
        ("TagResource", {"KeyId": key_id, "Tags": tags}),
        ("CreateKey", {"Tags": tags}),
    ):
        with pytest.raises(TagException) as raised:
            engine.call(operation, params)
        assert raised.value.message == "Duplicate tag keys"
    assert engine.call("ListResourceTags", {"KeyId": key_id})["Tags"] == []


def test_more_than_50_tags_in_one_request_is_a_tag_exception(engine, key_id):
    tags = [{"TagKey": f"k{i}", "TagValue": "v"} for i in range(51)]
    for operation, params in (
        ("TagResource", {"KeyId": key_id, "Tags": tags}),
        ("CreateKey", {"Tags": tags}),
    ):
        with pytest.raises(TagException) as raised:
            engine.call(operation, params)
        assert raised.value.message == "Too many tags"


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        (
            [{"TagKey": "ok", "TagValue": "v"}, {"TagKey": "k" * 129, "TagValue": "v"}],
            f"1 validation error detected: Value '{'k' * 129}' at 'tags.2.member.tagKey' "
            "failed to satisfy constraint: Member must have length less than or equal to 128",
        ),
        (
            [{"TagKey": "k", "TagValue": "v" * 257}],
            f"1 validation error detected: Value '{'v' * 257}' at 'tags.1.member.tagValue' "
            "failed to satisfy constraint: Member must have length less than or equal to 256",
        ),
    ],
)
def test_tag_violations_name_the_member_path(engine, key_id, tags, message):
    with pytest.raises(ValidationException) as raised:
        engine.call("TagResource", {"KeyId": key_id, "Tags": tags})
    assert raised.value.message == message
