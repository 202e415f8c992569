"""The engine's randomness: event ids are distinct and shaped as UUID4s."""

import re

from kmstui import entropy as module
from kmstui.entropy import Entropy

UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def test_event_ids_are_distinct_uuid4s_across_many_blocks():
    source = Entropy()
    ids = [source.event_id() for _ in range(3 * 4096 + 5)]
    assert len(set(ids)) == len(ids)
    assert all(UUID4.fullmatch(i) for i in ids)


def test_event_ids_count_up_in_their_last_digits():
    source = Entropy()
    first, second = source.event_id(), source.event_id()
    assert int(second[-12:], 16) == int(first[-12:], 16) + 1
    assert second[:24] == first[:24]


def test_a_spent_counter_draws_a_new_prefix_and_repeats_nothing(monkeypatch):
    source = Entropy()
    source.event_id()  # draws the first prefix
    prefix, _counter = source._event_ids
    monkeypatch.setattr(module, "_COUNTER_MAX", int(source.event_id()[-12:], 16) + 3)
    ids = [source.event_id() for _ in range(10)]
    assert len(set(ids)) == 10
    assert all(UUID4.fullmatch(i) for i in ids)
    assert [i[:24] == prefix for i in ids] == [True] * 3 + [False] * 7


def test_a_new_prefix_is_never_written_with_the_old_one(monkeypatch):
    # Both prefixes' counters start at 1000, so their ids share the block of 4096 whose
    # text is formatted once: the new prefix must not reuse the old prefix's text.
    start = (2 * 1000).to_bytes(6, "big")  # a counter starts at half these bytes
    draws = iter([b"\x11" * 10 + start, b"\x22" * 10 + start])
    monkeypatch.setattr(module.os, "urandom", lambda n: next(draws))
    monkeypatch.setattr(module, "_COUNTER_MAX", 1002)
    source = Entropy()
    ids = [source.event_id() for _ in range(6)]
    assert [i[-3:] for i in ids] == ["3e8", "3e9", "3ea"] * 2
    assert len(set(ids)) == 6
    assert ids[0].startswith("11111111-1111-4111-9111-")
    assert ids[3].startswith("22222222-2222-4222-a222-")


def test_a_seeded_source_replays_its_event_ids():
    assert [Entropy(seed=7).event_id() for _ in range(2)] == [Entropy(seed=7).event_id()] * 2
    one, other = Entropy(seed=7), Entropy(seed=7)
    assert [one.event_id() for _ in range(5)] == [other.event_id() for _ in range(5)]
