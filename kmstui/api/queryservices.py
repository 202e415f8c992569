"""The endpoint's Query services: STS, IAM and EC2 requests, form-encoded with
``Action=`` and answered in XML.

A request is routed to a service by its SigV4 credential scope (``.../iam/aws4_request``);
an unsigned request (accepted only with ``--allow-any-credentials``) by its
``Version``. It is authenticated as KMS requests are, with that service in the scope,
decoded along the operation's input shape (:mod:`kmstui.api.query`), run by
``engine.call`` and answered along its output shape (:mod:`kmstui.api.xml`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from kmstui.api import sts
from kmstui.api import xml as xmlwire
from kmstui.api.auth import Authenticator, RequestParts
from kmstui.api.query import decode, parse_form
from kmstui.errors import AwsError
from kmstui.model import ServiceModel
from kmstui.model import load as load_model

if TYPE_CHECKING:
    from kmstui.engine import Engine

log = logging.getLogger("kmstui.api")

SERVICES = ("sts", "iam", "ec2")

# The Query protocols name the signature failures differently from the JSON one.
QUERY_AUTH_CODES = {
    "IncompleteSignatureException": ("IncompleteSignature", 400),
    "InvalidSignatureException": ("SignatureDoesNotMatch", 403),
    "UnrecognizedClientException": ("InvalidClientTokenId", 403),
    "MissingAuthenticationTokenException": ("MissingAuthenticationToken", 403),
}
EC2_AUTH_CODES = {
    "IncompleteSignatureException": ("IncompleteSignature", 400),
    "InvalidSignatureException": ("AuthFailure", 401),
    "UnrecognizedClientException": ("AuthFailure", 401),
    "MissingAuthenticationTokenException": ("MissingAuthenticationToken", 401),
}
EC2_AUTH_FAILURE = "AWS was not able to validate the provided access credentials"
INTERNAL = ("InternalFailure", "The request processing has failed because of an unknown error.")


def scope_service(header: str | None) -> str | None:
    """The service a SigV4 Authorization header's credential scope names, if any."""
    if not header:
        return None
    _, _, rest = header.strip().partition(" ")
    for item in rest.split(","):
        name, _, value = item.strip().partition("=")
        if name == "Credential":
            scope = value.strip().split("/")
            return scope[3] if len(scope) == 5 else None
    return None


class QueryServices:
    """The Query services one endpoint serves, over one engine."""

    def __init__(self, engine: Engine, auth: Authenticator):
        self.engine = engine
        self.auth = auth
        sts.attach(engine)
        self.models: dict[str, ServiceModel] = {}
        for name in SERVICES:
            model = load_model(name)
            if model is not None:
                self.models[name] = model
        self.versions = {model.api_version: name for name, model in self.models.items()}

    def process(self, parts: RequestParts, request_id: str) -> tuple[int, bytes, str, str]:
        """(status, XML body, error code or "", operation) for one Query request."""
        service = scope_service(parts.header.get("authorization"))
        operation = "-"
        fields: dict[str, str] = {}
        try:
            fields = parse_form(parts.body)
            if service is None:
                service = self.versions.get(fields.get("Version", ""), "sts")
            model = self.models.get(service)
            if model is None:
                # Signed for a service this endpoint does not serve: the scope is wrong.
                service = "sts"
                model = self.models[service]
            caller = self.auth.caller_for(parts, service=service)
            action = fields.get("Action")
            if not action:
                raise AwsError(
                    "The request must contain the parameter Action.", code="MissingAction"
                )
            if action not in model or action not in self.engine.operations:
                raise AwsError(_unknown_action(model, action), code="InvalidAction")
            operation = action
            params = decode(model, action, fields)
            result = self.engine.call(action, params, caller=caller)
            return 200, xmlwire.response(model, action, result, request_id), "", operation
        except AwsError as exc:
            protocol = "ec2" if service == "ec2" else "query"
            code, status = _wire_code(protocol, exc)
            message = EC2_AUTH_FAILURE if code == "AuthFailure" else exc.message
            body = xmlwire.error(protocol, code, message, request_id, sender=status < 500)
            return status, body, code, operation
        except Exception:
            log.exception("internal error in %s", operation)
            protocol = "ec2" if service == "ec2" else "query"
            body = xmlwire.error(protocol, *INTERNAL, request_id, sender=False)
            return 500, body, INTERNAL[0], operation


def _wire_code(protocol: str, exc: AwsError) -> tuple[str, int]:
    table = EC2_AUTH_CODES if protocol == "ec2" else QUERY_AUTH_CODES
    return table.get(exc.code, (exc.code, exc.status))


def _unknown_action(model: ServiceModel, action: str) -> str:
    shown = action[:128]
    if model.protocol == "ec2":
        return f"The action {shown} is not valid for this web service."
    return f"Could not find operation {shown} for version {model.api_version}"
