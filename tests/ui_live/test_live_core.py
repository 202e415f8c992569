"""The parts of the live views that need no screen: event rows, filters, the
virtual list over a million events, the event buffer, and the demo's story."""

from __future__ import annotations

import threading
import time

from livetest import make_story

from kmstui.ui.live.event_list import _path_cell, columns
from kmstui.ui.live.feed import EventBuffer, FixedFeed, ListHistory
from kmstui.ui.live.records import EventFilter, event_row, volume_lifecycle
from kmstui.ui.live.rows import Matches, PageCache


class MillionEvents:
    """A history of a million synthetic events that counts what was read."""

    def __init__(self, n: int = 1_000_000):
        self.n = n
        self.read = 0
        self.calls = 0

    def __len__(self) -> int:
        return self.n

    def page(self, before_index, limit):
        end = self.n if before_index is None else min(before_index, self.n)
        start = max(0, end - limit)
        self.calls += 1
        self.read += end - start
        return [
            {
                "eventName": "Decrypt" if i % 1000 == 0 else "Encrypt",
                "eventTime": "2027-01-15T08:00:00Z",
                "userIdentity": {"arn": f"u{i}"},
                "resources": [],
            }
            for i in range(start, end)
        ]


def _alias(key: str) -> str:
    return {"k1": "alias/ebs-volumes"}.get(key.rsplit("/", 1)[-1], key[-8:])


def test_a_decrypt_allowed_by_a_grant_reads_as_the_grant():
    record = {
        "eventTime": "2027-01-15T08:03:00Z",
        "eventName": "Decrypt",
        "userIdentity": {
            "arn": "arn:aws:sts::111122223333:assumed-role/aws:ec2-infrastructure/i-0abc"
        },
        "requestParameters": {"encryptionContext": {"aws:ebs:id": "vol-1"}},
        "resources": [{"ARN": "arn:aws:kms:us-east-1:111122223333:key/k1"}],
        "decision": {"effect": "Allow", "decidedBy": ["a" * 64]},
    }
    row = event_row(record, _alias)
    assert (row.time, row.operation, row.key, row.context, row.outcome) == (
        "08:03:00",
        "Decrypt",
        "alias/ebs-volumes",
        "aws:ebs:id=vol-1",
        "Allow",
    )
    assert row.principal == "ec2-infrastructure/i-0abc"
    assert row.decided_by == "grant aaaaaaaa…"


def test_an_error_after_an_allow_reads_as_the_error_and_a_denial_as_deny():
    disabled = {
        "eventName": "Decrypt",
        "errorCode": "DisabledException",
        "decision": {"effect": "Allow", "decidedBy": ["Sid1"]},
    }
    denied = {
        "eventName": "Decrypt",
        "errorCode": "AccessDeniedException",
        "decision": {"effect": "ImplicitDeny", "decidedBy": []},
    }
    assert event_row(disabled, _alias).outcome == "✕ DisabledException"
    assert event_row(denied, _alias).outcome == "Deny"
    assert event_row(denied, _alias).denied


def test_filter_words_and_prefixes():
    f = EventFilter.parse("op:decrypt key:ebs by:ec2-infra denied extra")
    assert (f.operation, f.key, f.principal, f.outcome, f.words) == (
        "decrypt",
        "ebs",
        "ec2-infra",
        "denied",
        ("extra",),
    )
    assert f.describe() == "op:decrypt key:ebs by:ec2-infra denied extra"
    assert not EventFilter.parse("   ").active


def test_filter_matches_alias_principal_and_outcome():
    record = {
        "eventName": "Decrypt",
        "userIdentity": {"arn": "arn:aws:iam::1:user/ann"},
        "resources": [{"ARN": "arn:aws:kms:us-east-1:1:key/k1"}],
        "decision": {"effect": "Allow"},
    }
    assert EventFilter.parse("op:decrypt key:ebs-vol by:ann allowed").matches(record, _alias)
    assert not EventFilter.parse("denied").matches(record, _alias)
    assert not EventFilter.parse("key:other").matches(record, _alias)


def test_a_page_cache_over_a_million_events_reads_only_the_pages_shown():
    history = MillionEvents()
    pages = PageCache(history)
    assert pages.get(999_999, len(history))["userIdentity"]["arn"] == "u999999"
    assert pages.get(0, len(history))["userIdentity"]["arn"] == "u0"
    assert pages.get(500_000, len(history))["eventName"] == "Decrypt"
    assert history.read <= 3 * 64


def test_matches_scan_new_events_and_older_ones_in_chunks():
    history = MillionEvents()
    matches = Matches(EventFilter.parse("op:Decrypt"), _alias, start=900_000)
    history.n = 900_000 + 5000
    matches.scan_forward(history, len(history))
    assert list(matches.newer) == [900_000, 901_000, 902_000, 903_000, 904_000]
    low, hits = matches.scan_back_chunk(history, matches.scanned_back, chunk=4096)
    matches.add_older(low, hits)
    assert list(matches.older)[:1] == [899_000] and len(matches) == 9
    assert matches.index(0) == hits[-1] and matches.index(len(matches) - 1) == 904_000
    assert matches.row_of(902_500) == len(matches.older) + 2


def test_the_buffer_is_bounded_when_nobody_drains_it():
    buffer = EventBuffer(limit=100)
    for i in range(1000):
        buffer.append({"n": i})
    assert [r["n"] for r in buffer.drain()] == list(range(900, 1000))
    assert buffer.received == 1000


def test_the_buffer_loses_nothing_while_threads_append_and_the_ui_drains():
    buffer = EventBuffer(limit=100_000)
    drained: list[dict] = []
    stop = threading.Event()

    def produce(base: int) -> None:
        for i in range(20_000):
            buffer.append({"n": base + i})

    threads = [threading.Thread(target=produce, args=(k * 100_000,)) for k in range(4)]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads) or not stop.is_set():
        drained += buffer.drain()
        if not any(t.is_alive() for t in threads):
            stop.set()
        time.sleep(0.001)
    drained += buffer.drain()
    assert len(drained) == 80_000 == len({r["n"] for r in drained})


def test_fixed_feed_hands_out_published_events_once():
    feed = FixedFeed(events=[{"eventName": "A"}])
    feed.publish({"eventName": "B"})
    assert [r["eventName"] for r in feed.drain()] == ["B"]
    assert feed.drain() == []
    assert len(feed.history) == 2
    assert ListHistory([1, 2, 3]).page(None, 2) == [2, 3]


def test_a_volume_lifecycle_from_the_engine_events(ec2_engine):
    story = make_story(ec2_engine)
    ec2_engine.call("DetachVolume", {"VolumeId": story["attached"]})
    steps = volume_lifecycle(list(ec2_engine.events.recent), story["attached"], _alias)
    names = [s.step for s in steps]
    assert names == [
        "generated",
        "CreateVolume",
        "grant",
        "decrypt",
        "in memory",
        "AttachVolume",
        "wiped",
        "grant retired",
        "DetachVolume",
    ]
    assert "grant " in steps[names.index("decrypt")].detail


def _played(make_engine, tmp_path, name):
    from kmstui.backends import EmbeddedBackend
    from kmstui.clock import Clock
    from kmstui.engine import Engine
    from kmstui.entropy import Entropy
    from kmstui.ui.live.story import DEMO_SEED, DEMO_TIME, play

    engine = Engine(
        tmp_path / name / "data",
        tmp_path / name / "config",
        clock=Clock(fixed=DEMO_TIME),
        entropy=Entropy(DEMO_SEED),
    )
    told: list[tuple[int, str]] = []
    try:
        state = play(
            EmbeddedBackend(engine), narrate=lambda n, step, detail: told.append((n, detail))
        )
        events = [
            (
                r["eventName"],
                r["eventID"],
                r["eventTime"],
                r.get("errorCode"),
                (r.get("decision") or {}).get("decidedBy"),
            )
            for r in engine.events.recent
        ]
        return state, told, events
    finally:
        engine.ec2.close()
        engine.close()


def test_the_demo_story_is_the_same_every_run(make_engine, tmp_path):
    first, told1, events1 = _played(make_engine, tmp_path, "one")
    second, told2, events2 = _played(make_engine, tmp_path, "two")
    assert events1 == events2 and told1 == told2
    assert (first.volume_id, first.instance_id) == (second.volume_id, second.instance_id)
    assert first.notes["refused"] == "DisabledException"
    assert [f.code for f in first.notes["findings"]].count("MISSING_SOURCE_CONDITION") <= 1
    assert len(first.notes["findings"]) == 3
    names = [e[0] for e in events1]
    decrypt = names.index("Decrypt")
    assert names.index("DisableKey") > names.index("RotateKeyOnDemand") > decrypt
    assert events1[decrypt][4] and len(events1[decrypt][4][0]) == 64  # a grant decided


async def test_the_monitor_over_a_million_events_reads_only_what_it_shows():
    from textual.app import App

    from kmstui.ui.live.event_list import EventList
    from kmstui.ui.live.monitor import MonitorPane

    history = MillionEvents()

    class MillionFeed(FixedFeed):
        @property
        def history(self):
            return history

    class Host(App):
        def compose(self):
            yield MonitorPane(feed=MillionFeed())

    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        # Every event, no filter: the unfiltered list is what this test measures. (By
        # default the Monitor hides the console's own reads, which scans the history in
        # the background as any filter does.)
        app.query_one(MonitorPane).action_toggle_own_reads()
        await pilot.pause()
        history.read = 0
        events = app.query_one(EventList)
        assert events.total == 1_000_000 and events.follow
        assert events.visible_rows()[-1].principal == "u999999"
        await pilot.press("home")
        await pilot.pause()
        assert events.cursor == 0 and events.visible_rows()[0].principal == "u0"
        for _ in range(20):
            await pilot.press("pagedown")
        await pilot.pause()
        assert events.cursor > 500
    assert history.read < 5_000  # pages on screen, never the history


def test_event_columns_fit_a_whole_sid_the_instance_and_the_context_at_120_columns():
    widths = {field: width for field, _h, width in columns(118)}
    assert widths["decided_by"] >= len("Enable IAM User Permissions")
    principal = "ec2-infrastructure/i-6cb2dd6ef23b0b7c3"
    assert _path_cell(principal, widths["principal"]).strip().endswith("/i-6cb2dd6ef23b0b7c3")
    assert widths["context"] >= 16  # the context has its column at 120x40
    wide = {field: width for field, _h, width in columns(160)}
    assert _path_cell(principal, wide["principal"]).strip() == principal
    assert sum(w for _f, _h, w in columns(118)) + len(widths) - 1 == 118
    narrow = {field: width for field, _h, width in columns(78)}
    assert narrow["decided_by"] >= len("grant 131c81e2…")
    assert sum(narrow.values()) + len(narrow) - 1 == 78
    # Cut, a principal keeps its instance id rather than a piece of the role.
    assert _path_cell(principal, 24) == "ec2…/i-6cb2dd6ef23b0b7c3"
    assert _path_cell(principal, 20).strip() == "i-6cb2dd6ef23b0b7c3"
