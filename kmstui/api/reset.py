"""Resetting the engine from a test suite: ``POST /_kmstui/reset``, and ``POST
/moto-api/reset`` for suites written for moto's server.

Only an endpoint that accepts any credentials resets: it is a test double then, and
every caller could empty any account anyway. Otherwise the request is refused as AWS
refuses a caller it does not allow (AccessDeniedException), and nothing changes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from kmstui.errors import AwsError

if TYPE_CHECKING:
    from kmstui.engine import Engine

RESET_PATHS = frozenset({"/_kmstui/reset", "/moto-api/reset"})
REFUSED = (
    "Resetting is allowed only when the endpoint accepts any credentials "
    "(kmstui serve --allow-any-credentials)"
)


def is_reset(raw_path: str) -> bool:
    return raw_path.rstrip("/") in RESET_PATHS


def reset(engine: Engine, *, allowed: bool) -> bytes:
    """Empty every account of ``engine`` if ``allowed``; the response body."""
    if not allowed:
        raise AwsError(REFUSED, code="AccessDeniedException", status=403)
    engine.reset()
    return json.dumps({"status": "ok"}).encode("ascii")
