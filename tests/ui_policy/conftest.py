"""A seeded engine and the ids of its sample keys, for hosting the panes."""

from __future__ import annotations

import pytest

from kmstui.sample import seed


@pytest.fixture
def seeded(engine):
    seed(engine)
    return engine


def key_id_of(engine, alias: str) -> str:
    aliases = engine.call("ListAliases")["Aliases"]
    return next(a["TargetKeyId"] for a in aliases if a["AliasName"] == alias)


@pytest.fixture
def ebs_key(seeded) -> str:
    """The key with the seed policy (three findings, no errors)."""
    return key_id_of(seeded, "alias/ebs-volumes")


@pytest.fixture
def app_key(seeded) -> str:
    """The key with the default key policy."""
    return key_id_of(seeded, "alias/app-data")
