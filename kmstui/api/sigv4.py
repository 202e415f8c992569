"""AWS Signature Version 4: signing (``kmstui call --endpoint-url``) and verifying
(the endpoint), from one implementation of the canonical request.

Nothing here knows about HTTP libraries: a request is its method, its raw path and
query (as sent on the wire), its headers as ``(name, value)`` pairs and its body.
Verification raises :class:`kmstui.errors.AwsError` subclasses worded as AWS words
them; the messages never contain a signature or a secret.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, unquote, urlsplit

from kmstui.errors import (
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
)

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
MAX_SKEW_SECONDS = 15 * 60
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"

SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
MISSING_TOKEN = "Missing Authentication Token"

# lower-case name -> the name messages use
REQUIRED_WHEN_PRESENT = {"x-amz-target": "X-Amz-Target", "content-type": "Content-Type"}

_REGION = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


# -- pieces of the canonical request ----------------------------------------------------
def amz_date(when: float | datetime) -> str:
    """``20240101T000000Z`` for an epoch time or a datetime (naive means UTC)."""
    if isinstance(when, datetime):
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return when.astimezone(UTC).strftime(AMZ_DATE_FORMAT)
    return datetime.fromtimestamp(when, UTC).strftime(AMZ_DATE_FORMAT)


def parse_amz_date(text: str) -> float | None:
    try:
        return datetime.strptime(text, AMZ_DATE_FORMAT).replace(tzinfo=UTC).timestamp()
    except (TypeError, ValueError):
        return None


def canonical_uri(raw_path: str) -> str:
    """The path as sent, with empty and dot segments resolved, URI-encoded once more
    (every service but S3 signs the encoded path encoded again)."""
    path = raw_path or "/"
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment and segment != ".":
            segments.append(segment)
    normalized = "/" + "/".join(segments)
    if segments and path.endswith("/"):
        normalized += "/"
    return quote(normalized, safe="/~")


def canonical_query(raw_query: str, *, exclude: Iterable[str] = ()) -> str:
    """Query parameters decoded, re-encoded with only unreserved characters left
    bare, sorted by name and then value."""
    skip = set(exclude)
    pairs = []
    for part in raw_query.split("&") if raw_query else ():
        if not part:
            continue
        name, _, value = part.partition("=")
        name, value = unquote(name), unquote(value)
        if name in skip:
            continue
        pairs.append((quote(name, safe="-_.~"), quote(value, safe="-_.~")))
    return "&".join(f"{n}={v}" for n, v in sorted(pairs))


def _trim(value: str) -> str:
    return " ".join(value.split())


def canonical_headers(headers: Iterable[tuple[str, str]], signed: list[str]) -> str:
    """``name:value`` lines for the signed headers (values of a repeated header
    joined by commas), each ending in a newline."""
    values: dict[str, list[str]] = {}
    wanted = set(signed)
    for name, value in headers:
        lower = name.lower()
        if lower in wanted:
            values.setdefault(lower, []).append(_trim(value))
    return "".join(f"{name}:{','.join(values.get(name, []))}\n" for name in signed)


def canonical_request(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Iterable[tuple[str, str]],
    signed: list[str],
    payload_hash: str,
    *,
    exclude_query: Iterable[str] = (),
) -> str:
    return "\n".join(
        [
            method.upper(),
            canonical_uri(raw_path),
            canonical_query(raw_query, exclude=exclude_query),
            canonical_headers(headers, signed),
            ";".join(signed),
            payload_hash,
        ]
    )


def string_to_sign(timestamp: str, scope: str, canonical: str) -> str:
    # header bytes that are not UTF-8 reach us as surrogates: hash the bytes as sent
    digest = hashlib.sha256(canonical.encode("utf-8", "surrogateescape")).hexdigest()
    return f"{ALGORITHM}\n{timestamp}\n{scope}\n{digest}"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


class KeyCache:
    """Derived signing keys by (secret, date, region, service): one derivation a day
    per key instead of four HMACs per request. The endpoint's authenticator keeps
    one; bounded to ``size`` keys, the least recently used leaving first."""

    def __init__(self, size: int = 256):
        self._size = size
        self._items: OrderedDict[tuple[str, str, str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, secret: str, date: str, region: str, service: str) -> bytes:
        token = (secret, date, region, service)
        with self._lock:
            key = self._items.get(token)
            if key is not None:
                self._items.move_to_end(token)
                return key
        key = signing_key(secret, date, region, service)
        with self._lock:
            self._items[token] = key
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return key


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = _hmac(("AWS4" + secret).encode("utf-8"), date)
    for part in (region, service, TERMINATOR):
        key = _hmac(key, part)
    return key


def signature(
    secret: str,
    date: str,
    region: str,
    service: str,
    to_sign: str,
    keys: KeyCache | None = None,
) -> str:
    key = (
        keys.get(secret, date, region, service)
        if keys is not None
        else signing_key(secret, date, region, service)
    )
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


# -- signing ----------------------------------------------------------------------------
def sign(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    *,
    access_key: str,
    secret_key: str,
    region: str,
    service: str = "kms",
    session_token: str | None = None,
    when: float | datetime | None = None,
) -> dict[str, str]:
    """The headers to send: ``headers`` plus Host, X-Amz-Date (and the session token)
    and the Authorization header that signs them all with the body's hash (or the
    X-Amz-Content-SHA256 value given in ``headers``)."""
    parts = urlsplit(url)
    timestamp = amz_date(time.time() if when is None else when)
    out = {
        k: v for k, v in headers.items() if k.lower() not in ("authorization", "x-amz-date", "host")
    }
    out["Host"] = parts.netloc
    out["X-Amz-Date"] = timestamp
    if session_token:
        out["X-Amz-Security-Token"] = session_token
    signed = sorted({k.lower() for k in out})
    claimed = [v for k, v in out.items() if k.lower() == "x-amz-content-sha256"]
    body_hash = claimed[0] if claimed else hashlib.sha256(body).hexdigest()
    canonical = canonical_request(
        method, parts.path or "/", parts.query, list(out.items()), signed, body_hash
    )
    date = timestamp[:8]
    scope = f"{date}/{region}/{service}/{TERMINATOR}"
    sig = signature(secret_key, date, region, service, string_to_sign(timestamp, scope, canonical))
    out["Authorization"] = (
        f"{ALGORITHM} Credential={access_key}/{scope}, "
        f"SignedHeaders={';'.join(signed)}, Signature={sig}"
    )
    return out


# -- verifying --------------------------------------------------------------------------
@dataclass(frozen=True)
class Authorization:
    """What an Authorization header claims (the signature is checked later)."""

    access_key_id: str
    date: str
    region: str
    service: str
    signed_headers: list[str]
    signature: str

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/{TERMINATOR}"


def parse_authorization(header: str, *, service: str = "kms") -> Authorization:
    """Parse ``AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...``."""
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise IncompleteSignatureException(
            f"Unsupported AWS 'algorithm': '{algorithm[:40]}'. Supported: '{ALGORITHM}'."
        )
    fields: dict[str, str] = {}
    for item in rest.split(","):
        name, eq, value = item.strip().partition("=")
        if eq and name:
            fields[name] = value.strip()
    missing = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if not fields.get(name)
    ]
    if missing:
        raise IncompleteSignatureException(" ".join(missing))
    credential = fields["Credential"].split("/")
    if len(credential) != 5 or not credential[0]:
        raise IncompleteSignatureException(
            "Authorization header requires a 'Credential' parameter of the form "
            "'ACCESS_KEY/YYYYMMDD/REGION/SERVICE/aws4_request'."
        )
    access_key_id, date, region, scope_service, terminator = credential
    if terminator != TERMINATOR:
        raise InvalidSignatureException(
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', "
            f"not '{terminator[:40]}'."
        )
    if scope_service != service:
        raise InvalidSignatureException(
            f"Credential should be scoped to correct service: '{service}'."
        )
    if not _REGION.match(region):
        raise InvalidSignatureException(
            f"Credential should be scoped to a valid region, not '{region[:64]}'."
        )
    if len(date) != 8 or not date.isdigit():
        raise InvalidSignatureException(
            f"Credential should be scoped to a valid date, not '{date[:16]}'."
        )
    signed = fields["SignedHeaders"].split(";")
    if any(not name or name != name.lower() for name in signed) or signed != sorted(signed):
        raise InvalidSignatureException(SIGNATURE_MISMATCH)
    if "host" not in signed:
        raise InvalidSignatureException(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        )
    sig = fields["Signature"]
    if not _HEX64.match(sig):
        raise InvalidSignatureException(SIGNATURE_MISMATCH)
    return Authorization(access_key_id, date, region, scope_service, signed, sig)


def request_time(headers: dict[str, str], auth: Authorization) -> tuple[str, float]:
    """The request's X-Amz-Date (or Date) as text and epoch seconds; it must be signed
    and agree with the credential scope's date."""
    text = headers.get("x-amz-date")
    name = "x-amz-date"
    when = parse_amz_date(text) if text else None
    if text is None:
        date_header = headers.get("date")
        name = "date"
        if date_header:
            from email.utils import parsedate_to_datetime

            try:
                parsed = parsedate_to_datetime(date_header)
                when = parsed.replace(tzinfo=parsed.tzinfo or UTC).timestamp()
                text = amz_date(when)
            except (TypeError, ValueError):
                when = None
    if text is None:
        raise IncompleteSignatureException(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    if when is None:
        raise IncompleteSignatureException(
            f"Date must be in ISO-8601 'basic format'. Got '{text[:40]}'. "
            "See http://en.wikipedia.org/wiki/ISO_8601"
        )
    if name not in auth.signed_headers:
        shown = "X-Amz-Date" if name == "x-amz-date" else "Date"
        raise InvalidSignatureException(
            f"'{shown}' must be a 'SignedHeader' in the AWS Authorization."
        )
    if text[:8] != auth.date:
        raise InvalidSignatureException(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
            f"date from HTTP: '{auth.date}' != '{text[:8]}', from '{text}'."
        )
    return text, when


def check_freshness(
    timestamp: str, when: float, now: float, skew: float = MAX_SKEW_SECONDS
) -> None:
    """AWS refuses a signature more than 15 minutes from its own clock, either way."""
    minutes = int(skew // 60)
    if when < now - skew:
        raise InvalidSignatureException(
            f"Signature expired: {timestamp} is now earlier than "
            f"{amz_date(now - skew)} ({amz_date(now)} - {minutes} min.)"
        )
    if when > now + skew:
        raise InvalidSignatureException(
            f"Signature not yet current: {timestamp} is still later than "
            f"{amz_date(now + skew)} ({amz_date(now)} + {minutes} min.)"
        )


def payload_hash(body: bytes) -> str:
    """The payload hash the canonical request carries: always the SHA-256 of the body
    as received. Only S3 honours a client's X-Amz-Content-SHA256 (UNSIGNED-PAYLOAD or a
    hash it chose); every other service, KMS among them, signs the body itself, so a
    request signed over anything else fails the signature check."""
    return hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256


def require_signed(auth: Authorization, headers: dict[str, str]) -> None:
    """Every header that chooses what a request does must be signed: Host always (see
    :func:`parse_authorization`), and X-Amz-Target and Content-Type whenever the
    request carries them (botocore signs both on every JSON request). An unsigned
    X-Amz-Target could be swapped in transit, e.g. Encrypt for Decrypt."""
    for name in REQUIRED_WHEN_PRESENT:
        if name in headers and name not in auth.signed_headers:
            raise InvalidSignatureException(
                f"'{REQUIRED_WHEN_PRESENT[name]}' must be a 'SignedHeader' in the AWS "
                "Authorization."
            )


def verify(
    auth: Authorization,
    secret: str,
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Iterable[tuple[str, str]],
    timestamp: str,
    body_hash: str,
    keys: KeyCache | None = None,
) -> None:
    """Recompute the signature with ``secret`` (its signing key from ``keys`` when
    given) and compare in constant time."""
    canonical = canonical_request(
        method, raw_path, raw_query, headers, auth.signed_headers, body_hash
    )
    expected = signature(
        secret,
        auth.date,
        auth.region,
        auth.service,
        string_to_sign(timestamp, auth.scope, canonical),
        keys,
    )
    if not hmac.compare_digest(expected.encode("ascii"), auth.signature.encode("ascii")):
        raise InvalidSignatureException(SIGNATURE_MISMATCH)


def require_authorization(header: str | None) -> str:
    if not header:
        raise MissingAuthenticationTokenException(MISSING_TOKEN)
    return header


__all__ = [
    "ALGORITHM",
    "Authorization",
    "KeyCache",
    "SIGNATURE_MISMATCH",
    "amz_date",
    "canonical_request",
    "check_freshness",
    "parse_authorization",
    "payload_hash",
    "request_time",
    "require_authorization",
    "require_signed",
    "sign",
    "signature",
    "string_to_sign",
    "verify",
]
