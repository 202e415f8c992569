"""Real boto3 against the endpoint: the KMS operations an application uses, their
pagination, and errors as botocore raises them."""

from __future__ import annotations

import base64
import json

import pytest
from botocore.exceptions import ClientError

from kmstui.errors import AwsError

from .conftest import ACCOUNT, client_error


@pytest.fixture(scope="module")
def kms(api):
    return api.client()


@pytest.fixture(scope="module")
def key_id(kms):
    key = kms.create_key(Description="api tests")["KeyMetadata"]
    return key["KeyId"]


def test_create_and_describe_key(kms):
    created = kms.create_key(
        Description="made by boto3", Tags=[{"TagKey": "team", "TagValue": "storage"}]
    )["KeyMetadata"]
    assert created["Arn"] == f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{created['KeyId']}"
    assert created["KeyState"] == "Enabled"
    assert created["KeySpec"] == "SYMMETRIC_DEFAULT"
    assert created["CreationDate"].tzinfo is not None  # an epoch timestamp, parsed
    described = kms.describe_key(KeyId=created["KeyId"])["KeyMetadata"]
    assert described["Description"] == "made by boto3"
    tags = kms.list_resource_tags(KeyId=created["KeyId"])["Tags"]
    assert tags == [{"TagKey": "team", "TagValue": "storage"}]


def test_alias_names_the_key(kms, key_id):
    kms.create_alias(AliasName="alias/api-tests", TargetKeyId=key_id)
    described = kms.describe_key(KeyId="alias/api-tests")["KeyMetadata"]
    assert described["KeyId"] == key_id
    aliases = kms.list_aliases(KeyId=key_id)["Aliases"]
    assert [a["AliasName"] for a in aliases] == ["alias/api-tests"]
    with pytest.raises(ClientError) as excinfo:
        kms.create_alias(AliasName="alias/api-tests", TargetKeyId=key_id)
    assert client_error(excinfo)[0] == "AlreadyExistsException"


def test_encrypt_decrypt_with_context(kms, key_id):
    context = {"purpose": "test", "tenant": "a"}
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"secret bytes \x00\xff", EncryptionContext=context)[
        "CiphertextBlob"
    ]
    assert isinstance(blob, bytes)
    answer = kms.decrypt(CiphertextBlob=blob, EncryptionContext=context)
    assert answer["Plaintext"] == b"secret bytes \x00\xff"
    assert answer["KeyId"].endswith(key_id)
    assert answer["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    with pytest.raises(ClientError) as excinfo:
        kms.decrypt(CiphertextBlob=blob, EncryptionContext={"purpose": "other"})
    assert client_error(excinfo)[0] == "InvalidCiphertextException"


def test_reencrypt_to_another_key(kms, key_id):
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"move me")["CiphertextBlob"]
    moved = kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=other)
    assert moved["KeyId"].endswith(other)
    assert kms.decrypt(CiphertextBlob=moved["CiphertextBlob"])["Plaintext"] == b"move me"


def test_data_keys(kms, key_id):
    pair = kms.generate_data_key(
        KeyId=key_id, KeySpec="AES_256", EncryptionContext={"volume": "vol-1"}
    )
    assert len(pair["Plaintext"]) == 32
    unwrapped = kms.decrypt(
        CiphertextBlob=pair["CiphertextBlob"], EncryptionContext={"volume": "vol-1"}
    )
    assert unwrapped["Plaintext"] == pair["Plaintext"]
    sealed = kms.generate_data_key_without_plaintext(KeyId=key_id, NumberOfBytes=64)
    assert "Plaintext" not in sealed
    assert len(kms.decrypt(CiphertextBlob=sealed["CiphertextBlob"])["Plaintext"]) == 64
    assert len(kms.generate_random(NumberOfBytes=17)["Plaintext"]) == 17


def test_grants_with_tokens(api, kms):
    alice_arn, alice_keys = api.user("alice")
    key = kms.create_key()["KeyMetadata"]["KeyId"]  # default policy: no user named
    blob = kms.encrypt(KeyId=key, Plaintext=b"for alice", EncryptionContext={"app": "x"})[
        "CiphertextBlob"
    ]
    alice = api.client(alice_keys)
    with pytest.raises(ClientError) as excinfo:
        alice.decrypt(CiphertextBlob=blob, EncryptionContext={"app": "x"})
    assert client_error(excinfo)[0] == "AccessDeniedException"

    grant = kms.create_grant(
        KeyId=key,
        GranteePrincipal=alice_arn,
        Operations=["Decrypt"],
        Constraints={"EncryptionContextSubset": {"app": "x"}},
        Name="alice-decrypt",
    )
    again = kms.create_grant(
        KeyId=key,
        GranteePrincipal=alice_arn,
        Operations=["Decrypt"],
        Constraints={"EncryptionContextSubset": {"app": "x"}},
        Name="alice-decrypt",
    )
    assert again["GrantId"] == grant["GrantId"]
    plain = alice.decrypt(
        CiphertextBlob=blob, EncryptionContext={"app": "x"}, GrantTokens=[grant["GrantToken"]]
    )["Plaintext"]
    assert plain == b"for alice"
    grants = kms.list_grants(KeyId=key)["Grants"]
    assert [g["GrantId"] for g in grants] == [grant["GrantId"]]
    assert grants[0]["GranteePrincipal"] == alice_arn
    assert grants[0]["Operations"] == ["Decrypt"]
    with pytest.raises(ClientError) as excinfo:
        alice.decrypt(CiphertextBlob=blob, GrantTokens=["not-a-token"])
    assert client_error(excinfo)[0] == "InvalidGrantTokenException"

    kms.revoke_grant(KeyId=key, GrantId=grant["GrantId"])
    assert kms.list_grants(KeyId=key)["Grants"] == []
    with pytest.raises(ClientError) as excinfo:
        alice.decrypt(CiphertextBlob=blob, EncryptionContext={"app": "x"})
    assert client_error(excinfo)[0] == "AccessDeniedException"


def _policy(*principals: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Key administrators",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "Key users",
                    "Effect": "Allow",
                    "Principal": {"AWS": list(principals)},
                    "Action": ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"],
                    "Resource": "*",
                },
            ],
        }
    )


def test_key_policy_denies_then_allows_a_user(api, kms):
    alice_arn, alice_keys = api.user("alice")
    bob_arn, bob_keys = api.user("bob")
    key = kms.create_key(Policy=_policy(bob_arn))["KeyMetadata"]["KeyId"]
    bob, alice = api.client(bob_keys), api.client(alice_keys)
    blob = bob.encrypt(KeyId=key, Plaintext=b"bob's")["CiphertextBlob"]

    with pytest.raises(ClientError) as excinfo:
        alice.decrypt(CiphertextBlob=blob)
    code, message = client_error(excinfo)
    assert code == "AccessDeniedException"
    assert alice_arn in message and "kms:Decrypt" in message
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400

    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=_policy(bob_arn, alice_arn))
    assert alice.decrypt(CiphertextBlob=blob)["Plaintext"] == b"bob's"
    stored = kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    assert alice_arn in stored
    assert kms.list_key_policies(KeyId=key)["PolicyNames"] == ["default"]


def test_put_key_policy_lockout_check(api, kms, key_id):
    bob_arn, _ = api.user("bob")
    lockout = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": bob_arn},
                    "Action": "kms:Decrypt",
                    "Resource": "*",
                }
            ],
        }
    )
    with pytest.raises(AwsError) as direct:
        api.engine.call(
            "PutKeyPolicy", {"KeyId": key_id, "PolicyName": "default", "Policy": lockout}
        )
    with pytest.raises(ClientError) as excinfo:
        kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=lockout)
    assert client_error(excinfo) == ("MalformedPolicyDocumentException", direct.value.message)
    assert direct.value.message  # KMS says why
    # with the bypass flag the same document is accepted
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.put_key_policy(
        KeyId=other, PolicyName="default", Policy=lockout, BypassPolicyLockoutSafetyCheck=True
    )
    with pytest.raises(ClientError) as excinfo:
        kms.describe_key(KeyId=other)
    assert client_error(excinfo)[0] == "AccessDeniedException"


def test_rotation(kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key, Plaintext=b"before rotation")["CiphertextBlob"]
    kms.enable_key_rotation(KeyId=key, RotationPeriodInDays=90)
    status = kms.get_key_rotation_status(KeyId=key)
    assert status["KeyRotationEnabled"] is True
    assert status["RotationPeriodInDays"] == 90
    for _ in range(3):
        assert kms.rotate_key_on_demand(KeyId=key)["KeyId"].endswith(key)
    paginator = kms.get_paginator("list_key_rotations")
    pages = list(paginator.paginate(KeyId=key, PaginationConfig={"PageSize": 1}))
    rotations = [r for page in pages for r in page["Rotations"]]
    assert len(pages) == 3 and len(rotations) == 3
    assert {r["RotationType"] for r in rotations} == {"ON_DEMAND"}
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"before rotation"
    kms.disable_key_rotation(KeyId=key)
    assert kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is False


def test_schedule_and_cancel_deletion(kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    scheduled = kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    assert scheduled["KeyState"] == "PendingDeletion"
    assert scheduled["PendingWindowInDays"] == 7
    with pytest.raises(ClientError) as excinfo:
        kms.encrypt(KeyId=key, Plaintext=b"x")
    assert client_error(excinfo)[0] == "KMSInvalidStateException"
    kms.cancel_key_deletion(KeyId=key)
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Disabled"
    with pytest.raises(ClientError) as excinfo:
        kms.encrypt(KeyId=key, Plaintext=b"x")
    assert client_error(excinfo)[0] == "DisabledException"
    kms.enable_key(KeyId=key)
    kms.encrypt(KeyId=key, Plaintext=b"x")


def test_list_keys_paginates_over_more_than_100_keys(api):
    kms = api.client(region="eu-west-2")  # a region of its own: these keys only
    made = {kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(105)}
    first = kms.list_keys()
    assert len(first["Keys"]) == 100 and first["Truncated"] is True
    second = kms.list_keys(Marker=first["NextMarker"])
    assert len(second["Keys"]) == 5 and second["Truncated"] is False
    assert "NextMarker" not in second
    listed = [
        k["KeyId"] for page in kms.get_paginator("list_keys").paginate() for k in page["Keys"]
    ]
    assert sorted(listed) == sorted(made)
    small = list(kms.get_paginator("list_keys").paginate(PaginationConfig={"PageSize": 30}))
    assert [len(p["Keys"]) for p in small] == [30, 30, 30, 15]
    with pytest.raises(ClientError) as excinfo:
        kms.list_keys(Marker="bogus-marker")
    assert client_error(excinfo)[0] == "InvalidMarkerException"


def test_not_found(kms):
    missing = "1234abcd-12ab-34cd-56ef-1234567890ab"
    with pytest.raises(ClientError) as excinfo:
        kms.describe_key(KeyId=missing)
    code, message = client_error(excinfo)
    assert code == "NotFoundException"
    assert missing in message
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert excinfo.value.response["ResponseMetadata"]["RequestId"]


def test_validation_error_from_the_engine(kms, key_id):
    with pytest.raises(ClientError) as excinfo:
        kms.generate_data_key(KeyId=key_id, NumberOfBytes=2048)
    assert client_error(excinfo)[0] == "ValidationException"


def test_region_comes_from_the_credential_scope(api):
    west = api.client(region="us-west-2")
    key = west.create_key()["KeyMetadata"]
    assert key["Arn"].startswith(f"arn:aws:kms:us-west-2:{ACCOUNT}:key/")
    with pytest.raises(ClientError) as excinfo:
        api.client().describe_key(KeyId=key["KeyId"])
    assert client_error(excinfo)[0] == "NotFoundException"


def test_events_name_the_sdk_caller(api):
    alice_arn, alice_keys = api.user("alice")
    seen = []
    unsubscribe = api.engine.events.subscribe(seen.append)
    try:
        with pytest.raises(ClientError):  # no IAM policy lets alice list keys
            api.client(alice_keys).list_keys()
    finally:
        unsubscribe()
    records = [r for r in seen if r.get("eventName") == "ListKeys"]
    assert records
    identity = records[-1]["userIdentity"]
    assert identity.get("arn") == alice_arn
    assert identity.get("accessKeyId") == alice_keys.access_key_id
    assert records[-1]["errorCode"] == "AccessDeniedException"


def test_blob_members_travel_as_base64(api, key_id):
    # what boto3 hides: the wire form is base64 text
    from .conftest import raw_post

    payload = json.dumps(
        {"KeyId": key_id, "Plaintext": base64.b64encode(b"wire").decode()}
    ).encode()
    status, _, body = raw_post(api.url, payload, target="TrentService.Encrypt", keys=api.root)
    assert status == 200
    base64.b64decode(body["CiphertextBlob"], validate=True)


def test_iam_policies_count_where_the_key_policy_delegates(api, kms):
    carol_arn, carol_keys = api.user("carol")
    api.engine.call(
        "PutUserPolicy",
        {
            "UserName": "carol",
            "PolicyName": "kms-use",
            "PolicyDocument": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["kms:Encrypt", "kms:Decrypt"],
                            "Resource": "*",
                        }
                    ],
                }
            ),
        },
    )
    carol = api.client(carol_keys)
    delegating = kms.create_key()["KeyMetadata"]["KeyId"]  # the default key policy
    blob = carol.encrypt(KeyId=delegating, Plaintext=b"c")["CiphertextBlob"]
    assert carol.decrypt(CiphertextBlob=blob)["Plaintext"] == b"c"

    bob_arn, _ = api.user("bob")
    closed = kms.create_key(
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": bob_arn},
                        "Action": "kms:*",
                        "Resource": "*",
                    }
                ],
            }
        ),
        BypassPolicyLockoutSafetyCheck=True,
    )
    with pytest.raises(ClientError) as excinfo:
        carol.encrypt(KeyId=closed["KeyMetadata"]["KeyId"], Plaintext=b"c")
    code, message = client_error(excinfo)
    assert code == "AccessDeniedException" and carol_arn in message
