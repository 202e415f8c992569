"""``kmstui --serve``: the AWS JSON endpoint runs in the console's own event loop, its
URL shows in the top bar, and SDK calls appear in the live event stream."""

from __future__ import annotations

import asyncio
import socket

from consoletest import SIZE, settle
from textual.widgets import DataTable

from kmstui.ui.app import KmsConsole, ServeOptions
from tests.workers import wait_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sdk_client(url: str, access_key: dict):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "kms",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=access_key["AccessKeyId"],
        aws_secret_access_key=access_key["SecretAccessKey"],
        config=Config(retries={"max_attempts": 1}),
    )


async def test_an_sdk_call_to_the_served_endpoint_shows_in_the_event_stream(engine, tmp_path):
    engine.call("CreateUser", {"UserName": "sdk"})
    engine.call(
        "PutUserPolicy",
        {
            "UserName": "sdk",
            "PolicyName": "kms",
            "PolicyDocument": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",'
            ' "Action": "kms:*", "Resource": "*"}]}',
        },
    )
    access_key = engine.call("CreateAccessKey", {"UserName": "sdk"})["AccessKey"]
    key_id = engine.call("ListAliases")["Aliases"]
    key_id = next(a["TargetKeyId"] for a in key_id if a["AliasName"] == "alias/app-data")
    port = free_port()
    app = KmsConsole(engine, config_dir=tmp_path / "config", serve=ServeOptions(port=port))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: app.serve_url)
        assert app.serve_url == f"http://127.0.0.1:{port}"
        assert f"serving http://127.0.0.1:{port}" in str(app.screen.query_one("#serving").render())

        client = sdk_client(app.serve_url, access_key)
        reply = await asyncio.to_thread(client.generate_data_key, KeyId=key_id, KeySpec="AES_256")
        assert len(reply["Plaintext"]) == 32

        def sdk_events():
            return [
                r
                for r in engine.events.recent
                if r.get("eventName") == "GenerateDataKey"
                and "user/sdk" in (r.get("userIdentity") or {}).get("arn", "")
            ]

        assert sdk_events()
        await pilot.press("4")
        await settle(pilot)
        events = app.screen.query_one("#monitor-events")

        def shown() -> bool:
            records = (events.record_at(row) for row in range(events.row_count))
            return any(r and r.get("eventName") == "GenerateDataKey" for r in records)

        await wait_until(pilot, shown)
    assert app.endpoint is None and app.serve_url == ""
    with socket.socket() as sock:  # stopped with the console: nothing listens there now
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))


async def test_a_port_in_use_is_explained_and_the_console_keeps_running(engine, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        app = KmsConsole(engine, config_dir=tmp_path / "config", serve=ServeOptions(port=port))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            from kmstui.ui.dialogs.error import ErrorScreen

            await wait_until(pilot, lambda: isinstance(app.screen, ErrorScreen))
            assert str(port) in app.screen.message
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen.query_one("#keys", DataTable).row_count
            assert app.endpoint is None
