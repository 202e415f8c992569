"""Data written to an attached volume reads back the same, at any offset and length,
across everything that happens to the volume's key and backing file; and nothing of
the plaintext (data or data key) ever reaches the data directory."""

from __future__ import annotations

import base64
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REGION = 4 * 1024 * 1024  # writes land in the first 4 MiB of a 1 GiB volume

writes = st.lists(
    st.tuples(st.integers(0, REGION - 1), st.binary(min_size=1, max_size=3 * 4096 + 17)),
    min_size=1,
    max_size=6,
).map(lambda ws: [(min(o, REGION - len(d)), d) for o, d in ws])

HYPOTHESIS = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def apply(device, model: bytearray, requests) -> None:
    for offset, data in requests:
        device.write(offset, data)
        model[offset : offset + len(data)] = data


def check(device, model: bytearray) -> None:
    assert device.read(0, REGION) == bytes(model)


def fresh(ebs, **params):
    instance_id = ebs.instance()
    volume_id = ebs.volume(**params)
    ebs.attach(volume_id, instance_id)
    return volume_id, instance_id


@HYPOTHESIS
@given(requests=writes)
def test_any_write_reads_back_the_same_bytes(ebs, requests):
    volume_id, _ = fresh(ebs)
    device = ebs.ec2.volume_device(volume_id)
    model = bytearray(REGION)
    apply(device, model, requests)
    for offset, data in requests:
        assert device.read(offset, len(data)) == bytes(model[offset : offset + len(data)])
    check(device, model)


@HYPOTHESIS
@given(requests=writes)
def test_data_survives_detach_and_attach(ebs, requests):
    volume_id, instance_id = fresh(ebs)
    model = bytearray(REGION)
    apply(ebs.ec2.volume_device(volume_id), model, requests)
    ebs.detach(volume_id)
    ebs.attach(volume_id, instance_id)
    check(ebs.ec2.volume_device(volume_id), model)


@HYPOTHESIS
@given(requests=writes)
def test_data_survives_an_engine_restart(ebs, requests):
    volume_id, _ = fresh(ebs)
    model = bytearray(REGION)
    apply(ebs.ec2.volume_device(volume_id), model, requests)
    ebs.restart()
    check(ebs.ec2.volume_device(volume_id), model)


@HYPOTHESIS
@given(requests=writes)
def test_data_survives_key_rotation(ebs, requests):
    key = ebs.key()
    volume_id, instance_id = fresh(ebs, KmsKeyId=key)
    model = bytearray(REGION)
    apply(ebs.ec2.volume_device(volume_id), model, requests)
    ebs.call("RotateKeyOnDemand", {"KeyId": key})
    ebs.detach(volume_id)
    ebs.attach(volume_id, instance_id)
    check(ebs.ec2.volume_device(volume_id), model)
    # A volume made after the rotation uses the new key material; both read back.
    newer, _ = fresh(ebs, KmsKeyId=key)
    apply(ebs.ec2.volume_device(newer), bytearray(REGION), requests)


@HYPOTHESIS
@given(requests=writes)
def test_data_survives_snapshot_and_restore(ebs, requests):
    volume_id, instance_id = fresh(ebs)
    model = bytearray(REGION)
    apply(ebs.ec2.volume_device(volume_id), model, requests)
    snapshot_id = ebs.call("CreateSnapshot", {"VolumeId": volume_id})["SnapshotId"]
    ebs.ec2.volume_device(volume_id).write(0, b"after the snapshot")
    restored = ebs.volume(SnapshotId=snapshot_id, Size=2)
    ebs.attach(restored, instance_id, "/dev/sdg")
    check(ebs.ec2.volume_device(restored), model)


@HYPOTHESIS
@given(requests=writes)
def test_data_survives_copy_snapshot_to_another_key(ebs, requests):
    other = ebs.key()
    volume_id, instance_id = fresh(ebs)
    model = bytearray(REGION)
    apply(ebs.ec2.volume_device(volume_id), model, requests)
    snapshot_id = ebs.call("CreateSnapshot", {"VolumeId": volume_id})["SnapshotId"]
    copy_id = ebs.call(
        "CopySnapshot",
        {
            "SourceSnapshotId": snapshot_id,
            "SourceRegion": "us-east-1",
            "Encrypted": True,
            "KmsKeyId": other,
        },
    )["SnapshotId"]
    restored = ebs.volume(SnapshotId=copy_id)
    assert ebs.describe(restored)["KmsKeyId"] == other
    ebs.attach(restored, instance_id, "/dev/sdg")
    check(ebs.ec2.volume_device(restored), model)


def test_snapshot_keeps_the_volume_data_key(ebs):
    volume_id, _ = fresh(ebs)
    snapshot_id = ebs.call("CreateSnapshot", {"VolumeId": volume_id})["SnapshotId"]
    volume = ebs.ec2.volume_record(volume_id)
    snapshot = ebs.ec2.snapshot(ebs.engine.root_caller(), snapshot_id)
    assert snapshot["DataKey"] == volume["DataKey"]
    assert ebs.named("CreateSnapshot", "ec2.amazonaws.com")[0]["resources"][0]["ARN"].endswith(
        volume_id
    )


def test_snapshot_file_is_the_volume_ciphertext(ebs):
    volume_id, _ = fresh(ebs)
    ebs.ec2.volume_device(volume_id).write(8192, os.urandom(3 * 4096))
    snapshot_id = ebs.call("CreateSnapshot", {"VolumeId": volume_id})["SnapshotId"]
    data_dir = ebs.engine.data_dir
    with (
        open(data_dir / "volumes" / f"{volume_id}.img", "rb") as v,
        open(data_dir / "snapshots" / f"{snapshot_id}.img", "rb") as s,
    ):
        assert v.read(REGION) == s.read(REGION)


def test_copy_snapshot_to_another_key_gets_a_new_data_key_and_new_ciphertext(ebs):
    other = ebs.key()
    volume_id, _ = fresh(ebs)
    ebs.ec2.volume_device(volume_id).write(0, b"x" * 4096)
    snapshot_id = ebs.call("CreateSnapshot", {"VolumeId": volume_id})["SnapshotId"]
    events_before = len(ebs.events)
    copy_id = ebs.call(
        "CopySnapshot",
        {
            "SourceSnapshotId": snapshot_id,
            "SourceRegion": "us-east-1",
            "KmsKeyId": other,
            "Encrypted": True,
        },
    )["SnapshotId"]
    kms = [
        e["eventName"]
        for e in ebs.events[events_before:]
        if e["eventSource"] == "kms.amazonaws.com"
    ]
    assert kms == ["Decrypt", "GenerateDataKey"]
    snapshots = {s["SnapshotId"]: s for s in ebs.call("DescribeSnapshots")["Snapshots"]}
    assert snapshots[copy_id]["KmsKeyId"] == other
    folder = ebs.engine.data_dir / "snapshots"
    assert head(folder / f"{copy_id}.img", 4096) != head(folder / f"{snapshot_id}.img", 4096)


def test_restore_under_the_same_key_rewraps_the_data_key_for_the_new_volume(ebs):
    volume_id, _ = fresh(ebs)
    snapshot_id = ebs.call("CreateSnapshot", {"VolumeId": volume_id})["SnapshotId"]
    restored = ebs.volume(SnapshotId=snapshot_id)
    [re_encrypt] = ebs.named("ReEncrypt")
    assert re_encrypt["requestParameters"]["destinationEncryptionContext"] == {
        "aws:ebs:id": restored
    }
    assert ebs.ec2.volume_record(restored)["DataKey"]["EncryptionContext"] == {
        "aws:ebs:id": restored
    }


def test_restore_from_an_unencrypted_snapshot_can_encrypt(ebs):
    instance_id = ebs.instance()
    plain = ebs.volume(Encrypted=False)
    ebs.attach(plain, instance_id)
    ebs.ec2.volume_device(plain).write(4096, b"to be encrypted" * 300)
    snapshot_id = ebs.call("CreateSnapshot", {"VolumeId": plain})["SnapshotId"]
    encrypted = ebs.volume(SnapshotId=snapshot_id, Encrypted=True)
    ebs.attach(encrypted, instance_id, "/dev/sdg")
    assert ebs.ec2.volume_device(encrypted).read(4096, 15) == b"to be encrypted"
    image = head(ebs.engine.data_dir / "volumes" / f"{encrypted}.img", REGION)
    assert b"to be encrypted" not in image


def test_snapshot_errors_use_ec2_codes(ebs):
    from kmstui.errors import AwsError

    for operation, params, code in [
        ("CreateSnapshot", {"VolumeId": "vol-0123456789abcdef0"}, "InvalidVolume.NotFound"),
        ("DeleteSnapshot", {"SnapshotId": "snap-0123456789abcdef0"}, "InvalidSnapshot.NotFound"),
        (
            "CopySnapshot",
            {"SourceSnapshotId": "snap-0123456789abcdef0", "SourceRegion": "us-east-1"},
            "InvalidSnapshot.NotFound",
        ),
        ("CopySnapshot", {"SourceSnapshotId": "snap-0123456789abcdef0"}, "MissingParameter"),
        ("DescribeSnapshots", {"SnapshotIds": ["snap-1"]}, "InvalidSnapshotID.Malformed"),
    ]:
        with pytest.raises(AwsError) as caught:
            ebs.call(operation, params)
        assert caught.value.code == code, operation


def test_delete_snapshot_removes_it_and_its_file(ebs):
    volume_id = ebs.volume()
    snapshot_id = ebs.call("CreateSnapshot", {"VolumeId": volume_id})["SnapshotId"]
    ebs.call("DeleteSnapshot", {"SnapshotId": snapshot_id})
    assert ebs.call("DescribeSnapshots")["Snapshots"] == []
    assert not (ebs.engine.data_dir / "snapshots" / f"{snapshot_id}.img").exists()


def head(path, length: int) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(length)


def stored_bytes(path) -> bytes:
    """A file's content without its holes (which read as zeros and hold nothing)."""
    from kmstui.ebs.backing import data_extents

    parts = []
    with open(path, "rb") as handle:
        for offset, length in data_extents(handle.fileno(), os.path.getsize(path)):
            parts.append(os.pread(handle.fileno(), length, offset))
    return b"\x00".join(parts)


def _encodings(secret: bytes) -> list[bytes]:
    return [
        secret,
        secret.hex().encode(),
        secret.hex().upper().encode(),
        base64.b64encode(secret),
        base64.urlsafe_b64encode(secret),
    ]


def test_no_plaintext_data_key_or_data_block_reaches_the_data_directory(ebs):
    pattern = (b"KMSTUI-KNOWN-PLAINTEXT-PATTERN-" * 200)[:4096]
    other = ebs.key()
    instance_id = ebs.instance()
    volume_id = ebs.volume()
    ebs.attach(volume_id, instance_id)
    attachment = ebs.ec2.attachment(volume_id)
    data_keys = [bytes(attachment.data_key)]
    device = ebs.ec2.volume_device(volume_id)
    for unit in (0, 1, 7, 100):
        device.write(unit * 4096, pattern)
    device.write(5 * 4096 + 100, pattern[:1000])
    snapshot_id = ebs.call("CreateSnapshot", {"VolumeId": volume_id})["SnapshotId"]
    copy_id = ebs.call(
        "CopySnapshot",
        {
            "SourceSnapshotId": snapshot_id,
            "SourceRegion": "us-east-1",
            "Encrypted": True,
            "KmsKeyId": other,
        },
    )["SnapshotId"]
    restored = ebs.volume(SnapshotId=copy_id)
    ebs.attach(restored, instance_id, "/dev/sdg")
    data_keys.append(bytes(ebs.ec2.attachment(restored).data_key))
    assert ebs.ec2.volume_device(restored).read(4096, 4096) == pattern
    ebs.detach(volume_id)
    assert attachment.data_key == bytearray(64)
    ebs.restart()
    ebs.ec2.volume_device(restored).read(0, 4096)
    data_dir = ebs.engine.data_dir
    ebs.ec2.close()
    ebs.engine.close()  # flushes the event history too
    ebs.engine = None

    secrets = [pattern, pattern[:64]]
    for key in data_keys:
        secrets += [*_encodings(key), *_encodings(key[:32]), *_encodings(key[32:])]
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert any(p.suffix == ".img" for p in files)
    for path in files:
        content = stored_bytes(path)
        for secret in secrets:
            assert secret not in content, f"{path.name} holds a plaintext secret"
