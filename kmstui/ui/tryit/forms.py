"""What "Try it" offers a key, and the requests it makes: no widgets here.

A key's usage decides its form: one operation that makes something (Encrypt, Sign,
GenerateMac, DeriveSharedSecret, Encapsulate) and, for most, one that takes it back
(Decrypt, Verify, VerifyMac, Decapsulate). The choices (algorithms, message types)
are the ones DescribeKey lists for the key; the requests carry AWS's member names.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from kmstui.errors import AwsError
from kmstui.model.keyspecs import ML_DSA_SPECS, SYMMETRIC
from kmstui.ui.models import Call
from kmstui.ui.policy.simulate import ContextSyntaxError, parse_encryption_context

TEXT, BASE64 = "text", "base64"


@dataclass(frozen=True)
class Form:
    """The operations and choices "Try it" offers for one key."""

    usage: str
    make: str  # the operation that makes the output: Encrypt, Sign ...
    check: str | None  # the one that takes it back: Decrypt, Verify ... (None: none)
    input_label: str | None  # what the person types (None: Encapsulate takes nothing)
    field_label: str | None  # what `make` produces and `check` takes, in base64
    algorithm_member: str  # the request member naming the algorithm
    algorithms: tuple[str, ...]
    message_types: tuple[str, ...] = ()
    context: bool = False  # an encryption context (symmetric encryption only)

    @property
    def title(self) -> str:
        return f"{self.make} and {self.check}" if self.check else self.make


# usage: (make, check, input, field, algorithm member, DescribeKey's list member)
_FORMS = {
    "ENCRYPT_DECRYPT": (
        "Encrypt",
        "Decrypt",
        "Plaintext",
        "Ciphertext",
        "EncryptionAlgorithm",
        "EncryptionAlgorithms",
    ),
    "SIGN_VERIFY": (
        "Sign",
        "Verify",
        "Message",
        "Signature",
        "SigningAlgorithm",
        "SigningAlgorithms",
    ),
    "GENERATE_VERIFY_MAC": (
        "GenerateMac",
        "VerifyMac",
        "Message",
        "MAC",
        "MacAlgorithm",
        "MacAlgorithms",
    ),
    "KEY_AGREEMENT": (
        "DeriveSharedSecret",
        None,
        "Peer public key",
        None,
        "KeyAgreementAlgorithm",
        "KeyAgreementAlgorithms",
    ),
    "ENCAPSULATE_DECAPSULATE": (
        "Encapsulate",
        "Decapsulate",
        None,
        "Ciphertext",
        "EncapsulationAlgorithm",
        "EncapsulationAlgorithms",
    ),
}


def form_for(metadata: dict) -> Form | None:
    """The form for a key as DescribeKey describes it; None for a usage it has no form
    for."""
    usage = metadata.get("KeyUsage", "")
    if usage not in _FORMS:
        return None
    make, check, input_label, field_label, member, listed = _FORMS[usage]
    spec = metadata.get("KeySpec", SYMMETRIC)
    message_types: tuple[str, ...] = ()
    if usage == "SIGN_VERIFY":
        message_types = ("RAW", "EXTERNAL_MU") if spec in ML_DSA_SPECS else ("RAW", "DIGEST")
    return Form(
        usage=usage,
        make=make,
        check=check,
        input_label=input_label,
        field_label=field_label,
        algorithm_member=member,
        algorithms=tuple(metadata.get(listed) or ()),
        message_types=message_types,
        context=spec == SYMMETRIC and usage == "ENCRYPT_DECRYPT",
    )


def message_types_for(form: Form, algorithm: str) -> tuple[str, ...]:
    """The message types a signing algorithm takes: ED25519_SHA_512 signs the message
    itself (RAW only), as KMS requires."""
    if algorithm == "ED25519_SHA_512":
        return tuple(t for t in form.message_types if t == "RAW")
    return form.message_types


class InputProblem(ValueError):
    """What the person typed cannot be sent; the message says why, in AWS's words
    where AWS has them."""


def decode(text: str, encoding: str, what: str) -> bytes:
    """The bytes ``text`` stands for: its UTF-8, or what its base64 decodes to."""
    if encoding == TEXT:
        return text.encode("utf-8")
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise InputProblem(f"{what} is not valid base64.") from None


def public_key_der(text: str) -> bytes:
    """A peer public key pasted as PEM (-----BEGIN PUBLIC KEY-----) or as the base64 of
    its DER SubjectPublicKeyInfo, as DeriveSharedSecret takes it."""
    lines = [line.strip() for line in text.strip().splitlines()]
    body = [line for line in lines if line and not line.startswith("-----")]
    if not body:
        raise InputProblem("Paste the peer's public key (PEM or base64 DER).")
    return decode("".join(body), BASE64, "The peer public key")


def encryption_context(text: str) -> dict[str, str]:
    try:
        return parse_encryption_context(text)
    except ContextSyntaxError as exc:
        raise InputProblem(f"Encryption context: {exc}") from None


@dataclass(frozen=True)
class Request:
    """What the form holds when an operation runs."""

    key_id: str
    algorithm: str
    data: bytes = b""  # the plaintext, message or peer public key (DER)
    field: bytes = b""  # the ciphertext, signature or MAC to take back
    message_type: str | None = None
    context: dict[str, str] | None = None


@dataclass(frozen=True)
class Outcome:
    """One call's answer as the form shows it: an AWS error, or what came back."""

    operation: str
    error: AwsError | None = None
    field: bytes | None = None  # for the form's field (ciphertext, signature, MAC)
    secret: bytes | None = None  # a plaintext or a shared secret: masked until asked
    verdict: str = ""  # Verify's SignatureValid, VerifyMac's MacValid
    field_member: str = ""  # the response members the two came in
    secret_member: str = ""

    @property
    def summary(self) -> str:
        if self.error is not None:
            return f"✕ {self.error.code}: {self.error.message}".rstrip(": ")
        parts = [self.verdict] if self.verdict else []
        if self.field is not None:
            parts.append(f"{self.field_member}, {len(self.field)} bytes")
        if self.secret is not None:
            parts.append(f"{self.secret_member}, {len(self.secret)} bytes")
        return f"✓ {self.operation}: " + "; ".join(parts)


# operation: (response member for the field, response member of the secret)
_ANSWERS = {
    "Encrypt": ("CiphertextBlob", None),
    "Decrypt": (None, "Plaintext"),
    "Sign": ("Signature", None),
    "GenerateMac": ("Mac", None),
    "DeriveSharedSecret": (None, "SharedSecret"),
    "Encapsulate": ("SharedSecretCiphertextBlob", "SharedSecret"),
    "Decapsulate": (None, "SharedSecret"),
}
_VERDICTS = {"Verify": "SignatureValid", "VerifyMac": "MacValid"}


def params_for(form: Form, operation: str, request: Request) -> dict:
    """The request members of ``operation`` (one of the form's two)."""
    params: dict = {"KeyId": request.key_id, form.algorithm_member: request.algorithm}
    if form.context and request.context:
        params["EncryptionContext"] = request.context
    if operation == "Encrypt":
        params["Plaintext"] = request.data
    elif operation == "Decrypt":
        params["CiphertextBlob"] = request.field
    elif operation in ("Sign", "Verify"):
        params["Message"] = request.data
        params["MessageType"] = request.message_type or "RAW"
        if operation == "Verify":
            params["Signature"] = request.field
    elif operation in ("GenerateMac", "VerifyMac"):
        params["Message"] = request.data
        if operation == "VerifyMac":
            params["Mac"] = request.field
    elif operation == "DeriveSharedSecret":
        params["PublicKey"] = request.data
    elif operation == "Decapsulate":
        params["SharedSecretCiphertextBlob"] = request.field
    return params


def run(call: Call, form: Form, operation: str, request: Request) -> Outcome:
    """Make the call (on a worker); an AWS refusal is an outcome, not an exception."""
    try:
        answer = call(operation, params_for(form, operation, request))
    except AwsError as exc:
        return Outcome(operation, error=exc)
    if operation in _VERDICTS:
        member = _VERDICTS[operation]
        return Outcome(operation, verdict=f"{member} {str(answer[member]).lower()}")
    field_member, secret_member = _ANSWERS[operation]
    return Outcome(
        operation,
        field=answer[field_member] if field_member else None,
        secret=answer[secret_member] if secret_member else None,
        field_member=field_member or "",
        secret_member=secret_member or "",
    )


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def shown_secret(secret: bytes) -> str:
    """A revealed secret: its base64, and its text when it is printable UTF-8."""
    try:
        text = secret.decode("utf-8")
    except UnicodeDecodeError:
        return b64(secret)
    if text.isprintable():
        return f"{b64(secret)}  ({text!r} as UTF-8)"
    return b64(secret)


def masked(secret: bytes) -> str:
    return f"{'•' * min(len(secret), 16)} {len(secret)} bytes, hidden"
