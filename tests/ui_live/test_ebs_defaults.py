"""EBS encryption by default and its default key in the Volumes section: the line that
says what they are, the dialog that changes them (B), the create-volume dialog that
follows them, AWS's refusals, and the Region they belong to."""

from __future__ import annotations

import json

import pytest
from livetest import settle, wait_until
from textual.widgets import Checkbox, Select

from kmstui.ui.dialogs.error import ErrorScreen
from kmstui.ui.live.dialogs import CreateVolumeScreen
from kmstui.ui.live.ebs_defaults import EbsDefaultsLine, EbsDefaultsScreen
from kmstui.ui.live.volumes import VolumesPane
from kmstui.ui.region import switch_region

SIZE = (120, 40)
OFF = "EBS encryption by default: off · default key: alias/aws/ebs (AWS managed)"
ON_CMK = "EBS encryption by default: on · default key: alias/ebs-volumes (customer managed)"
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def cmk(engine, alias: str, **params) -> str:
    key_id = engine.call("CreateKey", params)["KeyMetadata"]["KeyId"]
    engine.call("CreateAlias", {"AliasName": alias, "TargetKeyId": key_id})
    return key_id


def line_text(app) -> str:
    return str(app.screen.query_one(EbsDefaultsLine).render())


def console_calls(engine, *names: str) -> list[str]:
    """The console's requests among ``names``, in order, with their outcome."""
    return [
        f"{r['eventName']} {r.get('errorCode') or 'ok'}"
        for r in engine.events.recent
        if r["eventName"] in names
    ]


SETTINGS = (
    "ModifyEbsDefaultKmsKeyId",
    "ResetEbsDefaultKmsKeyId",
    "EnableEbsEncryptionByDefault",
    "DisableEbsEncryptionByDefault",
)


async def volumes(pilot) -> VolumesPane:
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)
    await wait_until(pilot, lambda: line_text(pilot.app), what="the EBS defaults line")
    return pilot.app.screen.query_one(VolumesPane)


async def open_dialog(pilot) -> EbsDefaultsScreen:
    await pilot.press("B")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, EbsDefaultsScreen)
    return dialog


async def choose(pilot, *, enabled: bool, key: str) -> None:
    dialog = await open_dialog(pilot)
    dialog.query_one("#enabled", Checkbox).value = enabled
    dialog.query_one("#key", Select).value = key
    await pilot.click("#ok")
    await settle(pilot)


async def test_a_fresh_engine_shows_encryption_by_default_off_and_the_aws_managed_key(
    console, ec2_engine
):
    async with console.run_test(size=SIZE) as pilot:
        await volumes(pilot)
        assert line_text(pilot.app) == OFF
    reads = [r for r in ec2_engine.events.recent if r["eventName"].startswith("GetEbs")]
    assert {r["eventName"] for r in reads} == {"GetEbsEncryptionByDefault", "GetEbsDefaultKmsKeyId"}


async def test_turning_it_on_with_a_cmk_sends_the_calls_and_the_line_follows(console, ec2_engine):
    key_id = cmk(ec2_engine, "alias/ebs-volumes")
    cmk(ec2_engine, "alias/signing", KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
    cmk(ec2_engine, "alias/macs", KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    async with console.run_test(size=SIZE) as pilot:
        await volumes(pilot)
        dialog = await open_dialog(pilot)
        # the AWS managed key and the symmetric encryption CMKs, nothing else
        assert [value for _, value in dialog.options()] == ["alias/aws/ebs", "alias/ebs-volumes"]
        assert dialog.query_one("#key", Select).value == "alias/aws/ebs"
        assert dialog.query_one("#enabled", Checkbox).value is False
        await pilot.press("escape")
        await settle(pilot)

        await choose(pilot, enabled=True, key="alias/ebs-volumes")
        await wait_until(pilot, lambda: line_text(pilot.app) == ON_CMK, what="the new line")
        assert console_calls(ec2_engine, *SETTINGS) == [
            "ModifyEbsDefaultKmsKeyId ok",
            "EnableEbsEncryptionByDefault ok",
        ]
        assert ec2_engine.call("GetEbsEncryptionByDefault")["EbsEncryptionByDefault"] is True
        assert ec2_engine.call("GetEbsDefaultKmsKeyId")["KmsKeyId"].endswith(f"key/{key_id}")

        # the dialog opens on what is set now; back to the AWS managed key, and off
        dialog = await open_dialog(pilot)
        assert dialog.query_one("#key", Select).value == "alias/ebs-volumes"
        assert dialog.query_one("#enabled", Checkbox).value is True
        await pilot.press("escape")
        await settle(pilot)
        await choose(pilot, enabled=False, key="alias/aws/ebs")
        await wait_until(pilot, lambda: line_text(pilot.app) == OFF, what="the line reset")
    assert console_calls(ec2_engine, *SETTINGS)[2:] == [
        "ResetEbsDefaultKmsKeyId ok",
        "DisableEbsEncryptionByDefault ok",
    ]


async def test_create_volume_preselects_the_default_key_and_encrypts_by_default(
    console, ec2_engine
):
    key_id = cmk(ec2_engine, "alias/ebs-volumes")
    cmk(ec2_engine, "alias/other")
    async with console.run_test(size=SIZE) as pilot:
        pane = await volumes(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, CreateVolumeScreen)
        assert dialog.query_one("#key", Select).value == ""  # the default: alias/aws/ebs
        assert dialog.default_key == "alias/aws/ebs"
        assert not dialog.query("#by-default")
        await pilot.press("escape")
        await settle(pilot)

        await choose(pilot, enabled=True, key="alias/ebs-volumes")
        await wait_until(pilot, lambda: line_text(pilot.app) == ON_CMK, what="the new line")
        await pilot.press("n")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, CreateVolumeScreen)
        assert dialog.query_one("#key", Select).value == "alias/ebs-volumes"
        note = str(dialog.query_one("#by-default").render())
        assert "encrypted even if no key is chosen" in note and "alias/ebs-volumes" in note
        dialog.query_one("#encrypted", Checkbox).value = False  # as AWS: still encrypted
        await pilot.click("#ok")
        await wait_until(pilot, lambda: len(pane.volumes) == 1, what="the new volume")
    created = next(r for r in ec2_engine.events.recent if r["eventName"] == "CreateVolume")
    assert "Encrypted" not in created["requestParameters"]
    volume = ec2_engine.call("DescribeVolumes")["Volumes"][0]
    assert volume["Encrypted"] is True and volume["KmsKeyId"].endswith(f"key/{key_id}")


async def test_a_key_ec2_may_not_use_is_refused_with_aws_error_and_nothing_turns_on(
    console, ec2_engine
):
    account = ec2_engine.root_caller().account
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "Not through EC2",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "kms:*",
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:ViaService": "ec2.us-east-1.amazonaws.com"}},
            },
        ],
    }
    cmk(ec2_engine, "alias/no-ec2", Policy=json.dumps(policy))
    async with console.run_test(size=SIZE) as pilot:
        await volumes(pilot)
        await choose(pilot, enabled=True, key="alias/no-ec2")
        await wait_until(
            pilot, lambda: isinstance(pilot.app.screen, ErrorScreen), what="AWS's error"
        )
        error = pilot.app.screen
        assert isinstance(error, ErrorScreen)
        assert error.code == "AccessDeniedException"
        assert error.operation == "ModifyEbsDefaultKmsKeyId"
        await pilot.press("escape")
        await settle(pilot)
        assert line_text(pilot.app) == OFF
    refused = "ModifyEbsDefaultKmsKeyId AccessDeniedException"
    assert console_calls(ec2_engine, *SETTINGS) == [refused]


async def test_a_disabled_default_key_fails_new_volumes_with_aws_error(console, ec2_engine):
    key_id = cmk(ec2_engine, "alias/ebs-volumes")
    ec2_engine.call("DisableKey", {"KeyId": key_id})
    async with console.run_test(size=SIZE) as pilot:
        pane = await volumes(pilot)
        dialog = await open_dialog(pilot)
        assert ("alias/ebs-volumes (disabled)", "alias/ebs-volumes") in dialog.options()
        await pilot.press("escape")
        await settle(pilot)
        await choose(pilot, enabled=True, key="alias/ebs-volumes")
        await wait_until(pilot, lambda: line_text(pilot.app) == ON_CMK, what="the new line")

        await pilot.press("n")
        await settle(pilot)
        await pilot.click("#ok")
        await wait_until(
            pilot, lambda: isinstance(pilot.app.screen, ErrorScreen), what="AWS's error"
        )
        error = pilot.app.screen
        assert isinstance(error, ErrorScreen)
        assert (error.code, error.operation) == ("DisabledException", "CreateVolume")
        assert key_id in error.message
        assert pane.volumes == []


async def test_the_line_is_the_regions_own(console, ec2_engine):
    cmk(ec2_engine, "alias/ebs-volumes")
    async with console.run_test(size=SIZE) as pilot:
        await volumes(pilot)
        await choose(pilot, enabled=True, key="alias/ebs-volumes")
        await wait_until(pilot, lambda: line_text(pilot.app) == ON_CMK, what="the new line")
        switch_region(pilot.app, "eu-west-1")
        await wait_until(pilot, lambda: line_text(pilot.app) == OFF, what="eu-west-1's line")
        switch_region(pilot.app, "us-east-1")
        await wait_until(pilot, lambda: line_text(pilot.app) == ON_CMK, what="us-east-1's again")


async def test_an_instances_volumes_offer_no_account_setting(console, ec2_engine):
    async with console.run_test(size=SIZE) as pilot:
        pane = await volumes(pilot)
        assert pane.check_action("encryption_default", ()) is True
        instance_pane = VolumesPane(instance_id="i-0123456789abcdef0")
        assert instance_pane.check_action("encryption_default", ()) is False


async def test_b_is_in_help_on_volumes_and_the_palette_opens_it_from_anywhere(console, ec2_engine):
    from kmstui.ui.jump import elsewhere, go_and_run
    from kmstui.ui.screens.help import HelpScreen

    async with console.run_test(size=SIZE) as pilot:
        await volumes(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(pilot.app.screen, HelpScreen)
        row = next(r for r in pilot.app.screen.rows if r[3] == "volume.encryption-default")
        assert row[:2] == ("B", "volume: encryption by default")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("4")  # the Monitor
        await settle(pilot)
        titles = {c.title: c for c in elsewhere(set())}
        go_and_run(pilot.app, titles["volume: encryption by default"])
        await wait_until(
            pilot, lambda: isinstance(pilot.app.screen, EbsDefaultsScreen), 30, "the dialog"
        )
        assert pilot.app.current_mode == "volumes"


@pytest.fixture
def dialog_console(ec2_engine, tmp_path):
    from kmstui.ui.live.console import LiveConsole

    cmk(ec2_engine, "alias/ebs-volumes")
    cmk(ec2_engine, "alias/archive")
    return LiveConsole(ec2_engine, config_dir=tmp_path / "console-config")


@pytest.mark.parametrize("size", SIZES)
def test_dialog_snapshot(snap_compare, dialog_console, size):
    async def run_before(pilot) -> None:
        await volumes(pilot)
        await open_dialog(pilot)

    assert snap_compare(dialog_console, terminal_size=size, run_before=run_before)


def answers(defaults: dict, aliases: dict[str, list[str]]):
    """A ``call`` answering as AWS does: GetEbsDefaultKmsKeyId gives an ARN."""

    def call(operation: str, params: dict) -> dict:
        if operation == "ListAliases":
            names = aliases.get(params["KeyId"], [])
            return {"Aliases": [{"AliasName": n, "TargetKeyId": params["KeyId"]} for n in names]}
        return defaults[operation]

    return call


@pytest.mark.parametrize(
    ("key", "aliases", "shown"),
    [
        (
            "arn:aws:kms:eu-west-1:111122223333:alias/aws/ebs",
            {},
            "alias/aws/ebs (AWS managed)",
        ),
        (
            "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            {"1234abcd-12ab-34cd-56ef-1234567890ab": ["alias/volumes", "alias/b-side"]},
            "alias/b-side (customer managed)",
        ),
        (
            "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            {},
            "1234abcd-12ab-34cd-56ef-1234567890ab (customer managed)",
        ),
    ],
    ids=["aws-managed-arn", "cmk-with-aliases", "cmk-without-alias"],
)
def test_the_default_key_is_named_by_its_alias_in_every_form_aws_gives(key, aliases, shown):
    from kmstui.ui.live.ebs_defaults import read_defaults

    call = answers(
        {
            "GetEbsEncryptionByDefault": {"EbsEncryptionByDefault": True, "SseType": "sse-ebs"},
            "GetEbsDefaultKmsKeyId": {"KmsKeyId": key},
        },
        aliases,
    )
    defaults = read_defaults(call)
    assert defaults.line == f"EBS encryption by default: on · default key: {shown}"
