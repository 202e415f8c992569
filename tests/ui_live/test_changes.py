"""How the live views notice changes made elsewhere without asking the engine: the
event watch (new records by count from the ring) and which records count as a
change."""

from __future__ import annotations

from livetest import make_story

from kmstui.backends import EmbeddedBackend
from kmstui.ui.live.feed import EventWatch, backend_watch
from kmstui.ui.live.records import EC2_SOURCE, changed_elsewhere
from kmstui.ui.own_calls import CONSOLE_USER_AGENT


class Ring:
    """A bounded ring and its published count, as the event bus keeps them."""

    def __init__(self, size: int):
        self.size, self.lines, self.published = size, [], 0
        self.read = 0

    def publish(self, record: dict) -> None:
        self.lines = [*self.lines, record][-self.size :]
        self.published += 1

    def snapshot(self) -> list[dict]:
        self.read += 1
        return list(self.lines)


def watch(ring: Ring) -> EventWatch:
    return EventWatch(ring.snapshot, lambda: ring.published)


def test_nothing_published_reads_nothing():
    ring = Ring(10)
    ring.publish({"n": 0})
    seen = watch(ring)
    assert seen.new() == [] and seen.new() == []
    assert ring.read == 0  # the count alone answered


def test_each_new_record_is_handed_out_once_in_order():
    ring = Ring(10)
    ring.publish({"n": 0})
    seen = watch(ring)
    ring.publish({"n": 1})
    ring.publish({"n": 2})
    assert seen.new() == [{"n": 1}, {"n": 2}]
    ring.publish({"n": 3})
    assert seen.new() == [{"n": 3}]
    assert seen.new() == []


def test_more_than_the_ring_holds_hands_out_what_the_ring_still_has():
    ring = Ring(3)
    seen = watch(ring)
    for n in range(10):
        ring.publish({"n": n})
    assert seen.new() == [{"n": 7}, {"n": 8}, {"n": 9}]


def test_the_backend_watch_decodes_the_event_lines(ec2_engine):
    seen = backend_watch(EmbeddedBackend(ec2_engine))
    make_story(ec2_engine)
    names = [r["eventName"] for r in seen.new()]
    assert names[:2] == ["CreateKey", "CreateAlias"]
    assert "AttachVolume" in names and "Decrypt" in names


def record(**members) -> dict:
    return {
        "eventSource": EC2_SOURCE,
        "eventType": "AwsApiCall",
        "readOnly": False,
        "userAgent": "aws-cli/2",
        **members,
    }


def test_a_change_made_elsewhere_counts():
    assert changed_elsewhere(record())
    assert changed_elsewhere(record(), EC2_SOURCE)


def test_reads_refusals_and_the_consoles_own_changes_do_not():
    assert not changed_elsewhere(record(readOnly=True))
    assert not changed_elsewhere(record(errorCode="InvalidVolume.NotFound"))
    assert not changed_elsewhere(record(userAgent=CONSOLE_USER_AGENT))


def test_with_a_source_only_its_calls_count():
    assert not changed_elsewhere(record(eventSource="kms.amazonaws.com"), EC2_SOURCE)
    data_key = record(eventType="AwsServiceEvent", eventName="DataKeyWiped")
    assert not changed_elsewhere(data_key, EC2_SOURCE)  # comes with its DetachVolume
    assert changed_elsewhere(record(eventSource="kms.amazonaws.com", eventType="AwsServiceEvent"))
