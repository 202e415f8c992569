"""The registry of EC2 operations and what one call gathers for its event."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kmstui.caller import Caller

if TYPE_CHECKING:
    from kmstui.ebs.service import Ec2Service

Handler = Callable[["Ec2Service", dict, Caller, "CallContext"], dict]
OPERATIONS: dict[str, Handler] = {}


def operation(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        OPERATIONS[name] = handler
        return handler

    return register


@dataclass
class CallContext:
    """Resources an EC2 call touched and extra event fields (never key bytes)."""

    operation: str
    resources: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def touch(self, arn: str) -> None:
        if arn not in self.resources:
            self.resources.append(arn)
