"""The live sections and the demo's key frames at 80x24 and 120x40.

Each picture is drawn from a FIXED stream: the events of a deterministic engine
(fixed clock, seeded ids) and made-up throughput, so no live timing reaches them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from livetest import fixed_feed, make_story, settle

from kmstui.ui.live.console import DemoConsole, LiveConsole
from kmstui.ui.live.dialogs import WorkloadScreen
from kmstui.ui.live.event_list import EventList
from kmstui.ui.live.monitor import MonitorPane
from kmstui.ui.live.story import DEMO_SEED, DEMO_TIME, STEPS, play

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def story(ec2_engine):
    return make_story(ec2_engine)


@pytest.fixture
def live_console(ec2_engine, story, tmp_path):
    return LiveConsole(
        ec2_engine, live_feed=fixed_feed(ec2_engine, story), config_dir=tmp_path / "console-config"
    )


def _section(number: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press(number)
        await settle(pilot)

    return run_before


async def _detail(pilot) -> None:
    await _section("3")(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def _instances(pilot) -> None:
    await _section("3")(pilot)
    await pilot.press("i")
    await settle(pilot)


async def _instance_volumes(pilot) -> None:
    await _instances(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def _workload(pilot) -> None:
    await _section("3")(pilot)
    pilot.app.push_screen(WorkloadScreen("vol-0123456789abcdef0"))
    await settle(pilot)


async def _event(pilot) -> None:
    await _section("4")(pilot)
    events = pilot.app.screen.query_one(EventList)
    decrypt = next(
        r for r in range(events.row_count) if events.record_at(r)["eventName"] == "Decrypt"
    )
    events._move_to(decrypt)
    await pilot.press("enter")
    await settle(pilot)


async def _filtered(pilot) -> None:
    await _section("4")(pilot)
    pilot.app.screen.query_one(MonitorPane).apply_filter("by:ec2-infrastructure")
    await settle(pilot)


SCENES = {
    "volumes": _section("3"),
    "volume-detail": _detail,
    "instances": _instances,
    "instance-volumes": _instance_volumes,
    "workload-dialog": _workload,
    "monitor": _section("4"),
    "monitor-filtered": _filtered,
    "event-record": _event,
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scene", list(SCENES))
def test_live_scene(snap_compare, live_console, scene, size):
    assert snap_compare(live_console, terminal_size=size, run_before=SCENES[scene])


@pytest.fixture(scope="module")
def demo_frames(tmp_path_factory):
    """The demo played once headless: the events after each step and what was said."""
    from kmstui.backends import EmbeddedBackend
    from kmstui.clock import Clock
    from kmstui.engine import Engine
    from kmstui.entropy import Entropy

    where = tmp_path_factory.mktemp("demo")
    engine = Engine(
        where / "data", where / "config", clock=Clock(fixed=DEMO_TIME), entropy=Entropy(DEMO_SEED)
    )
    frames: dict[int, tuple[str, list[dict]]] = {}
    try:
        state = play(
            EmbeddedBackend(engine),
            narrate=lambda n, step, detail: frames.__setitem__(
                n, (detail, list(engine.events.recent))
            ),
        )
        story = {"attached": state.volume_id, "instance": state.instance_id}
        aliases = fixed_feed(engine, story)
    finally:
        engine.ec2.close()
        engine.close()
    return frames, story, aliases


FRAMES = {"findings": 2, "attach": 4, "refused": 8}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("frame", list(FRAMES))
def test_demo_frame(snap_compare, demo_frames, ec2_engine, tmp_path, frame, size):
    frames, story, fixed = demo_frames
    number = FRAMES[frame]
    detail, events = frames[number]
    # What the monitor showed then: no volume yet, attached before any I/O, detached.
    volumes = {story["attached"]: story["instance"]} if frame == "attach" else {}
    feed = replace(
        fixed,
        events=list(events),
        volumes=volumes,
        samples={},
        graphs={},
        kms_series=[0.0] * 50 + [4.0, 0.0, 2.0, 3.0, 0.0, 0.0, 5.0, 0.0, 0.0, 1.0],
    )
    app = DemoConsole(
        ec2_engine, autoplay=False, live_feed=feed, config_dir=tmp_path / "console-config"
    )

    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app._narrate(number, STEPS[number - 1], detail)
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40)])
async def test_the_volumes_table_fits_without_scrolling_sideways(live_console, size):
    from textual.widgets import DataTable

    async with live_console.run_test(size=(120, 40)) as pilot:
        await _section("3")(pilot)
        await pilot.resize_terminal(*size)  # the columns follow a resize
        await settle(pilot)
        table = pilot.app.screen.query_one("#volumes", DataTable)
        assert table.row_count == 2
        assert table.virtual_size.width <= table.scrollable_content_region.width
        assert "rate" in [c.value for c in table.columns]


def _resized(number: str):
    async def run_before(pilot) -> None:
        await _section(number)(pilot)
        await pilot.resize_terminal(80, 24)  # from 120x40, as a person narrows the window
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("scene", ["3", "4"], ids=["volumes", "monitor"])
def test_a_resize_from_120_to_80_columns(snap_compare, live_console, scene):
    """Volumes re-lays out its table (whole ids); the Monitor drops to its narrow
    columns. Taken after the resize, at 80x24."""
    assert snap_compare(live_console, terminal_size=(120, 40), run_before=_resized(scene))
