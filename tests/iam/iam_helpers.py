"""Shared helpers for the IAM tests."""

from __future__ import annotations

from kmstui.caller import Caller
from kmstui.clock import Clock
from kmstui.engine import Engine
from kmstui.entropy import Entropy
from kmstui.iam import IamService

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
NOW = 1_800_000_000.0

ALLOW_ALL_IAM = """{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]
}"""

TRUST_EC2 = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
    '"Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
)


def open_engine(tmp_path, seed: int = 7) -> tuple[Engine, IamService]:
    engine = Engine(
        tmp_path / "data", tmp_path / "config", clock=Clock(fixed=NOW), entropy=Entropy(seed)
    )
    return engine, engine.iam


def user_caller(name: str, account: str = ACCOUNT) -> Caller:
    return Caller(principal=f"arn:aws:iam::{account}:user/{name}", account=account)


def session_caller(role: str, session: str = "s1", account: str = ACCOUNT) -> Caller:
    return Caller(
        principal=f"arn:aws:sts::{account}:assumed-role/{role}/{session}", account=account
    )
