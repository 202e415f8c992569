"""The console on another AWS-compatible endpoint (moto's server, keys made by boto3):
its first screen lists the keys by their aliases, and the top bar says where it is."""

from __future__ import annotations

import boto3
import pytest
from moto.server import ThreadedMotoServer
from textual.widgets import DataTable, Static

from kmstui.aws.account import Where
from kmstui.backends.aws import open_aws
from tests import served
from tests.workers import settle, wait_until

KEYS = ("testing", "testing")


@pytest.fixture(scope="module")
def moto_url():
    port = served.free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="module")
def aliases(moto_url):
    kms = boto3.client(
        "kms",
        region_name="eu-west-1",
        endpoint_url=moto_url,
        aws_access_key_id=KEYS[0],
        aws_secret_access_key=KEYS[1],
    )
    names = []
    for name in ("alias/payments", "alias/reports", "alias/backups"):
        key_id = kms.create_key(Description=name)["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=name, TargetKeyId=key_id)
        names.append(name)
    return names


def console(moto_url, tmp_path, **options):
    from textual.widgets import Input

    from kmstui.ui.app import KmsConsole

    Input.cursor_blink = False  # type: ignore[assignment]
    where = Where(region="eu-west-1", endpoint_url=moto_url, fallback_credentials=KEYS)
    return KmsConsole(
        open_backend=lambda: open_aws(where, **options), config_dir=tmp_path / "config"
    )


async def test_the_first_screen_lists_the_keys_by_their_aliases(moto_url, aliases, tmp_path):
    app = console(moto_url, tmp_path)
    async with app.run_test(size=(150, 40)) as pilot:  # wide: the endpoint's URL shown
        table = app.screen.query_one("#keys", DataTable)

        def shown() -> set[str]:
            return {str(table.get_row_at(i)[0]) for i in range(table.row_count)}

        await wait_until(pilot, lambda: set(aliases) <= shown(), what="the aliases listed")
        await settle(pilot)
        where = app.screen.query_one("#where", Static)
        assert where.display and where.has_class("-endpoint")
        assert str(where.render()).startswith(f"{moto_url.split('://')[1]} 123456789012")
        assert str(app.screen.query_one("#region", Static).render()) == "eu-west-1"


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_a_narrower_top_bar_keeps_the_account_and_the_region(
    moto_url, aliases, tmp_path, size
):
    app = console(moto_url, tmp_path)
    async with app.run_test(size=size) as pilot:
        await wait_until(
            pilot, lambda: app.screen.query_one("#where-short", Static).has_class("-on"),
            what="the account shown",
        )  # fmt: skip
        await settle(pilot)
        short = app.screen.query_one("#where-short", Static)
        assert short.region.width > 0 and str(short.render()) == "123456789012"
        assert str(short.tooltip).endswith("\nas arn:aws:sts::123456789012:user/moto")
        assert app.screen.query_one("#where", Static).region.width == 0
        assert app.screen.query_one("#region", Static).region.width > 0


async def test_a_write_without_allow_writes_is_refused_with_the_reason_on_screen(
    moto_url, aliases, tmp_path
):
    from kmstui.ui.dialogs.error import ErrorScreen

    kms = boto3.client(
        "kms", region_name="eu-west-1", endpoint_url=moto_url,
        aws_access_key_id=KEYS[0], aws_secret_access_key=KEYS[1],
    )  # fmt: skip
    before = kms.list_keys()["Keys"]
    app = console(moto_url, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one("#keys", DataTable)
        await wait_until(pilot, lambda: table.row_count >= len(aliases), what="the key list")
        await pilot.press("n")  # New says why before a form is filled in for nothing
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert any(m.startswith("New: read-only: ") for m in said), said
        app.submit("CreateKey", {"Description": "not sent"})
        await wait_until(pilot, lambda: isinstance(app.screen, ErrorScreen), what="the refusal")
        message = str(app.screen.query_one("#error-message", Static).render())
        assert message.startswith("read-only: CreateKey was not sent")
        assert "--allow-writes" in message
    assert kms.list_keys()["Keys"] == before
