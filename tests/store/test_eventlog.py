"""The event history: durable, ordered, bounded, and as cheap to append to when full."""

from __future__ import annotations

import builtins
import json
import os
import sys
import threading
import time
from pathlib import Path

import pytest

from kmstui.store.eventlog import INDEX_NAME, EventLog, EventLogBusy, EventLogError, segment_name


def record(i: int) -> dict:
    """A CloudTrail-shaped record of roughly 600 bytes."""
    return {
        "eventVersion": "1.08",
        "eventID": f"0000{i:08d}-0000-4000-8000-000000000000",
        "eventTime": f"2026-11-28T12:{i // 60 % 60:02d}:{i % 60:02d}Z",
        "eventSource": "kms.amazonaws.com",
        "eventName": "Encrypt",
        "awsRegion": "us-east-1",
        "userIdentity": {
            "type": "IAMUser",
            "arn": "arn:aws:iam::111122223333:user/alice",
            "accountId": "111122223333",
        },
        "requestParameters": {
            "keyId": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
            "encryptionContext": {"Department": "Finance"},
        },
        "responseElements": None,
        "resources": [{"type": "AWS::KMS::Key", "ARN": f"arn:aws:kms:us-east-1:1:key/{i}"}],
        "decision": "Allow",
        "decidedBy": "Enable IAM User Permissions",
        "seq": i,
    }


def seqs(records: list[dict]) -> list[int]:
    return [r["seq"] for r in records]


def segment_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.glob("*.jsonl"))


def fill(directory: Path, n: int, **options) -> None:
    with EventLog(directory, **options) as log:
        for i in range(n):
            log.append(record(i))


def wait_for(condition, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


class FileCalls:
    """Records every open() and os-level file call made while it is installed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.calls: list[tuple[str, str]] = []
        real_open = builtins.open

        def spy_open(file, mode="r", *args, **kwargs):
            self.calls.append(("open:" + mode, os.fspath(file)))
            return real_open(file, mode, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", spy_open)
        for name in ("open", "stat", "listdir", "scandir", "replace", "unlink", "truncate"):
            real = getattr(os, name)

            def spy(path, *args, _name=name, _real=real, **kwargs):
                self.calls.append((_name, os.fspath(path)))
                return _real(path, *args, **kwargs)

            monkeypatch.setattr(os, name, spy)

    def names(self) -> list[tuple[str, str]]:
        return [(call, Path(path).name) for call, path in self.calls]


# ----------------------------------------------------------------- durability


def test_appended_events_survive_close_and_reopen(tmp_path):
    fill(tmp_path, 25)
    with EventLog(tmp_path) as log:
        assert len(log) == 25
        assert list(log.iter()) == [record(i) for i in range(25)]


def test_events_come_back_in_append_order_across_segments(tmp_path):
    fill(tmp_path, 200, segment_bytes=4096)
    log = EventLog.open_readonly(tmp_path)
    assert len(segment_files(tmp_path)) > 5
    assert seqs(list(log.iter())) == list(range(200))
    assert seqs(list(log.iter(reverse=True))) == list(range(199, -1, -1))


def test_pending_events_are_counted_and_readable_before_any_flush(tmp_path):
    with EventLog(tmp_path) as log:
        log.append(record(0))
        log.append(record(1))
        assert len(log) == 2
        assert seqs(log.tail(2)) == [0, 1]
        assert seqs(list(log.iter())) == [0, 1]


def test_background_thread_flushes_within_a_second_without_an_explicit_flush(tmp_path):
    with EventLog(tmp_path) as log:  # default flush_interval
        reader = EventLog.open_readonly(tmp_path)
        log.append(record(7))
        assert wait_for(lambda: len(reader) == 1, timeout=1.5)  # 0.5 s interval, slack
        assert reader.tail(1) == [record(7)]


def test_a_burst_of_appends_wakes_the_flusher_early(tmp_path):
    with EventLog(tmp_path, segment_bytes=8192, flush_interval=30) as log:
        reader = EventLog.open_readonly(tmp_path)
        for i in range(40):  # > segment_bytes pending
            log.append(record(i))
        assert wait_for(lambda: len(reader) >= 13, timeout=3.0)


def test_unicode_and_line_separators_in_values_round_trip(tmp_path):
    odd = {"eventID": "é-☃-\u2028-\u2029-\n-\ud800", "eventTime": "2026-11-28T12:00:00Z"}
    fill(tmp_path, 0)
    with EventLog(tmp_path) as log:
        log.append(odd)
        log.append(record(1))
    assert list(EventLog.open_readonly(tmp_path).iter()) == [odd, record(1)]


# ----------------------------------------------------------------- rotation and retention


def test_segment_rotates_once_it_passes_segment_bytes(tmp_path):
    line_bytes = len(json.dumps(record(0), separators=(",", ":"))) + 1
    with EventLog(tmp_path, segment_bytes=line_bytes * 5) as log:
        for i in range(4):
            log.append(record(i))
        log.flush()
        assert segment_files(tmp_path) == [segment_name(1)]
        log.append(record(4))
        log.flush()
        assert segment_files(tmp_path) == [segment_name(1), segment_name(2)]
    sizes = [(tmp_path / name).stat().st_size for name in segment_files(tmp_path)]
    assert sizes[0] < line_bytes * 6  # passes segment_bytes by less than one record


def test_one_large_flush_is_split_across_segments(tmp_path):
    with EventLog(tmp_path, segment_bytes=4096) as log:
        for i in range(100):
            log.append(record(i))
        log.flush()
    sizes = [(tmp_path / name).stat().st_size for name in segment_files(tmp_path)]
    assert len(sizes) > 10
    assert max(sizes) < 4096 + 1024


def test_retention_drops_oldest_whole_segments_and_keeps_len_bounded(tmp_path):
    with EventLog(tmp_path, segment_bytes=4096, retention=50) as log:
        for i in range(500):
            log.append(record(i))
            if i % 7 == 0:
                log.flush()
            assert len(log) < 50 + 8 + 7  # retention + one segment + the pending batch
        log.flush()
        kept = list(log.iter())
        assert 50 <= len(log) == len(kept) < 50 + 8
        assert seqs(kept) == list(range(500 - len(kept), 500))  # only the oldest went
        assert log.dropped == 500 - len(kept)
    assert len(segment_files(tmp_path)) <= 50 // 6 + 3
    reopened = EventLog.open_readonly(tmp_path)
    assert len(reopened) == len(kept)


def test_orphans_of_an_interrupted_retention_are_removed_on_reopen(tmp_path):
    fill(tmp_path, 60, segment_bytes=4096, retention=20)
    oldest = segment_files(tmp_path)[0]
    orphan = f"{int(oldest[:12]) - 1:012d}.jsonl"  # index already forgot it, file remained
    (tmp_path / orphan).write_bytes(json.dumps(record(-1)).encode() + b"\n")
    with EventLog(tmp_path, segment_bytes=4096, retention=20) as log:
        assert orphan not in segment_files(tmp_path)
        assert -1 not in seqs(list(log.iter()))


# ----------------------------------------------------------------- crashes


def test_torn_last_line_is_ignored_and_the_next_append_is_readable(tmp_path):
    fill(tmp_path, 5)
    last = tmp_path / segment_files(tmp_path)[-1]
    with open(last, "ab") as handle:  # a crash halfway through writing a record
        handle.write(json.dumps(record(99)).encode()[:40])
    assert seqs(list(EventLog.open_readonly(tmp_path).iter())) == [0, 1, 2, 3, 4]

    with EventLog(tmp_path) as log:
        assert len(log) == 5
        log.append(record(5))
    assert seqs(list(EventLog.open_readonly(tmp_path).iter())) == [0, 1, 2, 3, 4, 5]
    assert last.read_bytes().endswith(json.dumps(record(99)).encode()[:40])  # left alone
    assert len(segment_files(tmp_path)) == 2


def test_zero_filled_tail_after_a_crash_is_not_taken_for_records(tmp_path):
    fill(tmp_path, 3)
    last = tmp_path / segment_files(tmp_path)[-1]
    with open(last, "ab") as handle:
        handle.write(b"\0" * 300 + b"\n")
    with EventLog(tmp_path) as log:
        assert len(log) == 3
        log.append(record(3))
    reader = EventLog.open_readonly(tmp_path)
    assert seqs(list(reader.iter())) == [0, 1, 2, 3]
    assert seqs(reader.page(None, 10)) == [0, 1, 2, 3]


def test_unreadable_index_is_rebuilt_from_the_segments(tmp_path):
    fill(tmp_path, 40, segment_bytes=4096)
    (tmp_path / INDEX_NAME).write_text("{not json")
    with EventLog(tmp_path, segment_bytes=4096) as log:
        assert seqs(list(log.iter())) == list(range(40))
        assert seqs(log.page(12, 4)) == [8, 9, 10, 11]


def test_a_failed_write_keeps_the_batch_pending_and_the_file_clean(tmp_path, monkeypatch):
    log = EventLog(tmp_path)
    log.append(record(0))
    log.flush()
    log.append(record(1))
    log.append(record(2))
    real_fsync = os.fsync

    def failing_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError):
        log.flush()
    assert len(log) == 3
    assert seqs(log.tail(3)) == [0, 1, 2]
    monkeypatch.setattr(os, "fsync", real_fsync)
    log.flush()
    log.close()
    assert seqs(list(EventLog.open_readonly(tmp_path).iter())) == [0, 1, 2]


def test_a_write_failing_after_a_rotation_resumes_where_it_stopped(tmp_path, monkeypatch):
    log = EventLog(tmp_path, segment_bytes=4096)
    for i in range(20):  # about three segments' worth
        log.append(record(i))
    real_fsync, calls = os.fsync, []

    def fsync_failing_second_time(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync_failing_second_time)
    with pytest.raises(OSError):
        log.flush()
    written = log._stored
    assert 0 < written < 20  # the first segment's lines made it, the rest did not
    for i in range(20, 25):  # appended while the rest is still waiting
        log.append(record(i))
    assert seqs(log.tail(25)) == list(range(25))
    log.flush()
    log.close()
    assert seqs(list(EventLog.open_readonly(tmp_path).iter())) == list(range(25))


# ----------------------------------------------------------------- reading


def test_tail_returns_the_newest_events_across_segment_boundaries(tmp_path):
    fill(tmp_path, 120, segment_bytes=4096)
    reader = EventLog.open_readonly(tmp_path)
    assert seqs(reader.tail(30)) == list(range(90, 120))
    assert seqs(reader.tail(500)) == list(range(120))
    assert reader.tail(0) == []


def test_tail_includes_pending_events_after_flushed_ones(tmp_path):
    with EventLog(tmp_path, segment_bytes=4096) as log:
        for i in range(20):
            log.append(record(i))
        log.flush()
        for i in range(20, 23):
            log.append(record(i))
        assert seqs(log.tail(6)) == [17, 18, 19, 20, 21, 22]


def test_page_serves_any_window_by_global_index(tmp_path):
    fill(tmp_path, 157, segment_bytes=4096)
    with EventLog(tmp_path, segment_bytes=4096) as log:
        log.append(record(157))  # one still pending
        everything = seqs(list(log.iter()))
        for before in (None, 158, 157, 100, 45, 7, 3, 0, 1000):
            for limit in (1, 6, 13, 50):
                end = 158 if before is None else min(before, 158)
                expected = everything[max(0, end - limit) : end]
                assert seqs(log.page(before, limit)) == expected, (before, limit)


def test_page_indices_stay_relative_to_the_oldest_retained_event(tmp_path):
    fill(tmp_path, 300, segment_bytes=4096, retention=40)
    reader = EventLog.open_readonly(tmp_path)
    oldest = reader.dropped
    assert seqs(reader.page(3, 3)) == [oldest, oldest + 1, oldest + 2]


def test_readonly_reader_refuses_to_write_and_takes_no_lock(tmp_path):
    with EventLog(tmp_path) as log:
        log.append(record(0))
        log.flush()
        before = sorted(os.listdir(tmp_path))
        reader = EventLog.open_readonly(tmp_path)
        assert len(reader) == 1
        with pytest.raises(EventLogError):
            reader.append(record(1))
        assert sorted(os.listdir(tmp_path)) == before


def test_readonly_reader_of_a_missing_directory_is_empty(tmp_path):
    reader = EventLog.open_readonly(tmp_path / "nothing-here")
    assert len(reader) == 0
    assert reader.tail(5) == []
    assert list(reader.iter()) == []


def test_a_second_writer_is_refused(tmp_path):
    with EventLog(tmp_path):
        with pytest.raises(EventLogBusy):
            EventLog(tmp_path)


def test_append_after_close_is_an_error(tmp_path):
    log = EventLog(tmp_path)
    log.close()
    with pytest.raises(EventLogError):
        log.append(record(0))


# ----------------------------------------------------------------- follow


def test_follow_from_a_second_reader_sees_new_events_across_rotations(tmp_path):
    fill(tmp_path, 10, segment_bytes=4096)
    stop = threading.Event()
    seen: list[dict] = []
    with EventLog(tmp_path, segment_bytes=4096, flush_interval=0.05) as log:
        reader = EventLog.open_readonly(tmp_path)
        stream = reader.follow(poll=0.01, stop=stop)
        consumer = threading.Thread(target=lambda: seen.extend(stream), daemon=True)
        consumer.start()
        files_before = len(segment_files(tmp_path))
        for i in range(10, 60):
            log.append(record(i))
            if i % 9 == 0:
                time.sleep(0.02)
        assert wait_for(lambda: len(seen) >= 50, timeout=5.0)
        assert len(segment_files(tmp_path)) > files_before + 3
    stop.set()
    consumer.join(timeout=2)
    assert seqs(seen) == list(range(10, 60))


def test_follow_waits_for_the_first_segment_of_an_empty_directory(tmp_path):
    stop = threading.Event()
    stream = EventLog.open_readonly(tmp_path / "events").follow(poll=0.01, stop=stop)
    seen: list[dict] = []
    consumer = threading.Thread(target=lambda: seen.extend(stream), daemon=True)
    consumer.start()
    fill(tmp_path / "events", 3)
    assert wait_for(lambda: len(seen) == 3)
    stop.set()
    consumer.join(timeout=2)
    assert seqs(seen) == [0, 1, 2]


def test_follow_with_backlog_first_yields_the_newest_stored_events(tmp_path):
    fill(tmp_path, 30, segment_bytes=4096)
    stop = threading.Event()
    stream = EventLog.open_readonly(tmp_path).follow(poll=0.01, backlog=4, stop=stop)
    assert seqs([next(stream) for _ in range(4)]) == [26, 27, 28, 29]
    stop.set()
    assert list(stream) == []


def test_follow_never_yields_a_partly_written_line(tmp_path):
    fill(tmp_path, 1)
    stop = threading.Event()
    stream = EventLog.open_readonly(tmp_path).follow(poll=0.01, stop=stop)
    seen: list[dict] = []
    consumer = threading.Thread(target=lambda: seen.extend(stream), daemon=True)
    consumer.start()
    last = tmp_path / segment_files(tmp_path)[-1]
    text = json.dumps(record(1)).encode() + b"\n"
    with open(last, "ab") as handle:
        handle.write(text[:50])
        handle.flush()
        time.sleep(0.1)
        assert seen == []
        handle.write(text[50:])
        handle.flush()
        assert wait_for(lambda: len(seen) == 1)
    stop.set()
    consumer.join(timeout=2)
    assert seen == [record(1)]


# ----------------------------------------------------------------- cost independent of history


def _calls_for_appends(directory: Path, history: int, monkeypatch) -> list[tuple[str, str]]:
    fill(directory, history, segment_bytes=4096)
    with EventLog(directory, segment_bytes=4096) as log:
        spy = FileCalls(monkeypatch)
        log.append(record(history))
        log.append(record(history + 1))
        log.flush()
        monkeypatch.undo()
    return spy.names()


def test_append_and_flush_make_the_same_file_calls_whatever_the_history(tmp_path, monkeypatch):
    small = _calls_for_appends(tmp_path / "small", 0, monkeypatch)
    large = _calls_for_appends(tmp_path / "large", 3000, monkeypatch)
    assert len(segment_files(tmp_path / "large")) > 400
    assert [call for call, _ in small] == [call for call, _ in large]
    assert not any(call in ("listdir", "scandir") for call, _ in large)
    assert not any(call.startswith("open") for call, _ in large)  # the segment is open already


def test_rotation_touches_only_the_index_and_the_new_segment(tmp_path, monkeypatch):
    fill(tmp_path, 600, segment_bytes=4096)
    with EventLog(tmp_path, segment_bytes=4096) as log:
        current = segment_files(tmp_path)[-1]
        spy = FileCalls(monkeypatch)
        for i in range(600, 612):  # enough to seal the current segment
            log.append(record(i))
        log.flush()
        monkeypatch.undo()
    touched = {Path(path).name for _, path in spy.calls if Path(path).is_relative_to(tmp_path)}
    assert segment_files(tmp_path)[-1] != current  # it did rotate
    touched_segments = {name for name in touched if name.endswith(".jsonl")}
    assert touched_segments and min(touched_segments) > current  # only the new ones
    assert touched - touched_segments <= {INDEX_NAME, INDEX_NAME + ".tmp", tmp_path.name}


def test_reopening_reads_only_the_index_and_the_newest_segment(tmp_path, monkeypatch):
    fill(tmp_path, 1000, segment_bytes=4096)
    names = segment_files(tmp_path)
    spy = FileCalls(monkeypatch)
    log = EventLog(tmp_path, segment_bytes=4096)
    monkeypatch.undo()
    log.close()
    opened = {name for call, name in spy.names() if call.startswith("open:")}
    assert len(names) > 100
    assert opened <= {INDEX_NAME, names[-1], ".writer.lock"}
    assert len(log) == 1000


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/fd")
def test_writer_holds_only_the_current_segment_open(tmp_path):
    fill(tmp_path, 300, segment_bytes=4096)
    with EventLog(tmp_path, segment_bytes=4096) as log:
        log.append(record(300))
        log.flush()
        open_here = set()
        for fd in os.listdir("/proc/self/fd"):
            try:
                target = os.readlink(f"/proc/self/fd/{fd}")
            except OSError:
                continue
            if target.startswith(str(tmp_path)) and target.endswith(".jsonl"):
                open_here.add(Path(target).name)
        assert open_here == {segment_files(tmp_path)[-1]}


def test_clear_forgets_written_and_pending_events_and_numbering_goes_on(tmp_path):
    directory = tmp_path / "events"
    log = EventLog(directory, segment_bytes=40, flush_interval=60)
    for n in range(10):
        log.append({"n": n})
    log.flush()
    log.append({"n": "pending"})
    assert len(log) == 11 and len(os.listdir(directory)) > 3
    reader = EventLog.open_readonly(directory)
    assert len(list(reader)) == 10  # what is written

    log.clear()

    assert len(log) == 0 and list(log) == [] and log.pending == 0
    assert log.dropped == 11  # as if retention had dropped them all
    assert len(list(reader)) == 0
    log.append({"n": "after"})
    log.close()
    assert [r["n"] for r in reader] == ["after"]
    with EventLog(directory) as reopened:
        assert [r["n"] for r in reopened] == ["after"]
