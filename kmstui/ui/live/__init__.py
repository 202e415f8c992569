"""Live views: the Volumes and Monitor sections and what they are made of.

``screens.VolumesScreen`` and ``screens.MonitorScreen`` are console sections;
``volumes.VolumesPane(engine, call)`` and ``monitor.MonitorPane(engine)`` mount
anywhere. ``feed`` adapts a running engine (or a fixed stream, for snapshots) to
what they draw; ``records`` and ``rows`` hold the logic and import no Textual.
"""
