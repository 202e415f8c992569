"""The write gate a backend other than the embedded engine puts before every request.

Reads pass. A cryptographic operation on a key ("use": Encrypt, Sign ...) changes
nothing but uses a real key: it is sent once the user confirmed it, writes allowed or
not. A request that changes something is refused while the console is read-only (the
refusal says how to allow writes); with writes allowed it is sent once the user
confirmed the exact call, and a destructive one asks for the name of what it destroys
to be typed (a key's alias, or its id when it has none; the alias, volume ... the call
names). Nothing is sent while no one can be asked."""

from __future__ import annotations

from collections.abc import Callable

from kmstui.backends.base import YES, Capability, Confirm, WriteRefused, WriteRequest
from kmstui.model import writes

ALLOW_WRITES = "start kmstui with --allow-writes to allow changes (each is confirmed first)"
READ_ONLY = f"read-only: {ALLOW_WRITES}"


class WriteGate:
    """``WriteGate(allow_writes, alias_names)``: ``alias_names(key_id)`` gives a key's
    alias names (what the user types to confirm a destructive call on it)."""

    def __init__(self, allow_writes: bool, alias_names: Callable[[str], list[str]]):
        self.allow_writes = allow_writes
        self._alias_names = alias_names
        self._confirm: Confirm | None = None

    @property
    def capability(self) -> Capability:
        """``Capabilities.writes`` of the backend the gate guards."""
        return YES if self.allow_writes else Capability(False, READ_ONLY)

    def set_confirm(self, confirm: Confirm | None) -> None:
        """Who is asked before a write or a use is sent (None: no one; they are refused)."""
        self._confirm = confirm

    def request(self, service: str, operation: str, params: dict) -> WriteRequest | None:
        """The request as the user is asked it (secrets masked: they never leave the
        request); None for a read."""
        kind = writes.kind(operation)
        if kind == writes.READ:
            return None
        typed = self._type_to_confirm(operation, params) if kind == writes.DESTRUCTIVE else None
        return WriteRequest(service, operation, writes.masked(params), kind, typed)

    def check(self, service: str, operation: str, params: dict) -> None:
        """Return when ``operation`` may be sent; WriteRefused (the message says why)
        when it may not. Asks the user (blocking: call it on a worker thread)."""
        request = self.request(service, operation, params)
        if request is None:
            return
        if request.kind != writes.USE and not self.allow_writes:
            raise WriteRefused(
                operation,
                f"read-only: {operation} was not sent. It changes the account, and the "
                f"console is read-only: {ALLOW_WRITES}.",
            )
        confirm = self._confirm
        if confirm is None:
            raise WriteRefused(
                operation,
                f"{operation} was not sent: no one can confirm it here (the console asks "
                "before each change and each use of a key).",
                code="NotConfirmed",
            )
        if not confirm(request):
            raise WriteRefused(
                operation, f"{operation} was not sent: you did not confirm it.", code="Cancelled"
            )

    def _type_to_confirm(self, operation: str, params: dict) -> str | None:
        value = writes.target(operation, params)
        if value is None or "KeyId" not in writes.DESTRUCTIVE_TARGETS[operation]:
            return value
        if value != params.get("KeyId"):
            return value  # the grant, not the key, names what goes
        return self._key_name(value)

    def _key_name(self, key: str) -> str:
        """What the user types for a key: the alias the call names, else one of the
        key's aliases, else its id."""
        resource = key.split(":", 5)[5] if key.startswith("arn:") and key.count(":") >= 5 else key
        if resource.startswith("alias/"):
            return resource
        key_id = resource.removeprefix("key/")
        try:
            aliases = sorted(self._alias_names(key_id))
        except Exception:  # the aliases could not be read: the key id still names it
            aliases = []
        return aliases[0] if aliases else key_id
