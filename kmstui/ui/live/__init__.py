"""Live views: the Volumes and Monitor sections and what they are made of.

``screens.VolumesScreen`` and ``screens.MonitorScreen`` are console sections;
``volumes.VolumesPane(backend, call)`` and ``monitor.MonitorPane(backend)`` mount
anywhere. ``feed`` adapts the console's backend (or a fixed stream, for snapshots) to
what they draw; ``records`` and ``rows`` hold the logic and import no Textual.
"""
