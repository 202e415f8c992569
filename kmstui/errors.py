"""Errors named as AWS names them.

Every failure an operation can report is an :class:`AwsError` whose ``code`` is the
exact error name AWS returns (``NotFoundException``, ``InvalidVolume.NotFound``,
``NoSuchEntity`` ...) and whose ``message`` is the text a person reads. The CLI and
the HTTP endpoint turn one into ``{"__type": code, "message": message}``.
"""

from __future__ import annotations


class AwsError(Exception):
    """An error an AWS API would return. ``code`` is its name on the wire."""

    code: str = "InternalFailure"
    status: int = 400

    def __init__(self, message: str = "", *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    def to_json(self) -> dict[str, str]:
        return {"__type": self.code, "message": self.message}

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" if self.message else self.code


def _error(name: str, status: int = 400) -> type[AwsError]:
    return type(name, (AwsError,), {"code": name, "status": status, "__module__": __name__})


# KMS
AccessDeniedException = _error("AccessDeniedException")
AlreadyExistsException = _error("AlreadyExistsException")
CloudHsmClusterNotFoundException = _error("CloudHsmClusterNotFoundException")
CustomKeyStoreNotFoundException = _error("CustomKeyStoreNotFoundException")
XksProxyUriUnreachableException = _error("XksProxyUriUnreachableException")
XksProxyVpcEndpointServiceNotFoundException = _error("XksProxyVpcEndpointServiceNotFoundException")
DependencyTimeoutException = _error("DependencyTimeoutException", 503)
DisabledException = _error("DisabledException")
DryRunOperationException = _error("DryRunOperationException", 412)
ExpiredImportTokenException = _error("ExpiredImportTokenException")
IncorrectKeyException = _error("IncorrectKeyException")
IncorrectKeyMaterialException = _error("IncorrectKeyMaterialException")
InvalidAliasNameException = _error("InvalidAliasNameException")
InvalidArnException = _error("InvalidArnException")
InvalidCiphertextException = _error("InvalidCiphertextException")
InvalidGrantIdException = _error("InvalidGrantIdException")
InvalidGrantTokenException = _error("InvalidGrantTokenException")
InvalidImportTokenException = _error("InvalidImportTokenException")
InvalidKeyUsageException = _error("InvalidKeyUsageException")
InvalidMarkerException = _error("InvalidMarkerException")
KMSInternalException = _error("KMSInternalException", 500)
KMSInvalidMacException = _error("KMSInvalidMacException")
KMSInvalidSignatureException = _error("KMSInvalidSignatureException")
KMSInvalidStateException = _error("KMSInvalidStateException")
KeyUnavailableException = _error("KeyUnavailableException", 500)
LimitExceededException = _error("LimitExceededException")
MalformedPolicyDocumentException = _error("MalformedPolicyDocumentException")
NotFoundException = _error("NotFoundException")
TagException = _error("TagException")
UnsupportedOperationException = _error("UnsupportedOperationException")
ValidationException = _error("ValidationException")
# Protocol-level (the endpoint and `kmstui call`)
SerializationException = _error("SerializationException")
UnknownOperationException = _error("UnknownOperationException")
UnrecognizedClientException = _error("UnrecognizedClientException")
InvalidSignatureException = _error("InvalidSignatureException")
IncompleteSignatureException = _error("IncompleteSignatureException")
MissingAuthenticationTokenException = _error("MissingAuthenticationTokenException", 403)


def ec2_error(code: str, message: str) -> AwsError:
    """EC2 error codes carry dots (``InvalidVolume.NotFound``), so they are not classes."""
    return AwsError(message, code=code)


def iam_error(code: str, message: str, status: int = 400) -> AwsError:
    """IAM error codes (``NoSuchEntity``, ``EntityAlreadyExists`` ...)."""
    return AwsError(message, code=code, status=status)
