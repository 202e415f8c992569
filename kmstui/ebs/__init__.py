"""EBS: encrypted volumes, snapshots, instances and attachments (the EC2 service),
the XTS sector cipher and block device underneath, I/O workloads and metrics.

The engine wires the service with :func:`install` (or the same three lines:
``Ec2Service(engine)``, ``engine.ec2 = ...``, ``engine.register(....operations)``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kmstui.ebs.service import Ec2Service

__all__ = ["Ec2Service", "install"]


def install(engine) -> Ec2Service:
    """Create the EC2 service for ``engine``, set ``engine.ec2`` and route its operations."""
    from kmstui.ebs.service import Ec2Service

    existing = getattr(engine, "ec2", None)
    if existing is not None:
        return existing
    service = Ec2Service(engine)
    engine.ec2 = service
    engine.register(service.operations)
    return service


def __getattr__(name: str) -> Any:
    # Imported on demand so that the cipher and block device load without the service.
    if name == "Ec2Service":
        from kmstui.ebs.service import Ec2Service

        return Ec2Service
    raise AttributeError(name)
