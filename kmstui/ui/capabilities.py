"""Which of the console's actions its backend cannot do, and why, said before they are
tried: the footer dims them, help and the palette give the reason, and a key pressed
for one says the reason instead of opening a form whose request would be refused.

Actions are named by their binding ids (``key.create``), so a remapped key keeps its
reason. A backend that is read-only (``capabilities.writes``) cannot do any action that
changes something; the other actions need one capability each."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.binding import Binding
    from textual.dom import DOMNode

    from kmstui.backends import Backend

# Actions whose requests change something (a use of a key, Try it, is not one).
WRITES = frozenset(
    {
        "key.create",
        "key.enable",
        "key.disable",
        "key.schedule-deletion",
        "key.cancel-deletion",
        "key.edit-description",
        "key.import-material",
        "key.primary-region",
        "key.replicate",
        "alias.add",
        "tag.add",
        "selection.remove",
        "rotation.toggle",
        "rotation.period",
        "rotation.rotate-now",
        "grants.create",
        "grants.revoke",
        "grants.retire",
        "policy.save",
        "policy.add",
        "policy.delete",
        "access-key.create",
        "access-key.delete",
        "access-key.activate",
        "access-key.deactivate",
        "volume.create",
        "volume.delete",
        "volume.attach",
        "volume.detach",
        "volume.snapshot",
        "volume.copy-snapshot",
        "instance.run",
        "instance.start",
        "instance.stop",
        "instance.terminate",
    }
)

# Actions that need a capability of their own (a field of Capabilities).
NEEDS = {
    "clock.advance": "clock",
    "acting-as.switch": "act_as_any",
    "principal.act-as": "act_as_any",
    "volume.caller-model": "caller_model",
    "volume.workload": "workloads",
    "volume.stop-workload": "workloads",
    "detail.export-nbd": "nbd_export",
}

# The actions that say their own reason when tried (clock, act as, caller model,
# workloads, NBD export); the others are answered here.
SAY_THEMSELVES = frozenset(
    {
        "clock.advance",
        "acting-as.switch",
        "volume.caller-model",
        "volume.workload",
        "detail.export-nbd",
    }
)


def reason(backend: Backend | None, binding_id: str | None) -> str | None:
    """Why the backend cannot do the action ``binding_id`` names ("read-only: ...",
    "unavailable: ..."), or None when it can (or nothing is open yet)."""
    if backend is None or not binding_id or binding_id not in WRITES and binding_id not in NEEDS:
        return None
    capabilities = backend.capabilities
    needed = NEEDS.get(binding_id)
    if needed is not None:
        capability = getattr(capabilities, needed)
        return None if capability else capability.why_not
    if capabilities.writes:
        return None
    why = capabilities.writes.reason or "this backend makes no changes"
    return why if why.startswith("read-only") else f"read-only: {why}"


def binding_for(namespace: DOMNode, action: str) -> Binding | None:
    """The binding of ``namespace`` (a screen, widget or the app) that runs ``action``."""
    for _key, binding in namespace._bindings:
        if binding.action == action:
            return binding
    return None


def action_reason(backend: Backend | None, namespace: DOMNode, action: str) -> str | None:
    """:func:`reason` for the action string a binding of ``namespace`` runs."""
    if backend is None:
        return None
    binding = binding_for(namespace, action)
    return reason(backend, binding.id) if binding is not None else None
