"""The key list's load (kmstui.ui.key_listing) on a fake account that pages as KMS does:
every key once, the rows in view described first, throttling retried and counted, a
refusal kept to its row, a refused ListKeys ending the load, a stopped load silent."""

from __future__ import annotations

import threading

from kmstui.errors import AwsError
from kmstui.ui.key_listing import DESCRIBE_TRIES, Batch, KeyListing


class Account:
    """ListKeys, ListAliases, DescribeKey, GetKeyRotationStatus over ``count`` keys;
    ``refuse``: operation -> function(params) -> error code or None."""

    def __init__(self, count: int, refuse=None):
        self.keys = [f"{n:08d}-0000-4000-8000-000000000000" for n in range(count)]
        self.aliases = {key: f"alias/k{n:04d}" for n, key in enumerate(self.keys)}
        self.refuse = refuse or {}
        self.calls: list[tuple[str, dict]] = []
        self.lock = threading.Lock()

    def call(self, operation: str, params: dict) -> dict:
        with self.lock:
            self.calls.append((operation, params))
        code = self.refuse.get(operation, lambda _params: None)(params)
        if code:
            raise AwsError(f"{operation} refused", code=code)
        if operation == "ListKeys":
            return self._page(
                params, [{"KeyId": k, "KeyArn": f"arn:{k}"} for k in self.keys], "Keys"
            )
        if operation == "ListAliases":
            entries = [{"AliasName": a, "TargetKeyId": k} for k, a in self.aliases.items()]
            return self._page(params, [{"AliasName": "alias/aws/ebs"}, *entries], "Aliases")
        if operation == "DescribeKey":
            return {"KeyMetadata": {"KeyId": params["KeyId"], "KeyState": "Enabled"}}
        if operation == "GetKeyRotationStatus":
            return {"KeyRotationEnabled": False}
        raise AssertionError(operation)

    @staticmethod
    def _page(params: dict, items: list, member: str) -> dict:
        start = int(params.get("Marker", "0"))
        end = start + params["Limit"]
        more = {"Truncated": True, "NextMarker": str(end)} if end < len(items) else {}
        return {member: items[start:end], "Truncated": bool(more), **more}


def load(account: Account, **options) -> list[Batch]:
    batches: list[Batch] = []
    KeyListing(account.call, batches.append, sleep=lambda _s: None, **options).run()
    return batches


def test_every_key_and_alias_arrives_once_a_page_at_a_time():
    account = Account(2345)
    batches = load(account)
    listed = [row.key_id for batch in batches for row in batch.keys]
    assert listed == account.keys  # in ListKeys' order, none repeated or skipped
    key_pages = [p for op, p in account.calls if op == "ListKeys"]
    assert [p["Limit"] for p in key_pages] == [100, 1000, 1000, 1000]
    assert [len(b.keys) for b in batches if b.keys] == [100, 1000, 1000, 245]
    aliases: dict[str, list[str]] = {}
    for batch in batches:
        for key_id, names in batch.aliases.items():
            aliases.setdefault(key_id, []).extend(names)
    assert aliases == {k: [a] for k, a in account.aliases.items()}
    assert sum(b.alias_count for b in batches) == 2346  # with AWS's own, target-less
    described = [row.key_id for batch in batches for row in batch.described]
    assert sorted(described) == account.keys
    assert batches[-1].finished and not batches[-1].error
    assert sum(b.keys_done for b in batches) == 1 and sum(b.aliases_done for b in batches) == 1


def test_no_key_is_described_before_the_listing_and_the_rows_in_view_go_first():
    account = Account(300)
    in_view = account.keys[200:210]
    batches: list[Batch] = []
    listing = KeyListing(account.call, batches.append, describers=1, sleep=lambda _s: None)
    listing.prefer(in_view)
    listing.run()
    operations = [op for op, _ in account.calls]
    last_page = max(i for i, op in enumerate(operations) if op in ("ListKeys", "ListAliases"))
    assert "DescribeKey" not in operations[:last_page]
    described = [p["KeyId"] for op, p in account.calls if op == "DescribeKey"]
    assert described[:10] == in_view
    assert described[10:] == [k for k in account.keys if k not in in_view]


def test_throttling_is_retried_counted_and_a_key_throttled_throughout_says_so():
    throttled_page = iter([True])  # the second ListKeys page, once
    stuck = "00000007-0000-4000-8000-000000000000"

    def keys(params):
        if params.get("Marker") and next(throttled_page, False):
            return "ThrottlingException"
        return None

    def describe(params):
        return "ThrottlingException" if params["KeyId"] == stuck else None

    account = Account(250, {"ListKeys": keys, "DescribeKey": describe})
    batches = load(account)
    assert sorted(r.key_id for b in batches for r in b.keys) == account.keys
    rows = {r.key_id: r for b in batches for r in b.described}
    assert len(rows) == 250
    assert rows[stuck].problem == "ThrottlingException" and rows[stuck].described
    assert all(not r.problem and r.state == "Enabled" for k, r in rows.items() if k != stuck)
    assert sum(b.throttled for b in batches) == 1 + DESCRIBE_TRIES
    assert [op for op, p in account.calls if op == "DescribeKey" and p["KeyId"] == stuck] == [
        "DescribeKey"
    ] * DESCRIBE_TRIES


def test_a_refused_describe_stays_with_its_row():
    denied = "00000003-0000-4000-8000-000000000000"
    account = Account(
        20,
        {"DescribeKey": lambda p: "AccessDeniedException" if p["KeyId"] == denied else None},
    )
    rows = {r.key_id: r for b in load(account) for r in b.described}
    assert rows[denied].problem == "AccessDeniedException" and rows[denied].state == "Unavailable"
    assert {r.state for k, r in rows.items() if k != denied} == {"Enabled"}


def test_a_refused_list_ends_the_load_with_its_error_and_refused_aliases_are_said():
    account = Account(
        20,
        {
            "ListKeys": lambda _p: "AccessDeniedException",
            "ListAliases": lambda _p: "AccessDeniedException",
        },
    )
    batches = load(account)
    assert batches[-1].finished and batches[-1].error.code == "AccessDeniedException"
    assert any(b.alias_problem == "AccessDeniedException" for b in batches)
    assert not [op for op, _ in account.calls if op == "DescribeKey"]


def test_a_stopped_load_delivers_nothing_more():
    account = Account(2000)
    batches: list[Batch] = []
    stop = threading.Event()

    def deliver(batch: Batch) -> None:
        batches.append(batch)
        if batch.keys:
            stop.set()  # a newer load replaced this one after its first page

    KeyListing(account.call, deliver, stopped=stop.is_set, sleep=lambda _s: None).run()
    assert [len(b.keys) for b in batches if b.keys] == [100]
    assert not any(b.finished for b in batches)
    assert len([op for op, _ in account.calls if op == "ListKeys"]) == 1
