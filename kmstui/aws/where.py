"""Which AWS account the console or an audit reads (``Where``), why it could not be
read (``AccountError``), and how to renew credentials that have run out."""

from __future__ import annotations

from dataclasses import dataclass

EXPIRED = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidClientTokenId"}


class AccountError(Exception):
    """Why the account could not be read, with what to do about it."""


@dataclass(frozen=True)
class Where:
    """Which account to read: AWS itself (``endpoint_url`` None) or an endpoint."""

    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    # Signs requests to an endpoint when boto3 finds no credentials of its own.
    fallback_credentials: tuple[str, str] | None = None
    page_size: int | None = None


def renewal(where: Where) -> str:
    if where.endpoint_url:
        return "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the endpoint"
    if where.profile:
        return f"run `aws sso login --profile {where.profile}` or renew the profile's keys"
    return "run `aws sso login` (or `aws configure`) and try again"
