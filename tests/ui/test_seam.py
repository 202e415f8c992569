"""The one seam between the console and what it manages: every request goes through
the backend, off the UI loop, and what a backend cannot do is said before it is tried."""

from __future__ import annotations

import threading
from dataclasses import replace

from consoletest import SIZE, key_id_by_alias, open_key, settle

from kmstui.backends import Backend, Capabilities, Capability, EmbeddedBackend
from kmstui.caller import Caller
from kmstui.ui.dialogs.prompt import PromptScreen
from kmstui.ui.own_calls import CONSOLE_USER_AGENT


def test_the_embedded_backend_has_every_member_of_the_interface(engine):
    backend = EmbeddedBackend(engine)
    members = [name for name in vars(Backend) if not name.startswith("_")]
    assert "call" in members and "capabilities" in members
    assert [name for name in members if not hasattr(backend, name)] == []
    capabilities = backend.capabilities
    assert all(getattr(capabilities, name) for name in capabilities.names())


def test_a_capability_that_is_missing_says_why():
    missing = Capability(False, "AWS keeps its own time")
    assert not missing and missing.why_not == "unavailable: AWS keeps its own time"
    assert Capability(True).why_not == ""


async def test_the_consoles_requests_are_made_as_the_acting_principal_with_its_agent(app, engine):
    auditor = "arn:aws:iam::111122223333:user/auditor"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.act_as(auditor)
        await settle(pilot)
        app.submit("ListAliases", {})
        await settle(pilot)
    record = [r for r in engine.events.recent if r["eventName"] == "ListAliases"][-1]
    assert record["userAgent"] == CONSOLE_USER_AGENT
    assert record["userIdentity"]["arn"] == auditor


class RecordingBackend(EmbeddedBackend):
    """The embedded engine, noting the thread each request is made on."""

    def __init__(self, engine, **kwargs):
        super().__init__(engine, **kwargs)
        self.threads: list[tuple[str, bool]] = []

    def call(self, operation: str, params: dict | None = None, *, caller: Caller) -> dict:
        self.threads.append((operation, threading.current_thread() is threading.main_thread()))
        return super().call(operation, params, caller=caller)


async def test_no_request_runs_on_the_ui_loop(engine, tmp_path):
    from kmstui.ui.app import KmsConsole

    backend = RecordingBackend(engine)
    app = KmsConsole(backend=backend, config_dir=tmp_path / "config")
    key_id = key_id_by_alias(engine, "alias/ebs-volumes")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_key(pilot, key_id, tab="policy")
        screen.action_show_tab("grants")
        await settle(pilot)
        pane = app.screen.query_one("GrantsPane")
        pane.refresh_grants()
        await settle(pilot)
    operations = {operation for operation, _ in backend.threads}
    assert {"ListKeys", "DescribeKey", "GetKeyPolicy", "ListGrants"} <= operations
    assert [op for op, on_loop in backend.threads if on_loop] == []


class NoClockBackend(EmbeddedBackend):
    """A backend without an engine clock of its own (as AWS has none)."""

    def __init__(self, engine, **kwargs):
        super().__init__(engine, **kwargs)
        self.clock = None

    @property
    def capabilities(self) -> Capabilities:
        return replace(super().capabilities, clock=Capability(False, "AWS keeps its own time"))


async def test_a_backend_without_a_clock_says_so_instead_of_prompting(engine, tmp_path):
    from kmstui.ui.app import KmsConsole

    app = KmsConsole(backend=NoClockBackend(engine), config_dir=tmp_path / "config")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("C")
        await settle(pilot)
        assert not isinstance(app.screen, PromptScreen)
        said = [n.message for n in app._notifications]
        assert "Engine clock: unavailable: AWS keeps its own time" in said
        assert app.clock_text == ""  # no engine time in the top bar either
