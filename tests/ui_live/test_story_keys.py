"""The whole EBS story driven from the keyboard alone, at 80x24 and at 120x40: the
console on a new data directory (the sample seeded, as on a first run), and nothing
but key presses: no command line, no engine call. Each step checks what the screen
shows, so a regression anywhere along the way fails here.

A key policy edited, with the finding the edit brings; a simulation; a grant; a
rotation; an instance run; a volume created and attached to it; a workload's I/O;
the attach's Decrypt with its encryption context on the Monitor; the key disabled;
and the re-attach KMS refuses, its error on screen."""

from __future__ import annotations

import pytest
from livetest import settle, wait_until
from textual.widgets import DataTable

from kmstui.sample import seed

AUDITOR = "arn:aws:iam::111122223333:user/auditor"
APP_ROLE = "arn:aws:iam::111122223333:role/app-role"
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def first_run(ec2_engine, tmp_path):
    """The console on a new data directory: the sample seeded, as ``kmstui`` does."""
    from kmstui.ui.live.console import LiveConsole

    seed(ec2_engine)
    return LiveConsole(ec2_engine, config_dir=tmp_path / "console-config")


def shown(widget) -> str:
    """What a widget shows, as text."""
    return str(widget.render())


def rows(table: DataTable) -> list[str]:
    """Each row of a table as one line of its cells' text."""
    return [" ".join(str(c) for c in table.get_row_at(r)) for r in range(table.row_count)]


async def write(pilot, text: str) -> None:
    """Type ``text`` into whatever has the focus."""
    for character in text:
        await pilot.press(character)


async def tab_to(pilot, widget_id: str, key: str = "tab", limit: int = 40) -> None:
    """Press Tab (or ``key``: shift+tab) until the widget ``widget_id`` has the focus."""
    for _ in range(limit):
        focused = pilot.app.focused
        if focused is not None and focused.id == widget_id:
            return
        await pilot.press(key)
    raise AssertionError(f"{key} never reached #{widget_id} (at {pilot.app.focused})")


def on_screen(widget) -> bool:
    return widget.region.width > 0 and widget.region.height > 0


def screen_text(pilot) -> str:
    """What the current screen shows: every Static and Label in view, and the rows of
    every table in view, as text."""
    from textual.widgets import Static

    screen = pilot.app.screen
    parts = [shown(w) for w in screen.query(Static) if on_screen(w)]
    for table in screen.query(DataTable):
        if on_screen(table):
            parts.extend(rows(table))
    return "\n".join(parts)


def table_rows(pilot) -> list[str]:
    """The rows of every table in view."""
    return [
        row
        for table in pilot.app.screen.query(DataTable)
        if on_screen(table)
        for row in rows(table)
    ]


def last_row(pilot) -> list[str]:
    """The cells of the focused table's last row."""
    table = pilot.app.focused
    assert isinstance(table, DataTable), f"{table} is not a table"
    return [str(c) for c in table.get_row_at(table.row_count - 1)]


def selected_row(pilot) -> list[str]:
    """The cells of the focused table's selected row."""
    table = pilot.app.focused
    assert isinstance(table, DataTable), f"{table} is not a table"
    return [str(c) for c in table.get_row_at(table.cursor_row)]


def mib_per_s(row: list[str]) -> float:
    return float(row[-1].lstrip("● ") or 0)


def drawn(widget) -> str:
    """The lines a widget draws, as text (what a person reads, wrapped as shown)."""
    from textual.geometry import Region

    width, height = widget.size
    return "\n".join(
        strip.text.rstrip() for strip in widget.render_lines(Region(0, 0, width, height))
    )


def title(pilot):
    return pilot.app.screen.query_one("#key-title")


def ids_on_screen(pilot) -> set[str]:
    return {w.id for w in pilot.app.screen.query("*") if w.id and on_screen(w)}


async def see(pilot, needle: str, what: str = "") -> None:
    await wait_until(pilot, lambda: needle in screen_text(pilot), what=what or repr(needle))


@pytest.mark.parametrize("size", SIZES)
async def test_the_ebs_story_from_the_keyboard(first_run, size):
    async with first_run.run_test(size=size) as pilot:
        await settle(pilot)
        # -- the key policy, edited: a finding the edit brings ------------------------
        await see(pilot, "alias/ebs-volumes", "the sample's keys")
        await pilot.press("slash")
        await write(pilot, "ebs-volumes")
        await pilot.press("enter", "enter")
        await settle(pilot)
        await see(pilot, "CMK for EBS volume encryption", "the key detail")
        await pilot.press("alt+p")
        await settle(pilot)
        await see(pilot, "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL", "the seed policy's findings")
        assert "MISSING_VERSION" not in screen_text(pilot)

        # -- a simulation: may the auditor decrypt with this policy? ------------------
        if "simulate-action" not in ids_on_screen(pilot):  # narrow: the simulator hides
            await tab_to(pilot, "policy-editor")
            await pilot.press("f9", "alt+p")
        await tab_to(pilot, "simulate-principal", "shift+tab")
        await pilot.press("end", "ctrl+u")
        await write(pilot, AUDITOR)
        await see(pilot, "ImplicitDeny", "the simulator's answer")
        await see(pilot, "no identity-based policy allows the kms:Decrypt action")

        # -- the policy edited: the finding the edit brings, then saved ---------------
        await tab_to(pilot, "policy-editor")
        if "policy-findings" not in ids_on_screen(pilot):  # narrow: the simulator's place
            await pilot.press("f9")
        await pilot.press("ctrl+home", "down", "down", "end", "ctrl+u")  # line 3: Version
        await see(pilot, "MISSING_VERSION", "the new finding")
        await see(pilot, "modified")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await see(pilot, '-  "Version": "2012-10-17",', "the diff to review")
        await pilot.press("enter")  # Save
        await settle(pilot)
        await wait_until(pilot, lambda: "modified" not in screen_text(pilot), what="saved")
        assert "MISSING_VERSION" in screen_text(pilot)

        # -- a grant: the app role may decrypt ---------------------------------------
        await pilot.press("alt+g")
        await tab_to(pilot, "grants-table")
        await see(pilot, "1 grant", "EC2's grant for the sample's attached volume")
        await pilot.press("n")
        await settle(pilot)
        await write(pilot, APP_ROLE)
        await tab_to(pilot, "grant-operations")
        await pilot.press("space")  # the first operation: Decrypt
        await see(pilot, "Chosen: Decrypt")
        await tab_to(pilot, "dialog-confirm")
        await pilot.press("enter")
        await settle(pilot)
        await see(pilot, "GrantToken (shown once", "the grant's token")
        await tab_to(pilot, "dialog-ok")
        await pilot.press("enter")
        await settle(pilot)
        await see(pilot, "2 grants", "the new grant")
        assert any("app-role" in row and "Decrypt" in row for row in table_rows(pilot))

        # -- a rotation, on demand ----------------------------------------------------
        await pilot.press("alt+r")
        await settle(pilot)
        await see(pilot, "On-demand rotations: 0 of 25")
        await pilot.press("r")
        await settle(pilot)
        await see(pilot, "Rotate now?")
        await pilot.press("y")
        await see(pilot, "On-demand rotations: 1 of 25", "the rotation")
        assert any("ON_DEMAND" in row for row in table_rows(pilot))

        # -- an instance run ----------------------------------------------------------
        await pilot.press("3")
        await see(pilot, "1 volume(s)", "the sample's volume")
        await see(pilot, "EBS caller model aws")
        await pilot.press("i")
        await see(pilot, "1 instance(s), 1 running")
        await pilot.press("n")
        await settle(pilot)
        await see(pilot, "Run instance")
        await write(pilot, "story-1")
        await pilot.press("enter")
        await see(pilot, "2 instance(s), 2 running", "the new instance")
        instance = last_row(pilot)[0]
        assert instance.startswith("i-") and "running" in last_row(pilot)

        # -- a volume created under the CMK, attached to the new instance -------------
        await pilot.press("escape")
        await see(pilot, "1 volume(s)")
        await pilot.press("n")
        await settle(pilot)
        await see(pilot, "Create volume")
        await tab_to(pilot, "key")
        await pilot.press("enter", "down", "down", "enter")  # alias/ebs-volumes
        await see(pilot, "alias/ebs-volumes")
        await tab_to(pilot, "size", "shift+tab")
        await pilot.press("enter")
        await see(pilot, "2 volume(s)", "the new volume")
        await pilot.press("G")  # the newest is the last
        await settle(pilot)
        volume = last_row(pilot)[0]
        assert selected_row(pilot)[0] == volume
        assert volume.startswith("vol-") and "available" in last_row(pilot)
        assert "ebs-volumes" in " ".join(last_row(pilot))
        await pilot.press("a")
        await settle(pilot)
        await see(pilot, "Attach volume")
        await tab_to(pilot, "instance")
        await pilot.press("enter", "down", "enter")  # the instance just run
        await tab_to(pilot, "device")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "in-use" in last_row(pilot), what="attached")
        assert instance[:10] in " ".join(last_row(pilot))

        # -- a workload's I/O ---------------------------------------------------------
        await pilot.press("w")
        await settle(pilot)
        await see(pilot, "Start I/O workload")
        await tab_to(pilot, "ok")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "●" in " ".join(last_row(pilot)), what="the I/O")
        await wait_until(pilot, lambda: mib_per_s(last_row(pilot)) > 0, what="throughput")

        # -- the attach's Decrypt on the Monitor, with its encryption context ---------
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("slash", "end", "ctrl+u")
        await write(pilot, "op:Decrypt")
        await pilot.press("enter", "G", "enter")  # the newest Decrypt, opened
        await settle(pilot)
        record = drawn(pilot.app.screen.query_one("#record"))
        assert '"eventName": "Decrypt"' in record
        assert f'"aws:ebs:id": "{volume}"' in record  # the volume's encryption context
        unwrapped = record.replace("\n", "")  # long values fold across lines
        assert f"assumed-role/aws:ec2-infrastructure/{instance}" in unwrapped
        await pilot.press("escape")
        await settle(pilot)

        # -- the key disabled: the attached volume keeps working ----------------------
        await pilot.press("1")
        await settle(pilot)
        await wait_until(
            pilot, lambda: "alias/ebs-volumes" in drawn(title(pilot)), what="the key again"
        )
        assert "Enabled" in drawn(title(pilot))
        await pilot.press("D")
        await settle(pilot)
        await pilot.press("y")
        await wait_until(pilot, lambda: "Disabled" in drawn(title(pilot)), what="Disabled")

        # -- re-attach refused: detach, then attach again -----------------------------
        await pilot.press("3")
        await settle(pilot)
        await wait_until(pilot, lambda: "●" in " ".join(last_row(pilot)), what="I/O goes on")
        assert selected_row(pilot)[0] == volume
        await pilot.press("d")
        await settle(pilot)
        await see(pilot, "Detach volume")
        await pilot.press("y")
        await wait_until(pilot, lambda: "available" in last_row(pilot), what="detached")
        await pilot.press("a")
        await settle(pilot)
        await see(pilot, "Attach volume")
        await tab_to(pilot, "device")
        await pilot.press("enter")
        await see(pilot, "DisabledException", "KMS's refusal")
        await see(pilot, "is disabled")
        await pilot.press("escape")
        await settle(pilot)
        assert "available" in last_row(pilot)
