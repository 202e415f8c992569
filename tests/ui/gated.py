"""A backend as the console sees one on AWS or another endpoint: the embedded engine
behind a write gate, with every optional capability unavailable."""

from __future__ import annotations

from kmstui.backends import Capabilities, Capability, EmbeddedBackend, Location
from kmstui.backends.gate import WriteGate
from kmstui.caller import Caller

ENDPOINT = "http://127.0.0.1:4566"


class GatedBackend(EmbeddedBackend):
    """``GatedBackend(engine, allow_writes=...)``: each request passes the write gate
    first (the console's dialog confirms, or nothing changing is sent)."""

    def __init__(self, engine, *, allow_writes: bool):
        super().__init__(engine)
        self.gate = WriteGate(allow_writes, self.alias_names)
        self.clock = None  # type: ignore[assignment]
        self.location = Location("endpoint", engine.account, engine.region, endpoint_url=ENDPOINT)
        self.sent: list[str] = []

    def set_confirm(self, confirm) -> None:
        self.gate.set_confirm(confirm)

    @property
    def workloads(self):  # type: ignore[override]
        return None

    @property
    def capabilities(self) -> Capabilities:
        def no(reason: str) -> Capability:
            return Capability(False, reason)

        return Capabilities(
            workloads=no("an endpoint runs no block I/O"),
            clock=no("the endpoint keeps its own time"),
            act_as_any=no("acting as another principal needs its credentials"),
            caller_model=no("EC2 decides how it calls KMS"),
            nbd_export=no("the volumes' blocks are not here"),
            endpoint=no("the console is a client of an endpoint already"),
            writes=self.gate.capability,
        )

    def call(self, operation: str, params: dict | None = None, *, caller: Caller) -> dict:
        service = next(
            (
                name
                for name in ("ec2", "iam")
                if operation in getattr(getattr(self.engine, name, None), "operations", ())
            ),
            "kms",
        )
        self.gate.check(service, operation, params or {})
        self.sent.append(operation)
        return super().call(operation, params, caller=caller)
