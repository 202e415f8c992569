"""StopInstances and StartInstances: a stop wipes the attached volumes' DEKs and
keeps attachments and grants; a start decrypts them again through KMS, and fails
back to stopped when KMS refuses."""

from __future__ import annotations

from .conftest import error_of


def instance_state(ebs, instance_id: str) -> dict:
    reservations = ebs.call("DescribeInstances", {"InstanceIds": [instance_id]})["Reservations"]
    return reservations[0]["Instances"][0]


def stop(ebs, instance_id: str) -> dict:
    return ebs.call("StopInstances", {"InstanceIds": [instance_id]})["StoppingInstances"][0]


def start(ebs, instance_id: str) -> dict:
    return ebs.call("StartInstances", {"InstanceIds": [instance_id]})["StartingInstances"][0]


def test_stop_wipes_the_data_key_and_keeps_attachment_and_grant(ebs, attached):
    volume_id, instance_id = attached
    live = ebs.ec2.attachment(volume_id)
    assert live.key_loaded
    change = stop(ebs, instance_id)
    assert change["PreviousState"] == {"Code": 16, "Name": "running"}
    assert change["CurrentState"] == {"Code": 64, "Name": "stopping"}
    assert not live.key_loaded and not any(live.data_key)
    assert ebs.ec2.attachment(volume_id) is None
    [wiped] = ebs.named("DataKeyWiped")
    assert wiped["serviceEventDetails"]["reason"] == "instance stopped"
    described = instance_state(ebs, instance_id)
    assert described["State"]["Name"] == "stopped"
    assert described["StateReason"]["Code"] == "Client.UserInitiatedShutdown"
    assert described["StateTransitionReason"].startswith("User initiated (")
    assert ebs.describe(volume_id)["State"] == "in-use"
    assert not ebs.named("RetireGrant")


def test_io_waits_for_the_instance_to_start(ebs, attached):
    volume_id, instance_id = attached
    stop(ebs, instance_id)
    refused = error_of(lambda: ebs.ec2.volume_device(volume_id))
    assert refused.code == "IncorrectInstanceState"
    assert "stopped" in refused.message


def test_start_decrypts_again_and_the_data_is_still_there(ebs, attached):
    volume_id, instance_id = attached
    ebs.ec2.volume_device(volume_id).write(4096, b"written before the stop")
    stop(ebs, instance_id)
    decrypts_before = len(ebs.named("Decrypt"))
    change = start(ebs, instance_id)
    assert change["PreviousState"]["Name"] == "stopped"
    assert change["CurrentState"] == {"Code": 0, "Name": "pending"}
    assert instance_state(ebs, instance_id)["State"]["Name"] == "running"
    decrypts = ebs.named("Decrypt")[decrypts_before:]
    assert len(decrypts) == 1 and "errorCode" not in decrypts[0]
    assert decrypts[0]["userIdentity"]["type"] == "AssumedRole"
    assert [e["serviceEventDetails"]["reason"] for e in ebs.named("DataKeyLoaded")] == [
        "attach",
        "instance started",
    ]
    assert ebs.ec2.attachment(volume_id).key_loaded
    data = ebs.ec2.volume_device(volume_id).read(4096, 23)
    assert bytes(data) == b"written before the stop"


def test_a_key_disabled_while_stopped_keeps_the_instance_from_starting(ebs):
    key_arn = ebs.key()  # a customer managed key: the account may disable it
    instance_id = ebs.instance()
    volume_id = ebs.volume(KmsKeyId=key_arn)
    ebs.attach(volume_id, instance_id)
    stop(ebs, instance_id)
    ebs.call("DisableKey", {"KeyId": key_arn})
    change = start(ebs, instance_id)
    assert change["CurrentState"]["Name"] == "pending"  # as AWS answers, then fails
    described = instance_state(ebs, instance_id)
    assert described["State"]["Name"] == "stopped"
    assert described["StateReason"] == {
        "Code": "Client.InternalError",
        "Message": "Client.InternalError: Client error on launch",
    }
    assert ebs.named("Decrypt")[-1]["errorCode"] == "DisabledException"
    [started] = ebs.named("StartInstances")
    assert started["additionalEventData"]["launchFailures"] == {instance_id: "DisabledException"}
    assert ebs.ec2.attachment(volume_id) is None
    ebs.call("EnableKey", {"KeyId": key_arn})
    start(ebs, instance_id)
    assert instance_state(ebs, instance_id)["State"]["Name"] == "running"
    assert "StateReason" not in instance_state(ebs, instance_id)
    assert ebs.ec2.attachment(volume_id).key_loaded


def test_stopping_a_stopped_or_starting_a_running_instance_changes_nothing(ebs, attached):
    _volume_id, instance_id = attached
    running = start(ebs, instance_id)
    assert running["CurrentState"] == running["PreviousState"] == {"Code": 16, "Name": "running"}
    stop(ebs, instance_id)
    again = stop(ebs, instance_id)
    assert again["CurrentState"] == again["PreviousState"] == {"Code": 80, "Name": "stopped"}
    assert len(ebs.named("DataKeyWiped")) == 1


def test_a_terminated_instance_can_be_neither_stopped_nor_started(ebs):
    instance_id = ebs.instance()
    ebs.call("TerminateInstances", {"InstanceIds": [instance_id]})
    for operation, verb in (("StopInstances", "stopped"), ("StartInstances", "started")):
        refused = error_of(lambda op=operation: ebs.call(op, {"InstanceIds": [instance_id]}))
        assert refused.code == "IncorrectInstanceState"
        assert refused.message.endswith(f"can be {verb}.")


def test_unknown_or_missing_instances_are_named_as_ec2_names_them(ebs):
    missing = error_of(lambda: ebs.call("StopInstances", {"InstanceIds": ["i-0123456789abcdef0"]}))
    assert missing.code == "InvalidInstanceID.NotFound"
    assert error_of(lambda: ebs.call("StartInstances", {})).code == "MissingParameter"


def test_a_volume_attached_while_stopped_gets_its_key_when_the_instance_starts(ebs):
    instance_id = ebs.instance()
    stop(ebs, instance_id)
    volume_id = ebs.volume()
    ebs.attach(volume_id, instance_id)
    assert ebs.named("CreateGrant") and not ebs.named("DataKeyLoaded")
    assert ebs.ec2.attachment(volume_id) is None
    assert ebs.describe(volume_id)["State"] == "in-use"
    start(ebs, instance_id)
    [loaded] = ebs.named("DataKeyLoaded")
    assert loaded["serviceEventDetails"]["reason"] == "instance started"
    assert ebs.ec2.attachment(volume_id).key_loaded
