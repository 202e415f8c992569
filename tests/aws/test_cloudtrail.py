"""The Monitor's feed on an AWS account: CloudTrail LookupEvents read through boto3 (a
botocore Stubber gives the events, as moto has no LookupEvents), turned into the
records the Monitor shows, each once, never above 2 requests a second, with throttling
shown."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import ANY, Stubber

from kmstui.aws.cloudtrail import (
    DELIVERY,
    LOOKUP_RATE,
    CloudTrailEvents,
    TokenBucket,
    translate,
    volume_of,
)
from kmstui.ui.live.records import event_row, volume_lifecycle

ACCOUNT = "111122223333"
KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
VOLUME = "vol-0123456789abcdef0"
INSTANCE = "i-0fedcba9876543210"
NOW = 1_800_000_000.0  # 2027-01-15T08:00:00Z


def cloudtrail_event(event_id: str, name: str, *, at: float = NOW - 120, **members) -> dict:
    """A LookupEvents ``Events`` member around a CloudTrail record."""
    when = datetime.fromtimestamp(at, UTC)
    record = {
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLE",
            "arn": f"arn:aws:iam::{ACCOUNT}:user/Alice",
            "accountId": ACCOUNT,
            "userName": "Alice",
        },
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": "kms.amazonaws.com",
        "eventName": name,
        "awsRegion": "eu-west-1",
        "sourceIPAddress": "192.0.2.0",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": {"keyId": KEY_ARN},
        "responseElements": None,
        "requestID": f"req-{event_id}",
        "eventID": event_id,
        "readOnly": True,
        "resources": [{"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": KEY_ARN}],
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
    }
    record.update(members)
    return {
        "EventId": event_id,
        "EventName": name,
        "ReadOnly": str(record["readOnly"]).lower(),
        "EventTime": when,
        "EventSource": record["eventSource"],
        "Username": "Alice",
        "Resources": [{"ResourceType": "AWS::KMS::Key", "ResourceName": KEY_ARN}],
        "CloudTrailEvent": json.dumps(record),
    }


def ebs_decrypt(event_id: str, *, with_arn: bool = True, at: float = NOW - 60) -> dict:
    """EBS decrypting a volume's data key on attach, as CloudTrail records it."""
    identity = {
        "type": "AssumedRole",
        "principalId": f"{ACCOUNT}:aws:ec2-infrastructure:{INSTANCE}",
        "accountId": ACCOUNT,
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": f"{ACCOUNT}:aws:ec2-infrastructure",
                "arn": f"arn:aws:iam::{ACCOUNT}:role/aws:ec2-infrastructure",
                "accountId": ACCOUNT,
                "userName": "aws:ec2-infrastructure",
            }
        },
    }
    if with_arn:
        identity["arn"] = f"arn:aws:sts::{ACCOUNT}:assumed-role/aws:ec2-infrastructure/{INSTANCE}"
    return cloudtrail_event(
        event_id,
        "Decrypt",
        at=at,
        userIdentity=identity,
        sourceIPAddress="AWS Internal",
        userAgent="AWS Internal",
        requestParameters={
            "encryptionContext": {"aws:ebs:id": VOLUME},
            "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
        },
    )


def ec2_event(event_id: str, name: str, *, read_only: bool = False) -> dict:
    return cloudtrail_event(
        event_id,
        name,
        eventSource="ec2.amazonaws.com",
        readOnly=read_only,
        requestParameters={"volumeId": VOLUME, "instanceId": INSTANCE, "device": "/dev/sdf"},
        resources=None,
    )


def _alias(arn: str) -> str:
    return "alias/ebs" if arn == KEY_ARN else arn[-8:]


# -- the records ---------------------------------------------------------------------
def test_an_ec2_infrastructure_decrypt_reads_as_the_volumes_data_key_decrypt():
    record = translate(ebs_decrypt("e-1"))
    assert record is not None
    assert record["epoch"] == NOW - 60
    assert volume_of(record) == VOLUME
    row = event_row(record, _alias)
    assert (row.operation, row.principal, row.key, row.context, row.outcome) == (
        "Decrypt",
        f"ec2-infrastructure/{INSTANCE}",
        "alias/ebs",
        f"aws:ebs:id={VOLUME}",
        "ok",
    )
    steps = volume_lifecycle([record], VOLUME, _alias)
    assert [(s.step, s.principal) for s in steps] == [("decrypt", f"ec2-infrastructure/{INSTANCE}")]
    assert volume_lifecycle([record], "vol-other", _alias) == []


def test_a_session_named_only_by_its_principal_id_gets_its_arn():
    record = translate(ebs_decrypt("e-2", with_arn=False))
    assert record is not None
    assert record["userIdentity"]["arn"] == (
        f"arn:aws:sts::{ACCOUNT}:assumed-role/aws:ec2-infrastructure/{INSTANCE}"
    )
    assert volume_of(record) == VOLUME
    assert event_row(record, _alias).principal == f"ec2-infrastructure/{INSTANCE}"


def test_another_principals_decrypt_names_no_volume_and_keeps_its_record():
    event = cloudtrail_event(
        "e-3", "Decrypt", requestParameters={"encryptionContext": {"aws:ebs:id": VOLUME}}
    )
    record = translate(event)
    assert record is not None
    assert volume_of(record) is None
    assert record["userIdentity"]["arn"] == f"arn:aws:iam::{ACCOUNT}:user/Alice"
    assert {k: v for k, v in record.items() if k != "epoch"} == json.loads(event["CloudTrailEvent"])


def test_an_event_without_a_readable_record_is_left_out():
    assert translate({"EventId": "x", "CloudTrailEvent": "not json"}) is None
    assert translate({"EventId": "x"}) is None


# -- reading -------------------------------------------------------------------------
def stubbed_client(region: str = "eu-west-1"):
    client = boto3.client(
        "cloudtrail",
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return client, Stubber(client)


def expect(stubber: Stubber, source: str, events: list[dict], token: str | None = None, **more):
    params = {
        "LookupAttributes": [{"AttributeKey": "EventSource", "AttributeValue": source}],
        "StartTime": ANY,
        "MaxResults": 50,
        **more,
    }
    answer: dict = {"Events": events}
    if token:
        answer["NextToken"] = token
    stubber.add_response("lookup_events", answer, params)


class FakeClock:
    """Monotonic and wall time that move only when slept on."""

    def __init__(self, start: float = NOW):
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def trail(client, clock: FakeClock | None = None, **options) -> CloudTrailEvents:
    clock = clock or FakeClock()
    return CloudTrailEvents(
        lambda region: client,
        "eu-west-1",
        clock=clock,
        monotonic=clock,
        sleep=clock.sleep,
        **options,
    )


def test_a_read_publishes_kms_events_and_ebs_changes_oldest_first():
    client, stubber = stubbed_client()
    expect(
        stubber,
        "kms.amazonaws.com",
        [ebs_decrypt("e-2", at=NOW - 60)],
        token="page-2",
    )
    expect(
        stubber,
        "kms.amazonaws.com",
        [cloudtrail_event("e-1", "GenerateDataKeyWithoutPlaintext", at=NOW - 90)],
        NextToken="page-2",
    )
    expect(
        stubber,
        "ec2.amazonaws.com",
        [
            ec2_event("e-3", "AttachVolume"),
            ec2_event("e-4", "DescribeVolumes", read_only=True),
            ec2_event("e-5", "RunInstances"),
        ],
    )
    events = trail(client)
    received: list[dict] = []
    events._subscribers.append(received.append)  # as subscribe() would, without its thread
    with stubber:
        assert events.poll() == 3
        stubber.assert_no_pending_responses()
    assert [r["eventID"] for r in received] == ["e-3", "e-1", "e-2"]  # by eventTime
    assert events.published == 3
    assert len(events.history) == 3
    assert [r["eventName"] for r in events.history.page(None, 2)] == [
        "GenerateDataKeyWithoutPlaintext",
        "Decrypt",
    ]
    assert [json.loads(line)["eventID"] for line in events.recent_lines()] == ["e-3", "e-1", "e-2"]
    assert events.requests == 3
    assert events.as_of == NOW


def test_an_event_read_twice_is_published_once():
    client, stubber = stubbed_client()
    first = [ebs_decrypt("e-1")]
    expect(stubber, "kms.amazonaws.com", first)
    expect(stubber, "ec2.amazonaws.com", [])
    # CloudTrail delivers late: the next read looks back again and finds e-1 with e-2
    expect(stubber, "kms.amazonaws.com", [cloudtrail_event("e-2", "Encrypt"), *first])
    expect(stubber, "ec2.amazonaws.com", [ec2_event("e-3", "CreateVolume")])
    events = trail(client)
    with stubber:
        assert events.poll() == 1
        assert events.poll() == 2
    assert [r["eventID"] for r in events.history.page(None, 10)] == ["e-1", "e-2", "e-3"]
    assert events.published == 3


def test_the_history_is_bounded_and_says_how_many_went():
    client, stubber = stubbed_client()
    expect(
        stubber,
        "kms.amazonaws.com",
        [cloudtrail_event(f"e-{n}", "Encrypt", at=NOW - 100 + n) for n in range(5)],
    )
    expect(stubber, "ec2.amazonaws.com", [])
    events = trail(client, history_size=3)
    with stubber:
        events.poll()
    assert len(events.history) == 3
    assert events.history.dropped == 2
    assert [r["eventID"] for r in events.history.page(None, 10)] == ["e-2", "e-3", "e-4"]


def test_a_read_looks_back_over_cloudtrails_delivery_window():
    clock = FakeClock()
    starts: list[datetime] = []

    class Recording:
        def lookup_events(self, **params):
            starts.append(params["StartTime"])
            return {"Events": []}

    events = CloudTrailEvents(
        lambda region: Recording(), "eu-west-1", clock=clock, monotonic=clock, sleep=clock.sleep
    )
    events.poll()
    clock.now += 30
    events.poll()
    first, second = starts[0].timestamp(), starts[2].timestamp()
    assert NOW - first == 3600  # the first read: the last hour
    # then from 15 minutes before the last read, for events CloudTrail delivered late
    assert second == NOW - 15 * 60


# -- the rate ------------------------------------------------------------------------
def test_requests_never_go_above_two_a_second_per_region():
    clock = FakeClock()
    sent: list[tuple[str, float]] = []

    class Paging:
        """Every source has 12 pages."""

        def __init__(self, region: str):
            self.region = region

        def lookup_events(self, **params):
            sent.append((self.region, clock.now))
            page = int(params.get("NextToken", "0"))
            return {"Events": [], **({"NextToken": str(page + 1)} if page < 11 else {})}

    clients = {r: Paging(r) for r in ("eu-west-1", "us-east-1")}
    events = CloudTrailEvents(
        clients.__getitem__, "eu-west-1", clock=clock, monotonic=clock, sleep=clock.sleep
    )
    events.poll()
    events.set_region("us-east-1")
    events.poll()
    events.set_region("eu-west-1")
    events.poll()
    assert len(sent) == 3 * 2 * 12
    for region in clients:
        times = [t for r, t in sent if r == region]
        for i, t in enumerate(times):
            in_a_second = [u for u in times[i:] if u < t + 1.0]
            assert len(in_a_second) <= LOOKUP_RATE, (region, t, in_a_second)
    eu = [t for r, t in sent if r == "eu-west-1"]
    assert eu[1] - eu[0] == pytest.approx(0.5)
    assert sum(clock.slept) > 0


class Body:
    """A response body as botocore reads it."""

    def __init__(self, data: bytes):
        self.data = data

    def stream(self, **_kwargs):
        yield self.data


def test_a_boto3_clients_retries_take_a_token_each():
    from botocore.awsrequest import AWSResponse
    from botocore.config import Config

    client = boto3.client(
        "cloudtrail",
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "max_attempts": 3}),
    )
    throttled = (400, b'{"__type":"ThrottlingException","message":"Rate exceeded"}')
    answers = [throttled, throttled]
    sent_at: list[float] = []

    def answer(request, **_kwargs):
        sent_at.append(time.monotonic())
        status, body = answers.pop(0) if answers else (200, b'{"Events":[]}')
        headers = {"x-amzn-RequestId": "r-1", "Content-Type": "application/x-amz-json-1.1"}
        return AWSResponse(request.url, status, headers, Body(body))

    client.meta.events.register("before-send.cloudtrail.LookupEvents", answer)
    events = CloudTrailEvents(lambda region: client, "eu-west-1")
    assert events.poll() == 0
    assert events.problem is None  # botocore's retries got through
    assert (events.requests, events.sent, len(sent_at)) == (2, 4, 4)
    gaps = [b - a for a, b in zip(sent_at, sent_at[1:], strict=False)]
    assert min(gaps) >= 0.5 - 0.01, gaps


def test_the_token_bucket_spaces_takes_by_half_a_second():
    clock = FakeClock(0.0)
    bucket = TokenBucket(2.0, clock=clock, sleep=clock.sleep)
    taken = []
    for _ in range(5):
        bucket.take()
        taken.append(clock.now)
    assert taken == [0.0, 0.5, 1.0, 1.5, 2.0]
    clock.now = 10.0  # idle for a while: no burst builds up
    bucket.take()
    bucket.take()
    assert clock.now == 10.5


# -- failures ------------------------------------------------------------------------
def test_throttling_is_shown_and_backs_off():
    client, stubber = stubbed_client()
    clock = FakeClock()
    events = trail(client, clock, poll_every=30.0)
    stubber.add_client_error(
        "lookup_events", service_error_code="ThrottlingException", service_message="Rate exceeded"
    )
    stubber.add_client_error(
        "lookup_events", service_error_code="ThrottlingException", service_message="Rate exceeded"
    )
    expect(stubber, "kms.amazonaws.com", [ebs_decrypt("e-1")])
    expect(stubber, "ec2.amazonaws.com", [])
    with stubber:
        assert events.poll() == 0
        assert events.wait == 60.0
        shown = events.freshness()
        assert "not read yet" in shown
        assert "LookupEvents throttled (ThrottlingException: Rate exceeded)" in shown
        assert "next try in 60 s" in shown
        assert events.poll() == 0
        assert events.wait == 120.0
        assert events.poll() == 1
    assert events.problem is None and events.wait == 30.0
    assert "throttled" not in events.freshness()


def test_a_refusal_is_shown_and_does_not_back_off():
    client, stubber = stubbed_client()
    events = trail(client)
    stubber.add_client_error(
        "lookup_events",
        service_error_code="AccessDeniedException",
        service_message="not authorized to perform: cloudtrail:LookupEvents",
    )
    with stubber:
        assert events.poll() == 0
    assert events.wait == events.poll_every
    assert "LookupEvents refused (AccessDeniedException: not authorized" in events.freshness()


def test_freshness_says_when_it_read_and_how_late_cloudtrail_delivers():
    client, stubber = stubbed_client()
    clock = FakeClock(NOW + 184)  # 08:03:04
    events = trail(client, clock)
    expect(stubber, "kms.amazonaws.com", [])
    expect(stubber, "ec2.amazonaws.com", [])
    with stubber:
        events.poll()
    assert events.freshness() == (
        "as of 08:03:04 UTC · LookupEvents in eu-west-1 · "
        "CloudTrail typically delivers an event within about 5 minutes of the call"
    )
    assert DELIVERY in events.freshness()


# -- the poller ----------------------------------------------------------------------
def test_the_first_subscriber_starts_the_poller_and_the_last_one_stops_it():
    read = threading.Event()
    calls: list[str] = []

    class Once:
        def lookup_events(self, **params):
            source = params["LookupAttributes"][0]["AttributeValue"]
            calls.append(source)
            events = (
                [ebs_decrypt("e-1")] if source == "kms.amazonaws.com" and len(calls) == 1 else []
            )
            if len(calls) >= 2:
                read.set()
            return {"Events": events}

    events = CloudTrailEvents(lambda region: Once(), "eu-west-1", poll_every=3600)
    received: list[dict] = []
    stop_one = events.subscribe(received.append)
    stop_two = events.subscribe(lambda record: None)
    assert read.wait(5)
    thread = events._thread
    assert thread is not None and thread.is_alive()
    stop_one()
    assert thread.is_alive()  # one subscriber is left
    stop_two()
    thread.join(5)
    assert not thread.is_alive()
    assert [r["eventID"] for r in received] == ["e-1"]
    assert events.as_of is not None


def test_the_consoles_own_reads_on_aws_are_known_by_the_mark_in_boto3s_user_agent():
    from kmstui.ui.own_calls import console_read

    boto = "Boto3/1.44.18 md/Botocore#1.44.18 ua/2.1 os/linux#6.8 lang/python#3.12 kmstui-console"
    assert console_read({"userAgent": boto, "readOnly": True})
    assert not console_read({"userAgent": boto, "readOnly": False})  # changes stay in view
    assert not console_read(
        {"userAgent": boto.replace("kmstui-console", "aws-cli"), "readOnly": True}
    )
    assert not console_read({"userAgent": "kmstui-console-like", "readOnly": True})
