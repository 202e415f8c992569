"""The AWS backend against a real `kmstui serve` over its endpoint URL: requests by
operation name in the caller's Region, read-only unless writes are allowed, each write
confirmed, a destructive one by what it destroys, and AWS's errors as AWS names them."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from kmstui.aws.account import Connection, Where, epoch_seconds
from kmstui.backends import Unavailable, WriteRequest
from kmstui.backends.aws import AwsBackend, open_aws
from kmstui.caller import Caller
from kmstui.errors import AwsError
from tests import served

ACCOUNT = "210987654321"
KEYS = ("AKIDEXAMPLE", "example-secret")


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    process, url = served.serve(tmp_path_factory.mktemp("served"), ACCOUNT)
    yield url
    served.stop(process)


def where(url: str, region: str = "us-east-1") -> Where:
    return Where(region=region, endpoint_url=url, fallback_credentials=KEYS)


def backend(url: str, **options) -> AwsBackend:
    return open_aws(where(url), **options)


def confirming(answers: list[bool], asked: list[WriteRequest]):
    def confirm(request: WriteRequest) -> bool:
        asked.append(request)
        return answers.pop(0)

    return confirm


def key_ids(aws: AwsBackend, caller: Caller) -> set[str]:
    return {k["KeyId"] for k in aws.call("ListKeys", {"Limit": 1000}, caller=caller)["Keys"]}


def test_it_opens_as_the_credentials_principal_and_says_where_it_is(endpoint):
    aws = backend(endpoint)
    assert aws.account == ACCOUNT
    caller = aws.root_caller()
    assert caller.principal == f"arn:aws:iam::{ACCOUNT}:root" and caller.region == "us-east-1"
    assert aws.location.kind == "endpoint" and aws.location.remote
    assert aws.location.label("eu-west-1") == f"{endpoint} {ACCOUNT} eu-west-1"
    assert {"ListKeys", "RunInstances", "CreateUser", "GetCallerIdentity"} <= aws.operations()


def test_what_only_the_embedded_engine_does_is_unavailable_with_a_reason(endpoint):
    capabilities = backend(endpoint).capabilities
    for name in ("workloads", "clock", "act_as_any", "caller_model", "nbd_export", "endpoint"):
        assert not getattr(capabilities, name)
        assert getattr(capabilities, name).why_not.startswith("unavailable: ")
    assert "--allow-writes" in capabilities.writes.reason
    assert backend(endpoint, allow_writes=True).capabilities.writes


def test_without_allow_writes_a_write_is_refused_before_it_is_sent(endpoint):
    aws = backend(endpoint)
    asked: list[WriteRequest] = []
    aws.set_confirm(confirming([True], asked))
    caller = aws.root_caller()
    before = key_ids(aws, caller)
    with pytest.raises(Unavailable, match="CreateKey was not sent.*--allow-writes"):
        aws.call("CreateKey", {"Description": "refused"}, caller=caller)
    assert key_ids(aws, caller) == before and asked == []


def test_an_allowed_write_is_sent_once_confirmed_and_not_when_declined(endpoint):
    aws = backend(endpoint, allow_writes=True)
    asked: list[WriteRequest] = []
    aws.set_confirm(confirming([False, True], asked))
    caller = aws.root_caller()
    before = key_ids(aws, caller)
    with pytest.raises(Unavailable, match="not sent: you did not confirm"):
        aws.call("CreateKey", {"Description": "declined"}, caller=caller)
    assert key_ids(aws, caller) == before
    made = aws.call("CreateKey", {"Description": "confirmed"}, caller=caller)["KeyMetadata"]
    assert key_ids(aws, caller) == before | {made["KeyId"]}
    assert [(r.operation, r.kind, r.cli) for r in asked] == [
        ("CreateKey", "write", "aws kms create-key"),
        ("CreateKey", "write", "aws kms create-key"),
    ]
    assert asked[1].params == {"Description": "confirmed"}


def test_with_no_one_to_ask_a_write_is_refused(endpoint):
    aws = backend(endpoint, allow_writes=True)
    with pytest.raises(Unavailable, match="no one can confirm"):
        aws.call("CreateKey", {}, caller=aws.root_caller())


def test_a_destructive_call_asks_for_the_keys_alias_to_be_typed(endpoint):
    aws = backend(endpoint, allow_writes=True)
    asked: list[WriteRequest] = []
    aws.set_confirm(confirming([True, True, False], asked))
    caller = aws.root_caller()
    key_id = aws.call("CreateKey", {}, caller=caller)["KeyMetadata"]["KeyId"]
    aws.call("CreateAlias", {"AliasName": "alias/typed", "TargetKeyId": key_id}, caller=caller)
    aws.call("ListAliases", {}, caller=caller)  # the console lists aliases before it acts
    assert aws.alias_names(key_id) == ["alias/typed"]
    with pytest.raises(Unavailable):
        aws.call("DisableKey", {"KeyId": key_id}, caller=caller)
    assert asked[-1].kind == "destructive" and asked[-1].type_to_confirm == "alias/typed"
    state = aws.call("DescribeKey", {"KeyId": key_id}, caller=caller)["KeyMetadata"]["KeyState"]
    assert state == "Enabled"


def test_a_cryptographic_call_is_confirmed_even_read_only_and_its_plaintext_masked(endpoint):
    writer = backend(endpoint, allow_writes=True)
    writer.set_confirm(lambda request: True)
    caller = writer.root_caller()
    key_id = writer.call("CreateKey", {}, caller=caller)["KeyMetadata"]["KeyId"]
    reader = backend(endpoint)
    asked: list[WriteRequest] = []
    reader.set_confirm(confirming([True], asked))
    sealed = reader.call("Encrypt", {"KeyId": key_id, "Plaintext": b"secret!"}, caller=caller)
    assert sealed["KeyId"].endswith(key_id)
    assert asked[0].kind == "use" and asked[0].params["Plaintext"] == "<7 bytes, hidden>"


def test_requests_go_to_the_callers_region(endpoint):
    aws = backend(endpoint, allow_writes=True)
    aws.set_confirm(lambda request: True)
    home = aws.root_caller()
    away = home.in_region("eu-west-1")
    made = aws.call("CreateKey", {}, caller=away)["KeyMetadata"]
    assert ":eu-west-1:" in made["Arn"]
    assert made["KeyId"] in key_ids(aws, away) and made["KeyId"] not in key_ids(aws, home)


def test_answers_have_awss_members_with_timestamps_in_epoch_seconds(endpoint):
    aws = backend(endpoint, allow_writes=True)
    aws.set_confirm(lambda request: True)
    made = aws.call("CreateKey", {}, caller=aws.root_caller())["KeyMetadata"]
    assert isinstance(made["CreationDate"], float) and made["CreationDate"] > 1.6e9
    assert "ResponseMetadata" not in made


def test_timestamps_are_read_from_the_wire_as_epoch_seconds_in_every_protocol(endpoint):
    """JSON (KMS) sends epoch numbers, the query protocol (EC2) ISO 8601 strings: both
    come back as epoch seconds, and the client itself never makes a datetime."""
    connection = Connection(where(endpoint))
    made = connection.client("kms").create_key()["KeyMetadata"]
    assert isinstance(made["CreationDate"], float)
    volume = connection.call("ec2", "CreateVolume", {"AvailabilityZone": "us-east-1a", "Size": 1})
    assert isinstance(volume["CreateTime"], float)
    assert abs(volume["CreateTime"] - made["CreationDate"]) < 3600


@pytest.mark.parametrize(
    ("wire", "epoch"),
    [
        (1_800_000_000, 1_800_000_000.0),
        (1_800_000_000.25, 1_800_000_000.25),
        ("1800000000.5", 1_800_000_000.5),
        ("2027-01-15T08:00:00Z", 1_800_000_000.0),
        ("2027-01-15T08:00:00.000Z", 1_800_000_000.0),
        ("2027-01-15T09:00:00+01:00", 1_800_000_000.0),
        ("2027-01-15T08:00:00", 1_800_000_000.0),  # no zone: UTC, as AWS means it
        ("Fri, 15 Jan 2027 08:00:00 GMT", 1_800_000_000.0),  # an HTTP date header
    ],
)
def test_each_form_a_timestamp_takes_on_the_wire_is_epoch_seconds(wire, epoch):
    assert epoch_seconds(wire) == epoch


def test_a_refusal_is_awss_error_with_its_code(endpoint):
    aws = backend(endpoint)
    missing = "arn:aws:kms:us-east-1:210987654321:key/00000000-0000-0000-0000-000000000000"
    with pytest.raises(AwsError) as raised:
        aws.call("DescribeKey", {"KeyId": missing}, caller=aws.root_caller())
    assert raised.value.code == "NotFoundException" and "does not exist" in raised.value.message


def test_expired_credentials_say_how_to_renew_them(endpoint):
    connection = Connection(Where(region="us-east-1", profile=None, endpoint_url=endpoint))
    aws = AwsBackend(connection, {"Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:root"})
    with Stubber(connection.client("kms")) as stub:
        stub.add_client_error(
            "list_keys", "ExpiredTokenException", "The security token included in the "
            "request is expired", http_status_code=400,
        )  # fmt: skip
        with pytest.raises(AwsError) as raised:
            aws.call("ListKeys", {}, caller=aws.root_caller())
    assert raised.value.code == "ExpiredTokenException"
    assert "is expired" in raised.value.message and "AWS_ACCESS_KEY_ID" in raised.value.message


def test_an_endpoint_that_does_not_answer_cannot_be_opened_and_says_so():
    from kmstui.backends import CannotConnect

    with pytest.raises(CannotConnect, match="GetCallerIdentity: .*cannot reach http://127.0.0.1:"):
        open_aws(where(f"http://127.0.0.1:{served.free_port()}"))


def test_an_operation_the_console_does_not_send_is_unavailable(endpoint):
    aws = backend(endpoint)
    with pytest.raises(Unavailable, match="PutBucketPolicy"):
        aws.call("PutBucketPolicy", {}, caller=aws.root_caller())


def test_a_profile_that_does_not_exist_cannot_be_opened_and_says_how_to_list_them(
    tmp_path, monkeypatch
):
    from kmstui.backends import CannotConnect

    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    (tmp_path / "config").write_text("[profile prod]\nregion = eu-west-1\n")
    with pytest.raises(CannotConnect, match="'staging' is not in the AWS config.*list-profiles"):
        open_aws(Where(profile="staging"))


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--allow-writes"], "--allow-writes is for --aws or --endpoint-url"),
        (["--profile", "prod"], "--profile needs --aws"),
        (["--aws", "--serve"], "cannot be used with --aws or --endpoint-url"),
        (["--endpoint-url", "http://127.0.0.1:1", "--nbd", "vol-0123456789abcdef0"], "--nbd"),
    ],
)
def test_the_console_refuses_options_that_do_not_go_together(argv, says, capsys):
    from kmstui.cli import main

    assert main(argv) == 2  # a usage error
    assert says in capsys.readouterr().err


def test_the_monitors_feeds_follow_the_region_the_console_works_in(endpoint):
    aws = backend(endpoint)
    assert aws.events.region == aws.volumes.region == "us-east-1"
    aws.follow_region("eu-west-1")
    assert aws.events.region == aws.volumes.region == "eu-west-1"
    aws.close()


def test_the_accounts_principals_are_offered_once_read_never_sample_ones(endpoint):
    import time

    writer = backend(endpoint, allow_writes=True)
    writer.set_confirm(lambda request: True)
    arn = writer.call("CreateUser", {"UserName": "auditor"}, caller=writer.root_caller())
    aws = backend(endpoint)
    first = aws.principals()  # nothing read yet: the reading starts in the background
    assert first is not None and all(":111122223333:" not in a for a in first)
    deadline = time.monotonic() + 30
    while arn["User"]["Arn"] not in (aws.principals() or []):
        assert time.monotonic() < deadline, "the account's users were never read"
        time.sleep(0.05)


def test_a_keys_alias_is_known_from_any_page_of_the_alias_listing(endpoint):
    aws = backend(endpoint, allow_writes=True)
    aws.set_confirm(lambda request: True)
    caller = aws.root_caller()
    made = []
    for n in range(3):
        key_id = aws.call("CreateKey", {}, caller=caller)["KeyMetadata"]["KeyId"]
        aws.call("CreateAlias", {"AliasName": f"alias/paged-{n}", "TargetKeyId": key_id},
                 caller=caller)  # fmt: skip
        made.append(key_id)
    params: dict = {"Limit": 1}
    while True:  # a page at a time, as the key list reads them
        page = aws.call("ListAliases", params, caller=caller)
        if not page.get("Truncated"):
            break
        params = {"Limit": 1, "Marker": page["NextMarker"]}
    assert [aws.alias_names(k) for k in made] == [[f"alias/paged-{n}"] for n in range(3)]
