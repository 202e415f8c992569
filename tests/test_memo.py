"""The per-call path's memos: bounded, keyed by values, and owned by what the engine
holds (no memo outlives its engine, and a fresh engine starts with none)."""

from kmstui.caller import Caller
from kmstui.events import RecordEncoder
from kmstui.jsonlines import loads_line
from kmstui.memo import Memo


def test_a_memo_never_holds_more_than_its_size_and_keeps_the_newest():
    memo = Memo(8)
    for i in range(100):
        memo.put(i, str(i))
        assert len(memo) <= 8
    assert memo.get(99) == "99" and memo.get(0) is None


def test_a_memo_finds_an_entry_by_an_equal_key_built_anew():
    memo = Memo(8)
    memo.put((Caller(principal="arn:aws:iam::111122223333:user/a"), "kms:Decrypt"), "decided")
    assert memo.get((Caller.for_arn("arn:aws:iam::111122223333:user/a"), "kms:Decrypt"))


def test_an_encoder_remembers_at_most_its_size_of_heads_and_resources():
    encoder = RecordEncoder(memo_size=8)
    for i in range(50):
        caller = Caller(principal=f"arn:aws:iam::111122223333:user/u{i}")
        arn = f"arn:aws:kms:us-east-1:111122223333:key/k{i}"
        line = encoder.encode(
            "kms", "DescribeKey", caller, 1.0, "id", None, None, None, [arn], None, None
        )
        record = loads_line(line)
        assert record["userIdentity"]["userName"] == f"u{i}"
        assert record["resources"][0]["ARN"] == arn
        assert len(encoder._heads) <= 8 and len(encoder._resources) <= 8


def test_an_engine_reopened_starts_with_memos_of_its_own(make_engine):
    first = make_engine()
    first.close()
    second = make_engine()
    assert first.events._encoder is not second.events._encoder
    assert first.kms.encryption_contexts is not second.kms.encryption_contexts
    assert first.kms.authorizer._decisions is not second.kms.authorizer._decisions
