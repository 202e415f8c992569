"""AttachVolume / DetachVolume: the grant, the Decrypt by the instance's
infrastructure session, the plaintext DEK held only by the attachment and wiped on
detach, KMS refusals, and attachments that outlive the engine process."""

from __future__ import annotations

import json

import pytest

from .conftest import error_of

ACCOUNT = "111122223333"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def policy(*extra: dict) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": ROOT},
                "Action": "kms:*",
                "Resource": "*",
            },
            *extra,
        ],
    }


def test_attach_creates_a_decrypt_grant_for_the_instance_infrastructure_principal(ebs, attached):
    volume_id, instance_id = attached
    [event] = ebs.named("CreateGrant")
    request = event["requestParameters"]
    assert request["granteePrincipal"] == f"{ACCOUNT}:aws:ec2-infrastructure:{instance_id}"
    assert request["operations"] == ["Decrypt"]
    assert request["constraints"] == {"encryptionContextSubset": {"aws:ebs:id": volume_id}}
    assert event["userIdentity"]["invokedBy"] == "ec2.us-east-1.amazonaws.com"


def test_attach_decrypts_as_the_assumed_role_session_decided_by_that_grant(ebs, attached):
    volume_id, instance_id = attached
    grant_id = ebs.named("CreateGrant")[0]["responseElements"]["grantId"]
    [decrypt] = ebs.named("Decrypt")
    assert (
        decrypt["userIdentity"]["arn"]
        == f"arn:aws:sts::{ACCOUNT}:assumed-role/aws:ec2-infrastructure/{instance_id}"
    )
    assert decrypt["requestParameters"]["encryptionContext"] == {"aws:ebs:id": volume_id}
    assert decrypt["decision"]["effect"] == "Allow"
    assert decrypt["decision"]["decidedBy"] == [grant_id]


def test_attach_puts_the_volume_in_use_with_an_ec2_attachment(ebs, attached):
    volume_id, instance_id = attached
    volume = ebs.describe(volume_id)
    assert volume["State"] == "in-use"
    [attachment] = volume["Attachments"]
    assert (attachment["InstanceId"], attachment["Device"], attachment["State"]) == (
        instance_id,
        "/dev/sdf",
        "attached",
    )
    instance = ebs.call("DescribeInstances", {"InstanceIds": [instance_id]})
    [mapping] = instance["Reservations"][0]["Instances"][0]["BlockDeviceMappings"]
    assert mapping["Ebs"]["VolumeId"] == volume_id


def test_plaintext_data_key_is_held_by_the_attachment_in_memory(ebs, attached):
    volume_id, _ = attached
    attachment = ebs.ec2.attachment(volume_id)
    assert isinstance(attachment.data_key, bytearray) and len(attachment.data_key) == 64
    assert any(attachment.data_key)


def test_detach_wipes_the_attachment_data_key_to_zeros(ebs, attached):
    volume_id, _ = attached
    attachment = ebs.ec2.attachment(volume_id)
    ebs.detach(volume_id)
    assert attachment.data_key == bytearray(64)
    assert attachment.cipher.wiped
    assert ebs.ec2.attachment(volume_id) is None


def test_detach_retires_the_grant(ebs, attached):
    volume_id, _ = attached
    grant_id = ebs.named("CreateGrant")[0]["responseElements"]["grantId"]
    key = ebs.describe(volume_id)["KmsKeyId"]
    ebs.detach(volume_id)
    [retire] = ebs.named("RetireGrant")
    assert retire["requestParameters"]["grantId"] == grant_id and "errorCode" not in retire
    assert ebs.call("ListGrants", {"KeyId": key})["Grants"] == []


def test_data_key_lifecycle_appears_in_the_event_stream_without_key_bytes(ebs, attached):
    volume_id, _ = attached
    key_bytes = bytes(ebs.ec2.attachment(volume_id).data_key)
    ebs.detach(volume_id)
    names = [e["eventName"] for e in ebs.events]
    order = [
        "GenerateDataKeyWithoutPlaintext",
        "CreateGrant",
        "Decrypt",
        "DataKeyLoaded",
        "DataKeyWiped",
        "RetireGrant",
    ]
    assert [n for n in names if n in order] == order
    text = json.dumps(ebs.events)
    assert key_bytes.hex() not in text and key_bytes[:16].hex() not in text


def test_detached_device_refuses_io_with_incorrect_state(ebs, attached):
    volume_id, _ = attached
    device = ebs.ec2.volume_device(volume_id)
    ebs.detach(volume_id)
    assert error_of(lambda: device.read(0, 4096)).code == "IncorrectState"


def test_volume_device_of_an_unattached_volume_is_incorrect_state(ebs):
    volume_id = ebs.volume()
    assert error_of(lambda: ebs.ec2.volume_device(volume_id)).code == "IncorrectState"


def test_key_disabled_while_attached_keeps_the_volume_working_until_detach(ebs):
    key = ebs.key()
    instance_id = ebs.instance()
    volume_id = ebs.volume(KmsKeyId=key)
    ebs.attach(volume_id, instance_id)
    device = ebs.ec2.volume_device(volume_id)
    device.write(8192, b"before")
    ebs.call("DisableKey", {"KeyId": key})
    device.write(0, b"after")
    assert device.read(8192, 6) == b"before" and device.read(0, 5) == b"after"
    ebs.detach(volume_id)
    error = error_of(lambda: ebs.attach(volume_id, instance_id))
    assert error.code == "DisabledException"
    volume = ebs.describe(volume_id)
    assert volume["State"] == "available" and volume["Attachments"] == []


def test_key_pending_deletion_refuses_the_next_attach_with_kms_invalid_state(ebs):
    key = ebs.key()
    instance_id = ebs.instance()
    volume_id = ebs.volume(KmsKeyId=key)
    ebs.attach(volume_id, instance_id)
    ebs.call("ScheduleKeyDeletion", {"KeyId": key, "PendingWindowInDays": 7})
    ebs.ec2.volume_device(volume_id).write(0, b"still works")
    ebs.detach(volume_id)
    assert error_of(lambda: ebs.attach(volume_id, instance_id)).code == "KMSInvalidStateException"


def test_denied_decrypt_on_attach_leaves_the_volume_available_with_the_denial_evented(ebs):
    key = ebs.key(
        policy(
            {
                "Sid": "DenyInstanceDecrypt",
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/aws:ec2-infrastructure"
                    }
                },
            }
        )
    )
    instance_id = ebs.instance()
    volume_id = ebs.volume(KmsKeyId=key)
    error = error_of(lambda: ebs.attach(volume_id, instance_id))
    assert error.code == "AccessDeniedException"
    volume = ebs.describe(volume_id)
    assert volume["State"] == "available" and volume["Attachments"] == []
    [decrypt] = ebs.named("Decrypt")
    assert decrypt["errorCode"] == "AccessDeniedException"
    assert decrypt["decision"]["effect"] == "ExplicitDeny"
    assert "DenyInstanceDecrypt" in decrypt["decision"]["decidedBy"]
    assert ebs.call("ListGrants", {"KeyId": key})["Grants"] == []
    assert ebs.named("AttachVolume")[0]["errorCode"] == "AccessDeniedException"
    assert ebs.ec2.attachment(volume_id) is None


def test_deny_put_after_create_with_bypass_blocks_attach_only(ebs):
    key = ebs.key()
    volume_id = ebs.volume(KmsKeyId=key)
    ebs.call(
        "PutKeyPolicy",
        {
            "KeyId": key,
            "PolicyName": "default",
            "BypassPolicyLockoutSafetyCheck": True,
            "Policy": json.dumps(
                policy(
                    {
                        "Sid": "NoGrantsForAwsResources",
                        "Effect": "Deny",
                        "Principal": {"AWS": "*"},
                        "Action": "kms:CreateGrant",
                        "Resource": "*",
                        "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
                    }
                )
            ),
        },
    )
    error = error_of(lambda: ebs.attach(volume_id, ebs.instance()))
    assert error.code == "AccessDeniedException"
    assert "NoGrantsForAwsResources" in ebs.named("CreateGrant")[0]["decision"]["decidedBy"]
    assert ebs.describe(volume_id)["State"] == "available"


def test_attachment_survives_an_engine_restart_and_decrypts_again_on_first_io(ebs, attached):
    volume_id, instance_id = attached
    ebs.ec2.volume_device(volume_id).write(4096, b"persisted")
    ebs.restart()
    assert ebs.describe(volume_id)["State"] == "in-use"
    assert ebs.named("Decrypt") == []
    assert ebs.ec2.volume_device(volume_id).read(4096, 9) == b"persisted"
    [decrypt] = ebs.named("Decrypt")
    assert decrypt["userIdentity"]["arn"].endswith(f"aws:ec2-infrastructure/{instance_id}")
    assert decrypt["decision"]["effect"] == "Allow"


def test_key_disabled_before_restart_blocks_the_volume_after_it(ebs):
    key = ebs.key()
    volume_id = ebs.volume(KmsKeyId=key)
    ebs.attach(volume_id, ebs.instance())
    ebs.call("DisableKey", {"KeyId": key})
    ebs.restart()
    assert error_of(lambda: ebs.ec2.volume_device(volume_id)).code == "DisabledException"


def test_closing_the_engine_wipes_every_data_key(ebs, attached):
    volume_id, _ = attached
    attachment = ebs.ec2.attachment(volume_id)
    ebs.ec2.close()
    assert attachment.data_key == bytearray(64)
    assert ebs.named("DataKeyWiped")[0]["serviceEventDetails"]["reason"] == "engine closed"


def test_detach_after_restart_retires_the_grant_without_a_decrypt(ebs, attached):
    volume_id, _ = attached
    ebs.restart()
    ebs.detach(volume_id)
    assert ebs.named("Decrypt") == [] and len(ebs.named("RetireGrant")) == 1
    assert ebs.describe(volume_id)["State"] == "available"


def test_terminate_instances_detaches_its_volumes(ebs, attached):
    volume_id, instance_id = attached
    attachment = ebs.ec2.attachment(volume_id)
    result = ebs.call("TerminateInstances", {"InstanceIds": [instance_id]})
    assert result["TerminatingInstances"][0]["PreviousState"]["Name"] == "running"
    assert attachment.data_key == bytearray(64)
    assert ebs.describe(volume_id)["State"] == "available"
    instance = ebs.call("DescribeInstances", {"InstanceIds": [instance_id]})
    assert instance["Reservations"][0]["Instances"][0]["State"]["Name"] == "terminated"


def test_user_caller_without_retire_permission_still_gets_its_grant_retired(ebs):
    user = f"arn:aws:iam::{ACCOUNT}:user/alice"
    from kmstui.caller import Caller

    ebs.call("CreateUser", {"UserName": "alice"})
    key = ebs.key(
        policy(
            {
                "Sid": "Alice uses the key through EC2",
                "Effect": "Allow",
                "Principal": {"AWS": user},
                "Action": ["kms:GenerateDataKey*", "kms:CreateGrant"],
                "Resource": "*",
            }
        )
    )
    alice = Caller.for_arn(user)
    volume_id = ebs.call(
        "CreateVolume",
        {"Size": 1, "AvailabilityZone": "us-east-1a", "Encrypted": True, "KmsKeyId": key},
        caller=alice,
    )["VolumeId"]
    instance_id = ebs.call(
        "RunInstances", {"ImageId": "ami-0abc1234", "MinCount": 1, "MaxCount": 1}, caller=alice
    )["Instances"][0]["InstanceId"]
    ebs.call(
        "AttachVolume",
        {"VolumeId": volume_id, "InstanceId": instance_id, "Device": "/dev/sdg"},
        caller=alice,
    )
    ebs.call("DetachVolume", {"VolumeId": volume_id}, caller=alice)
    retires = ebs.named("RetireGrant")
    assert [r.get("errorCode") for r in retires] == ["AccessDeniedException", None]
    assert ebs.call("ListGrants", {"KeyId": key})["Grants"] == []


@pytest.mark.parametrize(
    "change, code",
    [
        ({"VolumeId": "vol-0123456789abcdef0"}, "InvalidVolume.NotFound"),
        ({"InstanceId": "i-0123456789abcdef0"}, "InvalidInstanceID.NotFound"),
        ({"Device": "sdf!"}, "InvalidParameterValue"),
        ({"Device": None}, "MissingParameter"),
    ],
)
def test_attach_volume_rejects_bad_ids_with_ec2_codes(ebs, change, code):
    params = {
        "VolumeId": ebs.volume(Encrypted=False),
        "InstanceId": ebs.instance(),
        "Device": "/dev/sdf",
        **change,
    }
    assert error_of(lambda: ebs.call("AttachVolume", params)).code == code


def test_attach_an_attached_volume_is_volume_in_use(ebs, attached):
    volume_id, _ = attached
    assert error_of(lambda: ebs.attach(volume_id, ebs.instance(), "/dev/sdh")).code == "VolumeInUse"


def test_attach_to_a_taken_device_is_invalid_parameter_value(ebs, attached):
    _, instance_id = attached
    assert error_of(lambda: ebs.attach(ebs.volume(), instance_id)).code == "InvalidParameterValue"


def test_attach_to_a_terminated_instance_is_incorrect_instance_state(ebs):
    instance_id = ebs.instance()
    ebs.call("TerminateInstances", {"InstanceIds": [instance_id]})
    assert error_of(lambda: ebs.attach(ebs.volume(), instance_id)).code == "IncorrectInstanceState"


def test_attach_across_zones_is_a_zone_mismatch(ebs):
    instance_id = ebs.instance(Placement={"AvailabilityZone": "us-east-1c"})
    assert (
        error_of(lambda: ebs.attach(ebs.volume(), instance_id)).code == "InvalidVolume.ZoneMismatch"
    )


def test_detach_an_available_volume_is_incorrect_state(ebs):
    assert error_of(lambda: ebs.detach(ebs.volume())).code == "IncorrectState"


def test_detach_from_another_instance_is_invalid_attachment_not_found(ebs, attached):
    volume_id, _ = attached
    error = error_of(
        lambda: ebs.call("DetachVolume", {"VolumeId": volume_id, "InstanceId": ebs.instance()})
    )
    assert error.code == "InvalidAttachment.NotFound"


def test_unencrypted_volume_attaches_without_kms(ebs):
    volume_id = ebs.volume(Encrypted=False)
    ebs.attach(volume_id, ebs.instance())
    ebs.ec2.volume_device(volume_id).write(0, b"plain")
    assert ebs.ec2.volume_device(volume_id).read(0, 5) == b"plain"
    assert not [e for e in ebs.events if e["eventSource"] == "kms.amazonaws.com"]
