"""Throughput as text graphs: per attached volume, read and write MiB/s and IOPS over
the last minute with latency percentiles, the total, and KMS calls per second.

The graphs start at zero (a steady 1,000 IOPS is a full bar, not a flat line at an
arbitrary height, as a min-to-max sparkline would draw it) and the figures are
always written out, so nothing depends on colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from kmstui.ui.live.feed import ThroughputSample, VolumeSeries

BARS = " ▁▂▃▄▅▆▇█"


def bar_graph(values: Sequence[float], width: int, floor: float = 1e-9) -> str:
    """``values`` (oldest first) squeezed into ``width`` columns, averaged per column,
    scaled from zero to the largest; right-aligned so the newest is at the right."""
    if width <= 0:
        return ""
    values = list(values)
    if not values:
        return " " * width
    per = max(1, -(-len(values) // width))
    columns = [
        sum(values[i : i + per]) / len(values[i : i + per])
        for i in range(len(values) % per if len(values) > per * width else 0, len(values), per)
    ][-width:]
    top = max(max(columns), floor)
    cells = []
    for value in columns:
        if value <= 0:
            cells.append(" ")
        else:
            cells.append(BARS[max(1, min(8, round(value / top * 8)))])
    return "".join(cells).rjust(width)


def rate(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def micros(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 1000:
        return f"{value / 1000:.1f}ms"
    return f"{value:.0f}µs"


@dataclass(frozen=True)
class VolumeLine:
    volume_id: str
    instance_id: str
    sample: ThroughputSample
    series: VolumeSeries


def total_of(lines: Sequence[VolumeLine]) -> ThroughputSample:
    return ThroughputSample(
        sum(v.sample.read_mibps for v in lines),
        sum(v.sample.write_mibps for v in lines),
        sum(v.sample.read_iops for v in lines),
        sum(v.sample.write_iops for v in lines),
    )


def summed(series: Sequence[Sequence[float]]) -> list[float]:
    """Element-wise sum of series of possibly different lengths, aligned at the newest."""
    longest = max((len(s) for s in series), default=0)
    out = [0.0] * longest
    for one in series:
        for i, value in enumerate(one):
            out[longest - len(one) + i] += value
    return out


class ThroughputPanel(Widget):
    """One widget for every volume (redrawn at the monitor's rate, not per I/O)."""

    DEFAULT_CSS = """
    ThroughputPanel { height: auto; padding: 0 1; border-top: hkey $panel; }
    """
    compact: reactive[bool] = reactive(False)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.lines: list[VolumeLine] = []
        self.kms: list[float] = []
        self.resolution: str | None = None
        self.kms_read = False

    def show(
        self,
        lines: list[VolumeLine],
        kms: list[float],
        resolution: str | None = None,
        *,
        kms_read: bool = False,
    ) -> None:
        """``resolution``: what the figures are when they are not live (CloudWatch's
        1-minute points), said in the heading. ``kms_read``: the KMS events come as
        they are read (CloudTrail's, minutes after the calls), so the KMS line counts
        the events read in the last minute, not calls a second."""
        self.lines, self.kms, self.resolution = lines, kms, resolution
        self.kms_read = kms_read
        self.refresh(layout=True)

    def render(self) -> Text:
        width = max(20, self.content_region.width or self.size.width - 2)
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.resolution:
            text.append("Throughput (last hour)", style="bold")
            text.append("  read and write MiB/s, IOPS (per-minute averages)", style="dim")
            text.append(f"\n{self.resolution}", style="bold yellow")
        else:
            text.append("Throughput (last minute)", style="bold")
            text.append("  read and write MiB/s, IOPS, latency p50/p99/p99.9", style="dim")
        if not self.lines and self.resolution:
            text.append("\nNo volume is attached in this Region.", style="dim")
        elif not self.lines:
            text.append(
                "\nNo volume has its data key in memory in this process: attach one in "
                "Volumes (an in-use volume from an earlier run needs detaching and "
                "attaching again), then start a workload.",
                style="dim",
            )
        for line in self.lines:
            text.append("\n")
            self._volume(text, line, width)
        total = total_of(self.lines)
        text.append("\n")
        label = "all volumes"
        figures = (
            f"R {rate(total.read_mibps)} W {rate(total.write_mibps)} MiB/s {rate(total.iops)} IOPS"
        )
        text.append(f"{label:<21} ", style="bold")
        text.append(figures)
        room = width - 22 - len(figures) - 1
        if room > 4:
            graph = summed(
                [
                    [r + w for r, w in zip(v.series.read_mibps, v.series.write_mibps, strict=False)]
                    for v in self.lines
                ]
            )
            text.append(" " + bar_graph(graph, room), style="cyan")
        text.append("\n")
        kms_rate = self.kms[-1] if self.kms else 0.0
        kms_figures = f"{kms_rate:,.0f} calls/s"
        if self.kms_read:
            kms_figures = f"{sum(self.kms):,.0f} events read in the last minute"
        text.append(f"{'KMS':<21} ", style="bold")
        text.append(kms_figures)
        room = width - 22 - len(kms_figures) - 1
        if room > 4:
            text.append(" " + bar_graph(self.kms, room), style="magenta")
        return text

    def _volume(self, text: Text, line: VolumeLine, width: int) -> None:
        s = line.sample
        figures = f"R {rate(s.read_mibps)} W {rate(s.write_mibps)} MiB/s {rate(s.iops)} IOPS"
        latency = f"p50 {micros(s.p50_us)} p99 {micros(s.p99_us)} p99.9 {micros(s.p999_us)}"
        text.append(f"{line.volume_id:<21} ", style="bold")
        if self.compact:
            text.append(figures)
            room = width - 22 - len(figures) - 1
            short = f" p99 {micros(s.p99_us)}"
            if room - len(short) > 4:
                text.append(short)
                room -= len(short)
            if room > 4:
                both = [
                    r + w
                    for r, w in zip(line.series.read_mibps, line.series.write_mibps, strict=False)
                ]
                text.append(" " + bar_graph(both, room), style="cyan")
            return
        text.append(f"{figures}  {latency}")
        text.append(f"  on {line.instance_id}", style="dim")
        text.append("\n")
        room = max(12, width - 2)
        each = (room - len("R  W  IOPS ") - 4) // 3
        text.append("  R ", style="dim")
        text.append(bar_graph(line.series.read_mibps, each), style="green")
        text.append("  W ", style="dim")
        text.append(bar_graph(line.series.write_mibps, each), style="yellow")
        text.append("  IOPS ", style="dim")
        text.append(bar_graph(line.series.iops, each), style="cyan")
