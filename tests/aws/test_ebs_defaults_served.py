"""EBS encryption by default in the Volumes section of a console on another endpoint
(`kmstui serve`, through the AWS backend): the same line, read with the same requests,
and read again after a change made elsewhere."""

from __future__ import annotations

import pytest

from kmstui.aws.account import Where
from kmstui.backends.aws import open_aws
from tests import served
from tests.workers import settle, wait_until

ACCOUNT = "210987654321"
KEYS = ("AKIDEXAMPLE", "example-secret")


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    process, url = served.serve(tmp_path_factory.mktemp("served"), ACCOUNT)
    yield url
    served.stop(process)


def where(url: str) -> Where:
    return Where(region="us-east-1", endpoint_url=url, fallback_credentials=KEYS)


def line(app) -> str:
    from kmstui.ui.live.ebs_defaults import EbsDefaultsLine

    found = app.screen.query(EbsDefaultsLine)
    return str(found.first().render()) if found else ""


async def test_the_line_reads_the_endpoints_settings_and_follows_a_change(endpoint, tmp_path):
    from textual.widgets import Input

    from kmstui.ui.app import KmsConsole

    Input.cursor_blink = False  # type: ignore[assignment]
    writer = open_aws(where(endpoint), allow_writes=True)
    writer.set_confirm(lambda request: True)
    caller = writer.root_caller()
    key_id = writer.call("CreateKey", {}, caller=caller)["KeyMetadata"]["KeyId"]
    writer.call(
        "CreateAlias", {"AliasName": "alias/served-ebs", "TargetKeyId": key_id}, caller=caller
    )
    app = KmsConsole(open_backend=lambda: open_aws(where(endpoint)), config_dir=tmp_path / "c")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("3")
            await wait_until(
                pilot,
                lambda: (
                    line(app)
                    == "EBS encryption by default: off · default key: alias/aws/ebs (AWS managed)"
                ),
                what="the line",
            )
            writer.call("ModifyEbsDefaultKmsKeyId", {"KmsKeyId": key_id}, caller=caller)
            writer.call("EnableEbsEncryptionByDefault", {}, caller=caller)
            await pilot.press("ctrl+r")
            await wait_until(
                pilot,
                lambda: (
                    line(app) == "EBS encryption by default: on · default key: "
                    "alias/served-ebs (customer managed)"
                ),
                what="the line after the change",
            )
    finally:
        writer.call("ResetEbsDefaultKmsKeyId", {}, caller=caller)
        writer.call("DisableEbsEncryptionByDefault", {}, caller=caller)
