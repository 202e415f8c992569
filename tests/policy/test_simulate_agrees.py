"""The simulator and the validator agree: a condition on a key an action's requests
never carry can never allow that action. Each case below goes to both: the validator
says UNSATISFIABLE_CONDITION for the action, and the simulator, given the key anyway,
leaves it out, says so, and does not allow; for an action that carries the key both
accept the condition."""

from __future__ import annotations

import copy
import json

import pytest

from kmstui.policy import simulate_case, validate_policy

USER = "arn:aws:iam::111122223333:user/app"
KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

# Like the seed policy's EC2 statement: DescribeKey listed beside Decrypt, under a
# condition on the encryption context.
CASE = {
    "policy": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "App reads its own data",
                "Effect": "Allow",
                "Principal": {"AWS": USER},
                "Action": ["kms:Decrypt", "kms:DescribeKey"],
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:EncryptionContext:app": "orders"}},
            }
        ],
    },
    "request": {
        "principal": USER,
        "action": "kms:DescribeKey",
        "resource": KEY,
        "context": {"kms:EncryptionContext:app": "orders", "kms:EncryptionContextKeys": ["app"]},
    },
}


def unsatisfiable_actions(policy: dict) -> list[str]:
    text = json.dumps(policy, indent=2)
    return [
        finding.message.split(" ")[0]
        for finding in validate_policy(text)
        if finding.code == "UNSATISFIABLE_CONDITION"
    ]


def with_action(action: str) -> dict:
    case = copy.deepcopy(CASE)
    case["request"]["action"] = action
    return case


def test_the_validator_says_the_condition_can_never_allow_describe_key():
    assert unsatisfiable_actions(CASE["policy"]) == ["kms:DescribeKey"]


def test_the_simulator_leaves_the_context_out_of_describe_key_and_does_not_allow_it():
    result = simulate_case(CASE)
    assert result["decision"] == "ImplicitDeny"
    assert result["explanation"]["ignored"] == [
        "kms:EncryptionContext:app",
        "kms:EncryptionContextKeys",
    ]
    assert "never carry" in result["explanation"]["note"]


@pytest.mark.parametrize("action", ["kms:Decrypt", "kms:Encrypt"])
def test_an_action_that_carries_the_context_is_decided_on_it(action):
    case = with_action(action)
    result = simulate_case(case)
    assert result["decision"] == ("Allow" if action == "kms:Decrypt" else "ImplicitDeny")
    assert "ignored" not in result["explanation"]
    assert action not in unsatisfiable_actions(case["policy"])


def test_the_engines_simulator_agrees_for_the_same_case(engine):
    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    engine.call("CreateUser", {"UserName": "app"})
    policy = json.dumps(CASE["policy"])
    asked = {"policy_text": policy, "principal": USER, "key_id": key_id}
    context = {"app": "orders"}
    describe = engine.simulate(action="kms:DescribeKey", encryption_context=context, **asked)
    assert not describe.allowed
    assert describe.ignored == ["kms:EncryptionContext:app", "kms:EncryptionContextKeys"]
    assert "never carry" in describe.note
    decrypt = engine.simulate(action="kms:Decrypt", encryption_context=context, **asked)
    assert decrypt.allowed and decrypt.ignored == []
    # without a context, nothing is left out and DescribeKey is still not allowed
    plain = engine.simulate(action="kms:DescribeKey", **asked)
    assert not plain.allowed and plain.ignored == []


def test_kmstui_policy_simulate_names_what_it_left_out(capsys, tmp_path):
    from kmstui.cli import main

    path = tmp_path / "case.json"
    path.write_text(json.dumps({"name": "describe with a context", **CASE}))
    assert main(["policy", "simulate", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "describe with a context: ImplicitDeny"
    assert "Left out kms:EncryptionContext:app, kms:EncryptionContextKeys" in out
