"""fio-like workloads on attached volumes, the volume rate limits, and the metrics
the console polls."""

from __future__ import annotations

import threading
import time

import pytest

from kmstui.ebs.workloads import WorkloadSpec, parse_size
from kmstui.errors import AwsError


@pytest.fixture
def volume(ebs):
    volume_id = ebs.volume()
    ebs.attach(volume_id, ebs.instance())
    return volume_id


def run(ebs, volume_id, **spec):
    job = ebs.ec2.workloads.start(volume_id, spec)
    assert job.wait(30)
    return job.result()


def test_sizes_are_binary():
    assert (parse_size("4k"), parse_size("1m"), parse_size("2g"), parse_size("512")) == (
        4096,
        1 << 20,
        2 << 30,
        512,
    )
    assert parse_size("64MiB") == 64 << 20


def test_random_write_job_reports_throughput_and_latency_percentiles(ebs, volume):
    result = run(ebs, volume, rw="randwrite", bs="4k", runtime="0.4s", size="16m")
    write = result["Write"]
    assert result["State"] == "finished" and result["Error"] is None
    assert write["Ios"] > 0 and write["MiBps"] > 0 and write["Iops"] > 0
    latency = write["LatencyUs"]
    assert 0 < latency["p50"] <= latency["p99"] <= latency["p99.9"]
    assert result["Read"]["Ios"] == 0


def test_sequential_read_job_ends_when_its_size_is_done(ebs, volume):
    result = run(ebs, volume, rw="read", bs="64k", size="2m")
    assert result["State"] == "finished"
    assert result["Read"]["Bytes"] == 2 << 20 and result["Read"]["Ios"] == 32


def test_randrw_job_mixes_reads_and_writes(ebs, volume):
    result = run(ebs, volume, rw="randrw", bs="4k", size="1m", iodepth=8, rwmixread=70, seed=3)
    assert result["Read"]["Ios"] > result["Write"]["Ios"] > 0


def test_job_written_data_reads_back_through_the_device(ebs, volume):
    run(ebs, volume, rw="write", bs="4k", size="64k")
    data = ebs.ec2.volume_device(volume).read(0, 64 * 1024)
    assert data != bytes(64 * 1024)


def test_stop_ends_a_running_job(ebs, volume):
    job = ebs.ec2.workloads.start(volume, {"rw": "randread", "bs": "4k", "runtime": "30s"})
    time.sleep(0.1)
    job.stop()
    assert not job.running
    assert job.result()["State"] == "stopped"


def test_detach_stops_the_volume_jobs_first(ebs, volume):
    job = ebs.ec2.workloads.start(volume, {"rw": "randwrite", "bs": "4k", "runtime": "30s"})
    time.sleep(0.1)
    ebs.detach(volume)
    assert not job.running and job.result()["State"] == "stopped"


def test_job_rate_limit_paces_iops(ebs, volume):
    result = run(ebs, volume, rw="randread", bs="4k", runtime="0.5s", rate_iops=200)
    assert result["Read"]["Iops"] <= 240


def test_volume_type_limit_caps_plaintext_iops_and_is_shown_as_throttling(ebs):
    ebs.ec2.settings.set_type_limit("gp3", iops=300)
    volume_id = ebs.volume()
    ebs.attach(volume_id, ebs.instance())
    result = run(ebs, volume_id, rw="randwrite", bs="4k", runtime="0.6s", iodepth=4)
    assert result["Write"]["Iops"] <= 300 * 1.3
    snapshot = ebs.ec2.metrics.snapshot(volume_id)
    assert snapshot["RateLimit"]["Iops"] == 300
    assert "before encryption" in snapshot["RateLimit"]["AppliedTo"]
    assert snapshot["Totals"]["ThrottledSeconds"] > 0


def test_gp3_baseline_is_3000_iops_and_125_mib_per_s(ebs, volume):
    ebs.ec2.volume_device(volume)
    limit = ebs.ec2.metrics.snapshot(volume)["RateLimit"]
    assert (limit["Iops"], limit["MiBps"]) == (3000, 125.0)


def test_metrics_show_a_sliding_window_rate_while_a_job_runs(ebs, volume):
    job = ebs.ec2.workloads.start(volume, {"rw": "randwrite", "bs": "4k", "runtime": "1.5s"})
    time.sleep(0.8)
    snapshot = ebs.ec2.metrics.snapshot(volume)
    job.stop()
    assert snapshot["WindowSeconds"] == 0.5
    assert snapshot["WriteMiBps"] > 0 and snapshot["WriteIops"] > 0
    assert snapshot["LatencyUs"]["p99"] is not None
    assert ebs.ec2.metrics.series(volume, 2.0)


def test_subscription_answers_at_a_bounded_rate(ebs, volume):
    subscription = ebs.ec2.metrics.subscribe(min_interval_s=0.2)
    run(ebs, volume, rw="randwrite", bs="4k", size="256k")
    first = subscription.poll()
    assert volume in first
    assert subscription.poll() is None  # polled again too soon


def test_jobs_do_not_hold_the_engine_lock(ebs, volume):
    job = ebs.ec2.workloads.start(
        volume, {"rw": "randwrite", "bs": "1m", "runtime": "2s", "iodepth": 4}
    )
    time.sleep(0.1)
    done = threading.Event()

    def describe():
        ebs.call("DescribeVolumes")
        done.set()

    threading.Thread(target=describe).start()
    assert done.wait(0.5)
    job.stop()


def test_starting_a_job_on_an_unattached_volume_is_incorrect_state(ebs):
    with pytest.raises(AwsError) as caught:
        ebs.ec2.workloads.start(ebs.volume(), {"rw": "read"})
    assert caught.value.code == "IncorrectState"


@pytest.mark.parametrize(
    "spec",
    [
        {"rw": "trim"},
        {"bs": 0},
        {"iodepth": 0},
        {"size": "2g"},
        {"offset": "1g"},
        {"colour": "red"},
    ],
)
def test_bad_workload_specs_are_refused(ebs, volume, spec):
    with pytest.raises(ValueError):
        ebs.ec2.workloads.start(volume, spec)


def test_spec_fills_in_the_whole_volume_by_default():
    spec = WorkloadSpec(rw="read", bs=4096).checked(1 << 30)
    assert spec.size == 1 << 30
