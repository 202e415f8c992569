"""The console's own requests, marked by user agent as AWS's console marks its own.

Every request :meth:`KmsConsole.call` makes carries :data:`CONSOLE_USER_AGENT`, so
its event says so. The Monitor and a key's Events tab hide the console's reads (the
lists it refreshes) by default; what it changes stays in view."""

from __future__ import annotations

CONSOLE_USER_AGENT = "kmstui-console"


def console_read(record: dict) -> bool:
    """An event of a read the console made for its own screens (on AWS, the user agent
    is boto3's with the console's mark among its words)."""
    agent = record.get("userAgent")
    return (
        bool(record.get("readOnly"))
        and isinstance(agent, str)
        and (agent == CONSOLE_USER_AGENT or CONSOLE_USER_AGENT in agent.split())
    )
