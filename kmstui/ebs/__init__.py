"""EBS: encrypted volumes, snapshots, instances and attachments (the EC2 service),
the XTS sector cipher and block device underneath, I/O workloads and metrics.

The operations live in modules named for what they act on (``volumes``,
``attachments``, ``instances``, ``snapshots``, ``encryption_defaults``) and register
themselves in ``operations.OPERATIONS``; :class:`~kmstui.ebs.service.Ec2Service` holds
the records they share.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kmstui.ebs.service import Ec2Service

__all__ = ["Ec2Service"]


def __getattr__(name: str) -> Any:
    # Imported on demand so that the cipher and block device load without the service.
    if name == "Ec2Service":
        from kmstui.ebs.service import Ec2Service

        return Ec2Service
    raise AttributeError(name)
