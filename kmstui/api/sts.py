"""STS as the endpoint serves it: GetCallerIdentity, which says who signed a request.

The answer comes from the request's caller (the access key's owner, or the root user)
and the engine's IAM users, so the service needs no state of its own. It runs through
the engine's dispatcher like every other operation, so each call is an event in the
same stream as KMS, IAM and EC2 calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kmstui.caller import Caller
from kmstui.dispatch import CallContext, Operations, ServiceErrors
from kmstui.errors import AwsError
from kmstui.service import Collaborators, Service

if TYPE_CHECKING:
    from kmstui.engine import Engine
    from kmstui.iam import IamService

if TYPE_CHECKING:
    from kmstui.engine import Engine

OPERATIONS = Operations()

ERRORS = ServiceErrors(
    bad_request=lambda: AwsError(
        "The request parameters must be an object", code="ValidationError"
    ),
    internal=lambda exc: AwsError(
        f"The request processing has failed ({type(exc).__name__}).",
        code="InternalFailure",
        status=500,
    ),
)


class StsService(Service):
    name = "sts"
    operations = OPERATIONS
    errors = ERRORS

    def __init__(self, collaborators: Collaborators, *, iam: IamService):
        super().__init__(collaborators)
        self.iam = iam


def attach(engine: Engine) -> None:
    """Route STS's operations through ``engine`` (once per engine)."""
    if any(name not in engine.operations for name in OPERATIONS):
        engine.register(StsService(engine.collaborators, iam=engine.iam))


@OPERATIONS.operation("GetCallerIdentity")
def get_caller_identity(svc: StsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    user_id = caller.account  # the root user's id is its account's
    name = _user_name(caller.principal)
    if name is not None:
        user = svc.iam.user(caller.account, name)
        if user is not None:
            user_id = user["UserId"]
    return {"UserId": user_id, "Account": caller.account, "Arn": caller.principal}


def _user_name(arn: str) -> str | None:
    resource = arn.split(":", 5)[-1]
    if not resource.startswith("user/"):
        return None
    return resource.rsplit("/", 1)[-1]
