from __future__ import annotations

import pytest
from iam_helpers import open_engine


@pytest.fixture
def setup(tmp_path):
    engine, iam = open_engine(tmp_path)
    yield engine, iam
    engine.close()


@pytest.fixture
def engine(setup):
    return setup[0]


@pytest.fixture
def iam(setup):
    return setup[1]


@pytest.fixture
def events(engine):
    seen: list[dict] = []
    engine.events.subscribe(seen.append)
    return seen
