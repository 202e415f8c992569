"""The seed caller model: EC2 calls KMS as the service principal ec2.amazonaws.com
with the aws:ec2:arn context the sample key policy's second statement expects."""

from __future__ import annotations

import pytest

from kmstui.errors import AwsError
from kmstui.sample import seed_policy_text

ACCOUNT = "111122223333"
SEED_STATEMENT = "Allow access for EC2 to encrypt/decrypt volumes"


@pytest.fixture
def seed_key(ebs):
    ebs.ec2.settings.caller_model = "seed"
    return ebs.call("CreateKey", {"Policy": seed_policy_text()})["KeyMetadata"]["Arn"]


def test_seed_model_generates_the_data_key_as_ec2_with_the_volume_arn_context(ebs, seed_key):
    volume_id = ebs.volume(KmsKeyId=seed_key)
    [event] = ebs.named("GenerateDataKeyWithoutPlaintext")
    assert event["userIdentity"] == {"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}
    assert event["requestParameters"]["encryptionContext"] == {
        "aws:ec2:arn": f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/{volume_id}"
    }
    assert event["decision"]["decidedBy"] == [SEED_STATEMENT]


def test_seed_model_attach_decrypts_as_ec2_without_a_grant(ebs, seed_key):
    volume_id = ebs.volume(KmsKeyId=seed_key)
    ebs.attach(volume_id, ebs.instance())
    assert ebs.named("CreateGrant") == []
    [decrypt] = ebs.named("Decrypt")
    assert decrypt["decision"]["decidedBy"] == [SEED_STATEMENT]
    device = ebs.ec2.volume_device(volume_id)
    device.write(0, b"seed")
    assert device.read(0, 4) == b"seed"


def test_volume_keeps_its_model_when_the_setting_changes(ebs, seed_key):
    volume_id = ebs.volume(KmsKeyId=seed_key)
    ebs.ec2.settings.caller_model = "aws"
    ebs.attach(volume_id, ebs.instance())
    assert ebs.named("CreateGrant") == []


def test_aws_model_against_the_seed_key_works_through_the_account_statement(ebs, seed_key):
    ebs.ec2.settings.caller_model = "aws"
    volume_id = ebs.volume(KmsKeyId=seed_key)
    ebs.attach(volume_id, ebs.instance())
    assert ebs.named("Decrypt")[0]["decision"]["effect"] == "Allow"


def test_seed_model_is_denied_for_a_key_without_the_ec2_statement(ebs, seed_key):
    plain_key = ebs.key()
    with pytest.raises(AwsError) as caught:
        ebs.volume(KmsKeyId=plain_key)
    assert caught.value.code == "AccessDeniedException"


def test_unknown_caller_model_is_refused(ebs):
    with pytest.raises(ValueError):
        ebs.ec2.settings.caller_model = "other"
