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
    first = source.event_id()  # draws the first prefix; ids come 4096 to a block
    prefix, block = first[:24], int(first[-12:-3], 16)
    monkeypatch.setattr(module, "_BLOCK_MAX", block + 1)  # one more block, then spent
    ids = [first, *(source.event_id() for _ in range(3 * 4096))]
    assert len(set(ids)) == len(ids)
    assert all(UUID4.fullmatch(i) for i in ids)
    old = [i[:24] == prefix for i in ids]
    assert old == [True] * (2 * 4096 - int(first[-3:], 16)) + [False] * (len(ids) - old.count(True))
    assert old.count(False) > 4096


def test_a_new_prefix_is_never_written_with_the_old_one(monkeypatch):
    # Both prefixes' counters start in block 1000, whose text is formatted once per
    # block: the new prefix must not reuse the old prefix's text.
    start = (1000 << 13).to_bytes(6, "big")  # a counter starts at half these bytes
    draws = iter([b"\x11" * 10 + start, b"\x22" * 10 + start])
    monkeypatch.setattr(module.os, "urandom", lambda n: next(draws))
    monkeypatch.setattr(module, "_BLOCK_MAX", 1000)
    source = Entropy()
    ids = [source.event_id() for _ in range(4096 + 3)]
    assert [i[-12:] for i in ids[:3]] == ["0000003e8000", "0000003e8001", "0000003e8002"]
    assert [i[-12:] for i in ids[4096:]] == [i[-12:] for i in ids[:3]]
    assert len(set(ids)) == len(ids)
    assert ids[0].startswith("11111111-1111-4111-9111-")
    assert ids[4095].startswith("11111111-1111-4111-9111-")
    assert ids[4096].startswith("22222222-2222-4222-a222-")


def test_event_ids_from_many_threads_are_distinct():
    import threading

    source = Entropy()
    barrier = threading.Barrier(4)
    out: list[list[str]] = []

    def draw() -> None:
        barrier.wait()
        out.append([source.event_id() for _ in range(3 * 4096)])

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [i for chunk in out for i in chunk]
    assert len(ids) == 4 * 3 * 4096 and len(set(ids)) == len(ids)


def test_a_seeded_source_replays_its_event_ids():
    assert [Entropy(seed=7).event_id() for _ in range(2)] == [Entropy(seed=7).event_id()] * 2
    one, other = Entropy(seed=7), Entropy(seed=7)
    assert [one.event_id() for _ in range(5)] == [other.event_id() for _ in range(5)]
