"""Evaluation across key policy, identity policies and grants."""

from __future__ import annotations

from kmstui.policy import (
    ALLOW,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    Request,
    compile_policy,
    evaluate,
)

from .conftest import (
    ACCOUNT,
    ALICE,
    APP_ROLE,
    APP_SESSION,
    BOB,
    CAROL,
    ENABLE_IAM,
    KEY_ARN,
    OTHER_ACCOUNT,
    ROOT,
    decide,
    policy,
    statement,
)

ALLOW_DECRYPT_IAM = policy(statement(action="kms:Decrypt"))
DENY_DECRYPT_IAM = policy(statement("Deny", action="kms:Decrypt"))


# Elements -----------------------------------------------------------------------


def test_direct_user_principal_allows_on_its_own():
    assert decide(policy(statement(principal=ALICE))).effect == ALLOW


def test_other_user_is_not_allowed_by_a_statement_naming_alice():
    assert decide(policy(statement(principal=ALICE)), principal=BOB).effect == IMPLICIT_DENY


def test_action_names_are_case_insensitive():
    doc = policy(statement(principal=ALICE, action="KMS:decrypt"))
    assert decide(doc, action="kms:Decrypt").effect == ALLOW


def test_action_wildcards_match_operation_names():
    doc = policy(statement(principal=ALICE, action="kms:GenerateDataKey*"))
    assert decide(doc, action="kms:GenerateDataKeyWithoutPlaintext").effect == ALLOW
    assert decide(doc, action="kms:Decrypt").effect == IMPLICIT_DENY


def test_not_action_allows_everything_but_the_listed_actions():
    doc = policy(statement(principal=ALICE, action=None, NotAction="kms:ScheduleKeyDeletion"))
    assert decide(doc, action="kms:Decrypt").effect == ALLOW
    assert decide(doc, action="kms:ScheduleKeyDeletion").effect == IMPLICIT_DENY


def test_not_resource_applies_to_other_resources_only():
    doc = policy(statement(principal=ALICE, resource=None, NotResource=KEY_ARN))
    assert decide(doc).effect == IMPLICIT_DENY
    other = KEY_ARN.replace("1234abcd", "99999999")
    assert decide(doc, resource=other).effect == ALLOW


def test_resource_arn_pattern_must_match_the_key():
    doc = policy(statement(principal=ALICE, resource=f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*"))
    assert decide(doc).effect == ALLOW
    doc = policy(statement(principal=ALICE, resource=f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/*"))
    assert decide(doc).effect == IMPLICIT_DENY


def test_statement_without_action_never_applies():
    assert decide(policy(statement(principal=ALICE, action=None))).effect == IMPLICIT_DENY


def test_statement_without_resource_never_applies():
    assert decide(policy(statement(principal=ALICE, resource=None))).effect == IMPLICIT_DENY


def test_wildcard_principal_allows_any_caller():
    assert decide(policy(statement(principal="*")), principal=BOB).effect == ALLOW


def test_not_principal_allow_applies_to_everyone_not_listed():
    doc = policy(statement(NotPrincipal={"AWS": ALICE}))
    assert decide(doc, principal=BOB).effect == ALLOW
    assert decide(doc, principal=ALICE).effect == IMPLICIT_DENY


def test_not_principal_deny_exempts_a_user_listed_with_its_account():
    doc = policy(
        statement(principal=[ALICE, BOB], action="kms:*"),
        statement("Deny", NotPrincipal={"AWS": [ALICE, ROOT]}),
    )
    assert decide(doc, principal=ALICE).effect == ALLOW
    assert decide(doc, principal=BOB).effect == EXPLICIT_DENY


def test_not_principal_deny_without_the_account_still_denies_the_user():
    doc = policy(
        statement(principal=ALICE, action="kms:*"),
        statement("Deny", NotPrincipal={"AWS": [ALICE]}),
    )
    assert decide(doc, principal=ALICE).effect == EXPLICIT_DENY


def test_statement_order_never_matters():
    allow = statement(principal=ALICE, action="kms:*")
    deny = statement("Deny", principal=ALICE)
    assert (
        decide(policy(allow, deny)).effect == decide(policy(deny, allow)).effect == (EXPLICIT_DENY)
    )


# Principals: roles, sessions, services, accounts ----------------------------------


def test_role_principal_matches_its_sessions():
    assert decide(policy(statement(principal=APP_ROLE)), principal=APP_SESSION).effect == ALLOW


def test_role_principal_with_path_matches_its_sessions():
    role = f"arn:aws:iam::{ACCOUNT}:role/teams/AppRole"
    assert decide(policy(statement(principal=role)), principal=APP_SESSION).effect == ALLOW


def test_session_principal_matches_only_that_session():
    doc = policy(statement(principal=APP_SESSION))
    assert decide(doc, principal=APP_SESSION).effect == ALLOW
    other = APP_SESSION.replace("session1", "session2")
    assert decide(doc, principal=other).effect == IMPLICIT_DENY


def test_service_principal_matches_the_service_caller():
    doc = policy(statement(principal={"Service": "ec2.amazonaws.com"}))
    assert decide(doc, principal="ec2.amazonaws.com").effect == ALLOW
    assert decide(doc, principal=ALICE).effect == IMPLICIT_DENY


def test_account_root_user_needs_no_identity_policy():
    assert decide(policy(ENABLE_IAM), principal=ROOT).effect == ALLOW


def test_bare_account_id_principal_delegates_like_the_root_arn():
    doc = policy(statement(principal=ACCOUNT, action="kms:*"))
    assert decide(doc, identity=[ALLOW_DECRYPT_IAM]).effect == ALLOW
    assert decide(doc).effect == IMPLICIT_DENY


# Delegation to IAM -----------------------------------------------------------------


def test_account_principal_lets_an_identity_policy_allow():
    decision = decide(policy(ENABLE_IAM), identity=[ALLOW_DECRYPT_IAM])
    assert decision.effect == ALLOW
    assert decision.decided_by == ["Enable IAM User Permissions", "#0"]


def test_account_principal_without_identity_policy_is_implicit_deny():
    decision = decide(policy(ENABLE_IAM))
    assert decision.effect == IMPLICIT_DENY
    assert decision.reason == "no identity-based policy allows the kms:Decrypt action"


def test_identity_allow_is_ignored_without_key_policy_delegation():
    decision = decide(policy(statement(principal=BOB)), identity=[ALLOW_DECRYPT_IAM])
    assert decision.effect == IMPLICIT_DENY
    assert decision.reason == "no resource-based policy allows the kms:Decrypt action"


def test_identity_deny_applies_without_key_policy_delegation():
    decision = decide(policy(statement(principal=ALICE)), identity=[DENY_DECRYPT_IAM])
    assert decision.effect == EXPLICIT_DENY
    assert decision.reason == "with an explicit deny in an identity-based policy"


def test_delegation_must_itself_allow_the_action():
    doc = policy(statement(principal=ROOT, action="kms:DescribeKey"))
    assert decide(doc, identity=[ALLOW_DECRYPT_IAM]).effect == IMPLICIT_DENY


def test_identity_policies_without_key_policy_decide_iam_only_actions():
    iam = policy(statement(action="kms:CreateKey"))
    assert decide(None, action="kms:CreateKey", identity=[iam], resource="*").effect == ALLOW


def test_compiled_identity_policy_name_is_reported():
    named = compile_policy(ALLOW_DECRYPT_IAM, name="KmsUsers")
    decision = decide(policy(ENABLE_IAM), identity=[named])
    assert decision.matched[-1]["policy"] == "KmsUsers"


# Cross-account --------------------------------------------------------------------


CROSS = policy(ENABLE_IAM, statement(principal=f"arn:aws:iam::{OTHER_ACCOUNT}:root"))


def test_cross_account_caller_needs_its_own_identity_policy():
    assert decide(CROSS, principal=CAROL).effect == IMPLICIT_DENY
    assert decide(CROSS, principal=CAROL, identity=[ALLOW_DECRYPT_IAM]).effect == ALLOW


def test_cross_account_direct_principal_also_needs_identity_policy():
    doc = policy(statement(principal=CAROL))
    assert decide(doc, principal=CAROL).effect == IMPLICIT_DENY
    assert decide(doc, principal=CAROL, identity=[ALLOW_DECRYPT_IAM]).effect == ALLOW


def test_cross_account_identity_policy_alone_is_not_enough():
    decision = decide(policy(ENABLE_IAM), principal=CAROL, identity=[ALLOW_DECRYPT_IAM])
    assert decision.effect == IMPLICIT_DENY
    assert decision.reason == "no resource-based policy allows the kms:Decrypt action"


def test_explicit_accounts_override_arn_derivation():
    request = Request(ALICE, "kms:Decrypt", KEY_ARN, {}, principal_account=OTHER_ACCOUNT)
    assert evaluate(request, key_policy=policy(statement(principal=ALICE))).effect == (
        IMPLICIT_DENY
    )


# Deny precedence across sources -----------------------------------------------------


def test_key_policy_deny_beats_key_policy_allow():
    doc = policy(statement(principal=ALICE, action="kms:*"), statement("Deny", principal=ALICE))
    decision = decide(doc)
    assert decision.effect == EXPLICIT_DENY
    assert decision.reason == "with an explicit deny in a resource-based policy"
    assert decision.decided_by == ["#1"]


def test_identity_deny_beats_key_policy_allow():
    assert decide(policy(statement(principal=ALICE)), identity=[DENY_DECRYPT_IAM]).effect == (
        EXPLICIT_DENY
    )


def test_key_policy_deny_beats_a_grant():
    doc = policy(ENABLE_IAM, statement("Deny", principal=ALICE))
    grant = {"GrantId": "g1", "GranteePrincipal": ALICE, "Operations": ["Decrypt"]}
    assert decide(doc, grants=[grant]).effect == EXPLICIT_DENY


def test_identity_deny_beats_a_grant():
    grant = {"GrantId": "g1", "GranteePrincipal": ALICE, "Operations": ["Decrypt"]}
    assert decide(policy(ENABLE_IAM), identity=[DENY_DECRYPT_IAM], grants=[grant]).effect == (
        EXPLICIT_DENY
    )


# Grants ---------------------------------------------------------------------------


def _grant(**extra):
    return {"GrantId": "g1", "GranteePrincipal": ALICE, "Operations": ["Decrypt"], **extra}


def test_grant_allows_its_grantee_the_listed_operation():
    decision = decide(policy(ENABLE_IAM), grants=[_grant()])
    assert decision.effect == ALLOW
    assert decision.decided_by == ["g1"]


def test_grant_does_not_allow_other_operations():
    assert decide(policy(ENABLE_IAM), action="kms:Encrypt", grants=[_grant()]).effect == (
        IMPLICIT_DENY
    )


def test_grant_does_not_allow_other_principals():
    assert decide(policy(ENABLE_IAM), principal=BOB, grants=[_grant()]).effect == IMPLICIT_DENY


def test_role_grantee_covers_its_sessions():
    grant = _grant(GranteePrincipal=APP_ROLE)
    assert decide(policy(ENABLE_IAM), principal=APP_SESSION, grants=[grant]).effect == ALLOW


def test_ec2_infrastructure_grantee_matches_the_instance_session():
    grant = _grant(GranteePrincipal=f"{ACCOUNT}:aws:ec2-infrastructure:i-0abc")
    caller = f"arn:aws:sts::{ACCOUNT}:assumed-role/aws:ec2-infrastructure/i-0abc"
    assert decide(policy(ENABLE_IAM), principal=caller, grants=[grant]).effect == ALLOW


def test_encryption_context_equals_needs_the_exact_context():
    grant = _grant(Constraints={"EncryptionContextEquals": {"Dept": "IT"}})
    exact = {"kms:EncryptionContext:Dept": "IT"}
    more = {**exact, "kms:EncryptionContext:Other": "1"}
    assert decide(policy(ENABLE_IAM), context=exact, grants=[grant]).effect == ALLOW
    assert decide(policy(ENABLE_IAM), context=more, grants=[grant]).effect == IMPLICIT_DENY


def test_encryption_context_subset_needs_its_pairs_present():
    grant = _grant(Constraints={"EncryptionContextSubset": {"Dept": "IT"}})
    more = {"kms:EncryptionContext:Dept": "IT", "kms:EncryptionContext:Other": "1"}
    assert decide(policy(ENABLE_IAM), context=more, grants=[grant]).effect == ALLOW
    assert decide(policy(ENABLE_IAM), context={}, grants=[grant]).effect == IMPLICIT_DENY


def test_grant_constraint_values_are_case_sensitive():
    grant = _grant(Constraints={"EncryptionContextSubset": {"Dept": "IT"}})
    ctx = {"kms:EncryptionContext:Dept": "it"}
    assert decide(policy(ENABLE_IAM), context=ctx, grants=[grant]).effect == IMPLICIT_DENY


def test_retiring_principal_may_retire_the_grant():
    grant = _grant(RetiringPrincipal=BOB)
    assert (
        decide(policy(ENABLE_IAM), principal=BOB, action="kms:RetireGrant", grants=[grant]).effect
        == ALLOW
    )


# The decision record ------------------------------------------------------------------


def test_decision_to_json_has_decision_and_explanation():
    result = decide(policy(statement(principal=ALICE), statement(principal=BOB))).to_json()
    assert result["decision"] == ALLOW
    assert result["explanation"]["matched"] == [
        {"source": "key-policy", "statement": 0, "effect": "Allow"}
    ]
    assert result["explanation"]["not_matched"] == [
        {"source": "key-policy", "statement": 1, "reason": f"Principal does not include {ALICE}"}
    ]


def test_statements_that_do_not_name_the_action_are_explained():
    decision = decide(policy(statement(principal=ALICE, action="kms:Encrypt")))
    assert decision.not_matched[0]["reason"] == "Action does not include kms:Decrypt"


def test_allowed_decision_has_no_reason():
    assert decide(policy(statement(principal=ALICE))).reason is None


def test_evaluate_accepts_policy_text():
    text = (
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*",'
        '"Action":"kms:*","Resource":"*"}}'
    )
    assert decide(text).effect == ALLOW
