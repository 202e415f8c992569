"""IAM on the endpoint over the Query protocol: every operation the engine serves,
from boto3 and the aws CLI, with member.N lists and AWS's XML errors."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from .conftest import ACCOUNT, Keys
from .query_helpers import aws, aws_json, client, query_post, text

ALLOW_KMS = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}],
    }
)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_users_access_keys_and_policies_with_boto3(api):
    iam = client(api, "iam")
    name = _name("dave")
    user = iam.create_user(UserName=name, Path="/team/", Tags=[{"Key": "k", "Value": "v"}])
    assert user["User"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/team/{name}"
    assert user["User"]["Tags"] == [{"Key": "k", "Value": "v"}]
    assert iam.get_user(UserName=name)["User"]["UserId"] == user["User"]["UserId"]
    assert name in [u["UserName"] for u in iam.list_users()["Users"]]
    assert [u["UserName"] for u in iam.list_users(PathPrefix="/team/")["Users"]] == [name]

    key = iam.create_access_key(UserName=name)["AccessKey"]
    assert key["Status"] == "Active" and key["SecretAccessKey"]
    listed = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in listed] == [key["AccessKeyId"]]

    # the new key signs requests as the new user; a policy lets it use KMS
    keys = Keys(key["AccessKeyId"], key["SecretAccessKey"])
    assert client(api, "sts", keys).get_caller_identity()["Arn"] == user["User"]["Arn"]
    with pytest.raises(ClientError):
        client(api, "kms", keys).list_keys()
    iam.put_user_policy(UserName=name, PolicyName="kms", PolicyDocument=ALLOW_KMS)
    assert iam.list_user_policies(UserName=name)["PolicyNames"] == ["kms"]
    assert iam.get_user_policy(UserName=name, PolicyName="kms")["PolicyDocument"] == json.loads(
        ALLOW_KMS
    )
    client(api, "kms", keys).list_keys()

    iam.update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"], Status="Inactive")
    assert iam.list_access_keys(UserName=name)["AccessKeyMetadata"][0]["Status"] == "Inactive"
    with pytest.raises(ClientError) as excinfo:
        client(api, "sts", keys).get_caller_identity()
    assert excinfo.value.response["Error"]["Code"] == "InvalidClientTokenId"

    # no managed policies and no groups in the account: none attached, none joined
    assert iam.list_attached_user_policies(UserName=name)["AttachedPolicies"] == []
    assert iam.list_groups_for_user(UserName=name)["Groups"] == []

    iam.delete_user_policy(UserName=name, PolicyName="kms")
    iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName=name)
    with pytest.raises(ClientError) as excinfo:
        iam.get_user(UserName=name)
    error = excinfo.value.response["Error"]
    assert (error["Code"], error["Type"]) == ("NoSuchEntity", "Sender")
    assert name in error["Message"]
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_roles_and_their_policies_with_boto3(api):
    iam = client(api, "iam")
    name = _name("role")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/{name}"
    assert iam.get_role(RoleName=name)["Role"]["RoleId"] == role["RoleId"]
    assert name in [r["RoleName"] for r in iam.list_roles()["Roles"]]
    iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=ALLOW_KMS)
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["p"]
    assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == []
    assert iam.get_role_policy(RoleName=name, PolicyName="p")["PolicyName"] == "p"
    iam.delete_role_policy(RoleName=name, PolicyName="p")
    iam.delete_role(RoleName=name)
    with pytest.raises(ClientError) as excinfo:
        iam.get_role(RoleName=name)
    assert excinfo.value.response["Error"]["Code"] == "NoSuchEntity"


def test_aws_cli_users_keys_and_policies(api, tmp_path):
    name = _name("erin")
    made = aws_json(api, api.root, "iam", "create-user", "--user-name", name, tmp=tmp_path)
    assert made["User"]["UserName"] == name
    key = aws_json(api, api.root, "iam", "create-access-key", "--user-name", name, tmp=tmp_path)[
        "AccessKey"
    ]
    assert key["UserName"] == name and key["AccessKeyId"].startswith("AKIA")
    put = aws(
        api,
        api.root,
        "iam",
        "put-user-policy",
        "--user-name",
        name,
        "--policy-name",
        "kms",
        "--policy-document",
        ALLOW_KMS,
        tmp=tmp_path,
    )
    assert put.returncode == 0, put.stderr
    users = aws_json(api, api.root, "iam", "list-users", tmp=tmp_path)["Users"]
    assert name in [u["UserName"] for u in users]
    keys = Keys(key["AccessKeyId"], key["SecretAccessKey"])
    assert aws_json(api, keys, "kms", "list-keys", tmp=tmp_path)["Keys"] is not None
    missing = aws(api, api.root, "iam", "get-user", "--user-name", _name("nobody"), tmp=tmp_path)
    assert missing.returncode != 0 and "NoSuchEntity" in missing.stderr


def test_member_lists_and_error_xml(api):
    name = _name("frank")
    fields = {
        "Action": "CreateUser",
        "Version": "2010-05-08",
        "UserName": name,
        "Tags.member.1.Key": "a",
        "Tags.member.1.Value": "1",
        "Tags.member.2.Key": "b",
        "Tags.member.2.Value": "2",
    }
    status, _, root = query_post(api, "iam", fields)
    assert status == 200
    assert root.tag == "{https://iam.amazonaws.com/doc/2010-05-08/}CreateUserResponse"
    assert text(root, "CreateUserResult/User/UserName") == name
    tags = api.engine.call("GetUser", {"UserName": name})["User"]["Tags"]
    assert tags == [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]

    status, _, root = query_post(api, "iam", dict(fields, UserName=name))
    assert status == 409 and root.tag == "ErrorResponse"
    assert text(root, "Error/Code") == "EntityAlreadyExists"
    assert text(root, "Error/Type") == "Sender" and text(root, "RequestId")


def test_a_bad_value_is_a_validation_error_naming_the_member(api):
    status, _, root = query_post(
        api, "iam", {"Action": "ListUsers", "Version": "2010-05-08", "MaxItems": "many"}
    )
    assert status == 400
    assert text(root, "Error/Code") == "ValidationError"
    assert "Value 'many' at 'maxItems'" in text(root, "Error/Message")


def test_iam_signed_for_kms_scope_is_refused(api):
    # a Query request whose scope names a JSON-only service is answered as STS would
    status, _, root = query_post(api, "kms", {"Action": "ListUsers", "Version": "2010-05-08"})
    assert status == 403 and text(root, "Error/Code") == "SignatureDoesNotMatch"
