"""The console's live sections against a real engine with the EC2 service: what a
person does in Volumes shows up, as it happens, in the Monitor."""

from __future__ import annotations

import re

from livetest import make_story, settle, wait_until

from kmstui.ui.dialogs.confirm import ConfirmScreen
from kmstui.ui.dialogs.error import ErrorScreen
from kmstui.ui.live.dialogs import AttachScreen, CreateVolumeScreen, WorkloadScreen
from kmstui.ui.live.event_list import EventList
from kmstui.ui.live.graphs import ThroughputPanel
from kmstui.ui.live.monitor import MonitorPane
from kmstui.ui.live.volume_detail import VolumeDetailScreen
from kmstui.ui.live.volumes import VolumesPane

INFRA = re.compile(r"^arn:aws:sts::111122223333:assumed-role/aws:ec2-infrastructure/i-[0-9a-f]+$")
SIZE = (120, 40)


async def _volumes(pilot) -> VolumesPane:
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)
    pane = pilot.app.screen.query_one(VolumesPane)
    await wait_until(
        pilot, lambda: pane.volumes or pane.query_one("#volumes-note").render(), what="the volumes"
    )
    return pane


async def _select(pilot, pane: VolumesPane, volume_id: str) -> None:
    await wait_until(
        pilot, lambda: any(v["VolumeId"] == volume_id for v in pane.volumes), what=volume_id
    )
    table = pane.query_one("DataTable")
    table.move_cursor(row=table.get_row_index(volume_id))
    table.focus()
    await pilot.pause()


async def _monitor(pilot, filter_text: str = "") -> EventList:
    await pilot.press("4")
    await settle(pilot)
    monitor = pilot.app.screen.query_one(MonitorPane)
    if filter_text:
        monitor.apply_filter(filter_text)
    monitor.refresh_now()
    await settle(pilot)
    return monitor.query_one(EventList)


def _state(pane: VolumesPane, volume_id: str) -> str:
    return next((v["State"] for v in pane.volumes if v["VolumeId"] == volume_id), "")


async def test_create_and_attach_shows_the_decrypt_with_its_grant(console, ec2_engine):
    key_id = ec2_engine.call("CreateKey", {})["KeyMetadata"]["KeyId"]
    ec2_engine.call("CreateAlias", {"AliasName": "alias/ebs-volumes", "TargetKeyId": key_id})
    async with console.run_test(size=SIZE) as pilot:
        pane = await _volumes(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, CreateVolumeScreen)
        dialog.query_one("#size").value = "4"
        dialog.query_one("#key").value = "alias/ebs-volumes"
        await pilot.click("#ok")
        await wait_until(pilot, lambda: len(pane.volumes) == 1, what="the new volume")
        volume_id = pane.volumes[0]["VolumeId"]
        assert pane.volumes[0]["Encrypted"] and pane.volumes[0]["KmsKeyId"].endswith(key_id)

        await _select(pilot, pane, volume_id)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(pilot.app.screen, AttachScreen)
        await pilot.click("#ok")  # a new instance, /dev/sdf
        await wait_until(pilot, lambda: _state(pane, volume_id) == "in-use", what="attached")

        events = await _monitor(pilot, "op:Decrypt")
        assert events.row_count == 1
        decrypt = events.record_at(0)
        row = events.visible_rows()[0]
    attach = next(r for r in ec2_engine.events.recent if r["eventName"] == "AttachVolume")
    grant_id = attach["additionalEventData"]["grantId"]
    assert INFRA.match(decrypt["userIdentity"]["arn"])
    assert decrypt["requestParameters"]["encryptionContext"] == {"aws:ebs:id": volume_id}
    assert decrypt["decision"]["decidedBy"] == [grant_id]
    assert row.operation == "Decrypt" and row.outcome == "Allow"
    assert row.principal.startswith("ec2-infrastructure/i-")
    assert row.context == f"aws:ebs:id={volume_id}"
    assert row.decided_by == f"grant {grant_id[:8]}…"
    assert row.key == "alias/ebs-volumes"


async def test_a_workload_moves_the_throughput(console, ec2_engine):
    story = make_story(ec2_engine)
    volume_id = story["attached"]
    async with console.run_test(size=SIZE) as pilot:
        pane = await _volumes(pilot)
        await _select(pilot, pane, volume_id)
        await pilot.press("w")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, WorkloadScreen)
        assert dialog.query_one("#rw").value == "randrw"  # database 4k random
        dialog.query_one("#runtime").value = "20"
        dialog.query_one("#runtime").focus()
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: pane.feed.throughput(volume_id).iops > 0, 15, "I/O to be counted"
        )
        await wait_until(
            pilot,
            lambda: str(pane.query_one("DataTable").get_cell(volume_id, "rate")).startswith("●"),
            what="the live column",
        )
        await pilot.press("4")
        await settle(pilot)
        panel = pilot.app.screen.query_one(ThroughputPanel)
        await wait_until(
            pilot,
            lambda: any(
                line.volume_id == volume_id and line.sample.iops > 0 for line in panel.lines
            ),
            what="the graph",
        )
        ec2_engine.ec2.workloads.stop_volume(volume_id)


async def test_detach_shows_the_data_key_wiped(console, ec2_engine):
    story = make_story(ec2_engine)
    volume_id = story["attached"]
    async with console.run_test(size=SIZE) as pilot:
        pane = await _volumes(pilot)
        await _select(pilot, pane, volume_id)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: _state(pane, volume_id) == "available", what="detach")
        events = await _monitor(pilot, "op:DataKeyWiped")
        assert events.row_count == 1
        wiped = events.record_at(0)
    assert wiped["serviceEventDetails"]["encryptionContext"] == {"aws:ebs:id": volume_id}
    assert wiped["serviceEventDetails"]["reason"] == "detach"
    assert volume_id in wiped["requestParameters"]["volumeId"]


async def test_attach_with_the_key_disabled_is_refused_with_the_kms_error(console, ec2_engine):
    story = make_story(ec2_engine)
    ec2_engine.call("DisableKey", {"KeyId": story["key_id"]})
    async with console.run_test(size=SIZE) as pilot:
        pane = await _volumes(pilot)
        await _select(pilot, pane, story["spare"])
        await pilot.press("a")
        await settle(pilot)
        await pilot.click("#ok")
        await wait_until(
            pilot, lambda: isinstance(pilot.app.screen, ErrorScreen), what="the error dialog"
        )
        error = pilot.app.screen
        assert error.code == "DisabledException"
        assert "disabled" in error.message
        await pilot.press("escape")
        await settle(pilot)
        assert _state(pane, story["spare"]) == "available"
        events = await _monitor(pilot, "error")
        assert any(r.outcome == "✕ DisabledException" for r in events.visible_rows())


async def test_volume_detail_lists_the_data_key_lifecycle(console, ec2_engine):
    story = make_story(ec2_engine)
    volume_id = story["attached"]
    ec2_engine.call("DetachVolume", {"VolumeId": volume_id})
    ec2_engine.call("CreateSnapshot", {"VolumeId": volume_id})
    async with console.run_test(size=SIZE) as pilot:
        pane = await _volumes(pilot)
        await _select(pilot, pane, volume_id)
        await pilot.press("enter")
        await settle(pilot)
        detail = pilot.app.screen
        assert isinstance(detail, VolumeDetailScreen)
        lifecycle = detail.query_one("#lifecycle")
        steps = [str(lifecycle.get_row_at(i)[1]) for i in range(lifecycle.row_count)]
        snapshots = detail.query_one("#snapshots").row_count
    assert steps[:2] == ["generated", "CreateVolume"]
    for step in ("grant", "decrypt", "in memory", "wiped", "grant retired"):
        assert step in steps
    assert steps.index("decrypt") < steps.index("in memory") < steps.index("wiped")
    assert snapshots == 1


async def test_the_volumes_table_shows_whole_ids_after_a_resize_and_back(console, ec2_engine):
    from livetest import make_story
    from textual.widgets import DataTable

    story = make_story(ec2_engine)
    async with console.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        for size in [(80, 24), (120, 40)]:
            await pilot.resize_terminal(*size)
            await settle(pilot)
            table = pilot.app.screen.query_one("#volumes", DataTable)
            ids = table.get_column("id")
            assert story["attached"] in [str(cell) for cell in ids]
            width = table.columns["id"].get_render_width(table) - 2 * table.cell_padding
            assert width >= len(story["attached"]), size


async def test_a_workload_refused_after_a_restart_says_the_data_key_must_be_decrypted_again(
    make_engine, tmp_path
):
    from kmstui.ui.live.console import LiveConsole

    first = make_engine()
    ec2 = first.ec2
    story = make_story(first)
    first.call("DisableKey", {"KeyId": story["key_id"]})  # the attached volume keeps working
    ec2.close()
    first.close()

    engine = make_engine()  # a new process: the volume is in-use, its data key not loaded
    ec2 = engine.ec2
    console = LiveConsole(engine, config_dir=tmp_path / "console-config")
    try:
        async with console.run_test(size=SIZE) as pilot:
            pane = await _volumes(pilot)
            table = pane.query_one("DataTable")
            table.move_cursor(row=table.get_row_index(story["attached"]))
            await pilot.press("w")
            await settle(pilot)
            pilot.app.screen.query_one("#runtime").value = "5"
            pilot.app.screen.query_one("#runtime").focus()
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, ErrorScreen))
            error = pilot.app.screen
            assert error.code == "DisabledException"
            assert "decrypt it again" in error.message
            assert "detach and attach" in error.message
    finally:
        ec2.close()


async def test_the_palette_offers_other_screens_actions_and_goes_there(console, ec2_engine):
    from kmstui.ui.jump import elsewhere, go_and_run
    from kmstui.ui.screens.key_detail import KeyDetailScreen

    make_story(ec2_engine)
    async with console.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")  # the Monitor: no key, no volume on screen
        await settle(pilot)
        titles = {c.title: c for c in elsewhere(set())}
        assert {"rotation: rotate now", "volume: attach", "key: disable"} <= set(titles)
        go_and_run(pilot.app, titles["rotation: rotate now"])
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen), 30)
        assert "Rotate now" in pilot.app.screen.title_text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, KeyDetailScreen)
        assert pilot.app.screen.query_one("TabbedContent").active == "rotation"
        go_and_run(pilot.app, titles["volume: create"])
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, CreateVolumeScreen), 30)
        assert pilot.app.current_mode == "volumes"


async def test_slash_filters_the_volumes_as_you_type(console, ec2_engine):
    story = make_story(ec2_engine)
    async with console.run_test(size=SIZE) as pilot:
        pane = await _volumes(pilot)
        table = pane.query_one("DataTable")
        assert table.row_count == 2
        await pilot.press("slash", *"avail")
        await settle(pilot)
        assert table.row_count == 1
        assert pane.selected_id == story["spare"]
        await pilot.press("escape")
        await settle(pilot)
        assert table.row_count == 2


async def test_volume_detail_exports_the_volume_over_nbd(console, ec2_engine):
    import asyncio

    from tests.nbd.client import Client

    story = make_story(ec2_engine)
    volume_id = story["attached"]
    async with console.run_test(size=SIZE) as pilot:
        pane = await _volumes(pilot)
        await _select(pilot, pane, volume_id)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, VolumeDetailScreen)
        await pilot.press("N")
        await wait_until(pilot, lambda: pilot.app.nbd_servers, what="the export")
        server = pilot.app.nbd_servers[0]
        assert pilot.app.exported_at(volume_id) == server.address

        def write_and_read() -> bytes:
            with Client((server.host, server.port)) as client:
                client.connect()
                assert client.write(8192, b"detail" * 100) == 0
                return client.read(8192, 600)

        assert await asyncio.to_thread(write_and_read) == b"detail" * 100
        await pilot.press("N")  # again: the same export, said where
        await settle(pilot)
        assert len(pilot.app.nbd_servers) == 1
    assert pilot.app.nbd_servers == []  # closed with the console
