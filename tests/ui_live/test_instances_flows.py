"""Instances and the EBS caller model from the console, driven by keys: run, stop,
start (refused when the key was disabled meanwhile), terminate, an instance's
volumes; the caller model switched; and the volume detail's own actions."""

from __future__ import annotations

from livetest import make_story, settle, wait_until
from textual.widgets import DataTable, Input, Static

from kmstui.ui.dialogs.confirm import ConfirmScreen
from kmstui.ui.live.dialogs import (
    AttachScreen,
    CopySnapshotScreen,
    RunInstanceScreen,
    WorkloadScreen,
)
from kmstui.ui.live.instances import InstancesScreen, InstanceVolumesScreen
from kmstui.ui.live.volume_detail import VolumeDetailScreen
from kmstui.ui.live.volumes import VolumesPane

SIZE = (120, 40)


def text(widget) -> str:
    return str(widget.render())


def cells(table: DataTable, row_key: str) -> list[str]:
    return [str(c) for c in table.get_row(row_key)]


async def _volumes(pilot) -> VolumesPane:
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)
    pane = pilot.app.screen.query_one(VolumesPane)
    await wait_until(pilot, lambda: bool(pane.volumes), what="the volumes")
    return pane


async def _instances(pilot) -> InstancesScreen:
    await _volumes(pilot)
    await pilot.press("i")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, InstancesScreen)
    await wait_until(pilot, lambda: bool(screen.instances), what="the instances")
    return screen


def _row(screen: InstancesScreen, instance_id: str) -> list[str]:
    return cells(screen.query_one(DataTable), instance_id)


async def _select(pilot, table: DataTable, key: str) -> None:
    table.move_cursor(row=table.get_row_index(key))
    table.focus()
    await pilot.pause()


async def test_instances_list_their_state_and_attached_volumes(console, ec2_engine):
    story = make_story(ec2_engine)
    async with console.run_test(size=SIZE) as pilot:
        screen = await _instances(pilot)
        row = _row(screen, story["instance"])
        note = text(screen.query_one("#instances-note"))
    assert "running" in row
    assert f"sdf {story['attached']}" in row
    assert note.startswith("1 instance(s), 1 running")


async def test_run_adds_a_named_running_instance(console, ec2_engine):
    make_story(ec2_engine)
    async with console.run_test(size=SIZE) as pilot:
        screen = await _instances(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, RunInstanceScreen)
        dialog.query_one("#name", Input).value = "web-1"
        await pilot.click("#ok")
        await wait_until(pilot, lambda: len(screen.instances) == 2, what="the new instance")
        new = next(i for i in screen.instances if i.get("Tags"))
        row = _row(screen, new["InstanceId"])
    assert row[:3] == [new["InstanceId"], "web-1", "running"]
    assert new["InstanceType"] == "t3.micro"


async def test_stop_asks_first_and_wipes_the_volumes_keys_start_loads_them(console, ec2_engine):
    story = make_story(ec2_engine)
    instance, volume = story["instance"], story["attached"]
    async with console.run_test(size=SIZE) as pilot:
        screen = await _instances(pilot)
        await _select(pilot, screen.query_one(DataTable), instance)
        await pilot.press("W")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmScreen)
        assert "wiped from memory" in pilot.app.screen.message
        await pilot.press("n")  # not yet
        await settle(pilot)
        assert "running" in _row(screen, instance)
        await pilot.press("W", "y")
        await wait_until(pilot, lambda: "stopped" in _row(screen, instance), what="stopped")
        assert volume not in ec2_engine.ec2.live  # the data key left memory
        await pilot.press("b")
        await wait_until(pilot, lambda: "running" in _row(screen, instance), what="running")
    assert volume in ec2_engine.ec2.live


async def test_a_start_refused_by_kms_shows_the_state_reason(console, ec2_engine):
    story = make_story(ec2_engine)
    instance = story["instance"]
    async with console.run_test(size=SIZE) as pilot:
        screen = await _instances(pilot)
        await _select(pilot, screen.query_one(DataTable), instance)
        await pilot.press("W", "y")
        await wait_until(pilot, lambda: "stopped" in _row(screen, instance), what="stopped")
        ec2_engine.call("DisableKey", {"KeyId": story["key_id"]})
        await pilot.press("b")
        await wait_until(
            pilot,
            lambda: "Client.InternalError" in _row(screen, instance),
            what="the state reason",
        )
        assert "stopped" in _row(screen, instance)


async def test_terminate_asks_first_and_detaches_the_volumes(console, ec2_engine):
    story = make_story(ec2_engine)
    instance = story["instance"]
    async with console.run_test(size=SIZE) as pilot:
        screen = await _instances(pilot)
        await _select(pilot, screen.query_one(DataTable), instance)
        await pilot.press("x")
        await settle(pilot)
        confirm = pilot.app.screen
        assert isinstance(confirm, ConfirmScreen) and confirm.destructive
        await pilot.press("y")
        await wait_until(pilot, lambda: "terminated" in _row(screen, instance), what="gone")
        assert "—" in _row(screen, instance)  # no volumes
    volume = ec2_engine.call("DescribeVolumes", {"VolumeIds": [story["attached"]]})
    assert volume["Volumes"][0]["State"] == "available"


async def test_enter_shows_the_instances_volumes_and_their_detail(console, ec2_engine):
    story = make_story(ec2_engine)
    async with console.run_test(size=SIZE) as pilot:
        screen = await _instances(pilot)
        await _select(pilot, screen.query_one(DataTable), story["instance"])
        await pilot.press("enter")
        await settle(pilot)
        volumes = pilot.app.screen
        assert isinstance(volumes, InstanceVolumesScreen)
        pane = volumes.query_one(VolumesPane)
        await wait_until(pilot, lambda: bool(pane.volumes), what="its volumes")
        assert [v["VolumeId"] for v in pane.volumes] == [story["attached"]]  # not the spare
        assert text(pane.query_one("#volumes-note")).startswith(
            f"1 volume(s) attached to {story['instance']}"
        )
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, VolumeDetailScreen)
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert pilot.app.screen is screen


async def test_the_caller_model_is_shown_and_switched(console, ec2_engine):
    make_story(ec2_engine)
    async with console.run_test(size=SIZE) as pilot:
        pane = await _volumes(pilot)
        line = pane.query_one("#caller-model", Static)
        assert text(line).startswith("EBS caller model aws: data keys decrypted by each")
        await pilot.press("m")
        await settle(pilot)
        confirm = pilot.app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert "ec2.amazonaws.com" in confirm.message
        await pilot.press("y")
        await wait_until(pilot, lambda: "model seed" in text(line), what="the seed model")
        assert "decrypted by ec2.amazonaws.com" in text(line)
        assert ec2_engine.ec2.caller_model == "seed"
        await pilot.press("m", "y")
        await wait_until(pilot, lambda: "model aws" in text(line), what="the aws model")
    assert ec2_engine.ec2.caller_model == "aws"


async def test_the_volume_detail_detaches_attaches_and_snapshots(console, ec2_engine):
    story = make_story(ec2_engine)
    volume = story["attached"]
    async with console.run_test(size=SIZE) as pilot:
        pane = await _volumes(pilot)
        await _select(pilot, pane.query_one(DataTable), volume)
        await pilot.press("enter")
        await settle(pilot)
        detail = pilot.app.screen
        assert isinstance(detail, VolumeDetailScreen)
        title = detail.query_one("#detail-title")
        assert text(title).endswith("in-use")

        await pilot.press("d", "y")
        await wait_until(pilot, lambda: text(title).endswith("available"), what="detached")
        assert "attached to —" in text(detail.query_one("#detail-summary"))

        await pilot.press("a")
        await settle(pilot)
        assert isinstance(pilot.app.screen, AttachScreen)
        await pilot.click("#ok")  # the story's instance, the first free device
        await wait_until(pilot, lambda: text(title).endswith("in-use"), what="attached")
        assert story["instance"] in text(detail.query_one("#detail-summary"))

        await pilot.press("S")
        snapshots = detail.query_one("#snapshots", DataTable)
        await wait_until(pilot, lambda: snapshots.row_count == 1, what="the snapshot")

        await pilot.press("w")
        await settle(pilot)
        workload = pilot.app.screen
        assert isinstance(workload, WorkloadScreen) and workload.volume_id == volume
        await pilot.click("#ok")
        await wait_until(pilot, lambda: bool(detail.feed.jobs(volume)), what="the workload")
        await pilot.press("W")
        await wait_until(pilot, lambda: not detail.feed.jobs(volume), what="stopped I/O")
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen.query_one(VolumesPane) is pane


async def test_the_volume_detail_copies_a_snapshot_in_the_consoles_region(console, ec2_engine):
    story = make_story(ec2_engine)
    volume = story["attached"]

    def snapshot_ids() -> list[str]:
        snaps = ec2_engine.call("DescribeSnapshots", {"OwnerIds": ["self"]})["Snapshots"]
        return [s["SnapshotId"] for s in snaps]

    async with console.run_test(size=SIZE) as pilot:
        pane = await _volumes(pilot)
        await _select(pilot, pane.query_one(DataTable), volume)
        await pilot.press("enter")
        await settle(pilot)
        detail = pilot.app.screen
        assert isinstance(detail, VolumeDetailScreen)
        before = snapshot_ids()
        await pilot.press("S")
        snapshots = detail.query_one("#snapshots", DataTable)
        await wait_until(pilot, lambda: snapshots.row_count == 1, what="the snapshot")

        await pilot.press("K")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, CopySnapshotScreen)
        assert dialog.result()["SourceRegion"] == ec2_engine.region
        await pilot.click("#ok")
        await wait_until(pilot, lambda: len(snapshot_ids()) == len(before) + 2, what="the copy")


async def test_the_volumes_are_read_again_on_a_change_made_elsewhere_only(console, ec2_engine):
    make_story(ec2_engine)

    def reads() -> int:
        return sum(1 for r in ec2_engine.events.recent if r["eventName"] == "DescribeVolumes")

    async with console.run_test(size=SIZE) as pilot:
        pane = await _volumes(pilot)
        before = reads()
        await pilot.pause(1.0)  # four redraws of the live column
        await settle(pilot)
        assert reads() == before  # nothing changed: nothing read
        made = ec2_engine.call("CreateVolume", {"Size": 1, "AvailabilityZone": "us-east-1a"})[
            "VolumeId"
        ]  # as another client would, over the endpoint
        await wait_until(
            pilot, lambda: made in {v["VolumeId"] for v in pane.volumes}, what="the new volume"
        )
    assert reads() == before + 1
