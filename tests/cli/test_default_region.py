"""The engine's default Region: --region, AWS_REGION, AWS_DEFAULT_REGION, config.toml."""

from __future__ import annotations

import argparse
import json

import pytest

from kmstui.cli import main
from kmstui.commands.serve import open_serving_engine
from kmstui.opening import default_region


def test_the_first_source_that_names_a_region_wins(tmp_path):
    (tmp_path / "config.toml").write_text('region = "ap-southeast-2"\n')
    env = {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-central-1"}
    assert default_region("us-west-2", env=env, config_dir=tmp_path) == "us-west-2"
    assert default_region(None, env=env, config_dir=tmp_path) == "eu-west-1"
    env.pop("AWS_REGION")
    assert default_region(None, env=env, config_dir=tmp_path) == "eu-central-1"
    assert default_region(None, env={}, config_dir=tmp_path) == "ap-southeast-2"
    assert default_region(None, env={}, config_dir=tmp_path / "none") == "us-east-1"


@pytest.mark.parametrize(
    "env, config, source",
    [
        ({"AWS_REGION": "../../etc"}, None, "AWS_REGION"),
        ({}, 'region = "not a region"\n', "region in"),
        ({}, "region = 7\n", "region in"),
    ],
)
def test_a_value_that_is_not_a_region_names_where_it_came_from(tmp_path, env, config, source):
    if config is not None:
        (tmp_path / "config.toml").write_text(config)
    with pytest.raises(ValueError, match=source):
        default_region(None, env=env, config_dir=tmp_path)


def test_kmstui_call_makes_keys_in_the_environments_region(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-3")
    assert main(["call", "--data-dir", str(tmp_path / "d"), "CreateKey", "{}"]) == 0
    arn = json.loads(capsys.readouterr().out)["KeyMetadata"]["Arn"]
    assert arn.startswith("arn:aws:kms:eu-west-3:")


def test_a_bad_region_in_the_environment_is_a_usage_error(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("AWS_REGION", "mars-1")
    assert main(["call", "--data-dir", str(tmp_path / "d"), "ListKeys"]) == 2
    assert "AWS_REGION: not a Region name" in capsys.readouterr().err


def test_serve_takes_its_default_region_from_the_option(tmp_path):
    args = argparse.Namespace(
        data_dir=str(tmp_path / "d"), seed=False, account_id=None, region="sa-east-1"
    )
    engine = open_serving_engine(args)
    try:
        assert engine.region == "sa-east-1"
        key = engine.call("CreateKey", {})["KeyMetadata"]
        assert key["Arn"].startswith("arn:aws:kms:sa-east-1:")
    finally:
        engine.close()
