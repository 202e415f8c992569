"""``kmstui --nbd VOLUME_ID``: the console serves an attached volume over NBD from its
own event loop, and the I/O shows in the volume's metrics."""

from __future__ import annotations

import asyncio

from consoletest import SIZE, settle

from kmstui.ui.app import KmsConsole
from tests.nbd.client import Client
from tests.workers import wait_until


def attached_volume(engine) -> str:
    instance = engine.call("RunInstances", {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1})
    instance_id = instance["Instances"][0]["InstanceId"]
    key = engine.call("CreateKey", {"Description": "nbd"})["KeyMetadata"]["Arn"]
    volume_id = engine.call(
        "CreateVolume",
        {"Size": 1, "AvailabilityZone": "us-east-1a", "Encrypted": True, "KmsKeyId": key},
    )["VolumeId"]
    engine.call(
        "AttachVolume", {"VolumeId": volume_id, "InstanceId": instance_id, "Device": "/dev/sdf"}
    )
    return volume_id


def write_and_read(port: int) -> bytes:
    with Client(("127.0.0.1", port)) as client:
        client.connect()
        assert client.write(4096, b"console" * 512) == 0
        return client.read(4096, 7 * 512)


async def test_the_console_exports_a_volume_and_counts_its_io(engine, tmp_path):
    volume_id = attached_volume(engine)
    app = KmsConsole(engine, config_dir=tmp_path / "config", exports=((volume_id, 0),))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: app.nbd_servers)
        port = app.nbd_servers[0].port
        assert await asyncio.to_thread(write_and_read, port) == b"console" * 512
        counters = engine.ec2.metrics.snapshot(volume_id)
        assert counters["Totals"]["WriteOps"] >= 1 and counters["Totals"]["ReadOps"] >= 1
    assert app.nbd_servers == []  # closed with the console


async def test_a_volume_that_is_not_attached_is_reported_not_exported(engine, tmp_path):
    app = KmsConsole(
        engine, config_dir=tmp_path / "config", exports=(("vol-0123456789abcdef0", 0),)
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: app.screen.__class__.__name__ == "ErrorScreen")
        assert "vol-0123456789abcdef0" in app.screen.message
        assert app.nbd_servers == []
