"""Live views: the Volumes and Monitor sections and what they are made of.

``screens.VolumesScreen`` and ``screens.MonitorScreen`` are console sections;
``volumes.VolumesPane(backend, call)`` and ``monitor.MonitorPane(backend)`` mount
anywhere. ``volume_table`` lays the volumes out, ``volume_actions`` is what is done
to one volume (from the list, an instance's volumes and ``volume_detail`` alike),
``instances`` lists the instances. ``feed`` adapts the console's backend (or a fixed
stream, for snapshots) to what they draw and watches it for changes; ``records`` and
``rows`` hold the logic and import no Textual.
"""
