"""The Monitor on an AWS account's feed: it says when CloudTrail was read and how late
CloudTrail delivers, lists an EBS data-key decrypt under its volume's context, and says
the graphs are CloudWatch's 1-minute points. The embedded engine's Monitor says none
of it."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.app import App
from textual.widgets import Static

from kmstui.aws.cloudtrail import CloudTrailEvents
from kmstui.aws.cloudwatch import CloudWatchVolumes
from kmstui.ui.live.event_list import EventList
from kmstui.ui.live.feed import FixedFeed
from kmstui.ui.live.graphs import ThroughputPanel
from kmstui.ui.live.monitor import MonitorPane
from tests.aws.test_cloudtrail import INSTANCE, KEY_ARN, NOW, VOLUME, ebs_decrypt
from tests.workers import wait_until

AS_OF = NOW + 184  # 08:03:04 UTC


class OneRead:
    """CloudTrail with one EBS data-key decrypt in it."""

    def lookup_events(self, **params):
        source = params["LookupAttributes"][0]["AttributeValue"]
        return {"Events": [ebs_decrypt("e-1")] if source == "kms.amazonaws.com" else []}


class Ec2:
    def describe_volumes(self, **params):
        return {
            "Volumes": [
                {"VolumeId": VOLUME, "Attachments": [{"State": "attached", "InstanceId": INSTANCE}]}
            ]
        }


class CloudWatch:
    """Three minutes of a volume reading 1 MiB/s (60 MiB a minute)."""

    def get_metric_data(self, **params):
        end = params["EndTime"].timestamp()
        stamps = [datetime.fromtimestamp(end - 60 * n, UTC) for n in (3, 2, 1)]
        return {
            "MetricDataResults": [
                {
                    "Id": query["Id"],
                    "Timestamps": stamps,
                    "Values": [60.0 * 1024 * 1024 if "readbytes" in query["Id"] else 0.0] * 3,
                }
                for query in params["MetricDataQueries"]
            ]
        }


class AwsLikeBackend:
    """What the Monitor reads of a backend, with CloudTrail's and CloudWatch's feeds."""

    workloads = None

    def __init__(self):
        self.events = CloudTrailEvents(lambda region: OneRead(), "eu-west-1", clock=lambda: AS_OF)
        self.volumes = CloudWatchVolumes(
            lambda region: Ec2(), lambda region: CloudWatch(), "eu-west-1", clock=lambda: AS_OF
        )

    def alias_names(self, key_id: str) -> list[str]:
        return ["alias/ebs"] if KEY_ARN.endswith(key_id) else []


def shown(widget: Static) -> str:
    return str(widget.render())


async def test_the_monitor_says_how_fresh_cloudtrails_events_are():
    backend = AwsLikeBackend()

    class Host(App):
        def compose(self):
            yield MonitorPane(backend)

    app = Host()
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            pane = app.query_one(MonitorPane)
            line = app.query_one("#monitor-freshness", Static)
            await wait_until(pilot, lambda: "as of" in shown(line), what="the freshness line")
            assert line.display and line.region.height >= 1
            assert shown(line).startswith(
                "as of 08:03:04 UTC · LookupEvents in eu-west-1 · CloudTrail typically "
                "delivers an event within about 5 minutes of the call"
            )
            events = app.query_one(EventList)
            await wait_until(pilot, lambda: events.total == 1, what="the decrypt")
            row = events.visible_rows()[-1]
            assert (row.operation, row.principal, row.key, row.context) == (
                "Decrypt",
                f"ec2-infrastructure/{INSTANCE}",
                "alias/ebs",
                f"aws:ebs:id={VOLUME}",
            )
            panel = app.query_one(ThroughputPanel)
            await wait_until(pilot, lambda: bool(panel.lines), what="the volume's graph")
            drawn = str(panel.render())
            assert "Throughput (last hour)" in drawn
            assert "CloudWatch AWS/EBS, 1-minute points, minutes behind · as of 08:03:04 UTC" in (
                drawn
            )
            # CloudTrail's events come in as read, minutes late: no calls a second
            assert "events read in the last minute" in drawn and "calls/s" not in drawn
            assert panel.lines[0].sample.read_mibps == 1.0
            assert len(panel.lines[0].series.read_mibps) == 3
            assert pane.feed is not None
        assert backend.events._thread is None  # the Monitor's going stopped the poller
    finally:
        backend.events.close()
        backend.volumes.close()


async def test_a_live_feed_shows_no_freshness_line():
    class Host(App):
        def compose(self):
            yield MonitorPane(feed=FixedFeed())

    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        line = app.query_one("#monitor-freshness", Static)
        assert not line.display or line.region.height == 0
        drawn = str(app.query_one(ThroughputPanel).render())
        assert "Throughput (last minute)" in drawn and "calls/s" in drawn
