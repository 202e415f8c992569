"""Key policies on a remote account, against a real `kmstui serve` through boto3: the
account's IAM users and roles for the principal check and the lockout check, Access
Analyzer's findings beside the local ones (a botocore Stubber, since the endpoint does
not speak Access Analyzer), and the simulator with a user's inline IAM policy, a role's
grant, and what it cannot see."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from botocore.stub import Stubber

from kmstui.aws.account import Connection, Where
from kmstui.backends.aws_policy import (
    UNSEEN_ALWAYS,
    AccessAnalyzer,
    AccountPrincipals,
    AwsPolicy,
    check_key_policy,
    simulate,
    validate_key_policy,
)
from kmstui.caller import Caller
from kmstui.errors import AwsError, MalformedPolicyDocumentException
from kmstui.policy import ACCESS_ANALYZER, ERROR, LOCAL, SUGGESTION
from tests import served

ACCOUNT = "246813579024"
KEYS = ("AKIDEXAMPLE", "example-secret")
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/team/alice"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:role/deployer"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/build-42"
DECRYPT_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "AliceDecrypts", "Effect": "Allow", "Action": "kms:Decrypt",
                   "Resource": "*"}],
}  # fmt: skip


def key_policy(*statements: dict) -> str:
    admin = {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*",
             "Resource": "*"}  # fmt: skip
    return json.dumps({"Version": "2012-10-17", "Statement": [admin, *statements]}, indent=2)


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    process, url = served.serve(tmp_path_factory.mktemp("served"), ACCOUNT)
    yield url
    served.stop(process)


@pytest.fixture(scope="module")
def connection(endpoint):
    return Connection(Where(region="us-east-1", endpoint_url=endpoint, fallback_credentials=KEYS))


@pytest.fixture(scope="module")
def account(connection):
    """alice (a user with an inline policy allowing Decrypt), the deployer role, and a
    key with a grant to the role for Decrypt under an encryption context."""
    iam = connection.client("iam")
    iam.create_user(UserName="alice", Path="/team/")
    iam.put_user_policy(
        UserName="alice", PolicyName="decrypt-only", PolicyDocument=json.dumps(DECRYPT_ONLY)
    )
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action":
             "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}]}  # fmt: skip
    iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=json.dumps(trust))
    kms = connection.client("kms")
    key = kms.create_key(Description="payments")["KeyMetadata"]
    grant = kms.create_grant(
        KeyId=key["Arn"],
        GranteePrincipal=DEPLOYER,
        Operations=["Decrypt"],
        Constraints={"EncryptionContextSubset": {"app": "payments"}},
    )
    return {"key": key["Arn"], "grant": grant["GrantId"]}


class Recorder:
    """The connection's ``call``, recording each operation sent; ``fail`` makes an
    operation answer with an AWS error instead, and ``answer`` with a given answer."""

    def __init__(self, connection: Connection, fail=None, answer=None, page_size=None):
        self.connection = connection
        self.sent: list[str] = []
        self.fail = fail or {}
        self.answer = answer or {}
        self.page_size = page_size

    def __call__(self, service: str, operation: str, params: dict) -> dict:
        self.sent.append(operation)
        if operation in self.fail:
            code, message = self.fail[operation]
            raise AwsError(message, code=code)
        if operation in self.answer:
            return self.answer[operation](params)
        if self.page_size and operation in ("ListUsers", "ListRoles"):
            params = {**params, "MaxItems": self.page_size}
        return self.connection.call(service, operation, params)


def root() -> Caller:
    return Caller(ROOT, account=ACCOUNT)


# -- the account's principals ----------------------------------------------------------
def test_the_accounts_users_and_roles_are_read_once_every_page(connection, account):
    call = Recorder(connection, page_size=1)
    iam = connection.client("iam")
    iam.create_user(UserName="paged-1")
    iam.create_user(UserName="paged-2")
    principals = AccountPrincipals(call, ACCOUNT)
    arns = principals.arns()
    assert arns is not None and {ALICE, DEPLOYER} <= set(arns)
    assert {f"arn:aws:iam::{ACCOUNT}:user/paged-1", f"arn:aws:iam::{ACCOUNT}:user/paged-2"} <= set(
        arns
    )
    users = len([a for a in arns if ":user/" in a])
    assert call.sent.count("ListUsers") == users  # one user a page, every page read
    assert principals.exists(ALICE) and principals.exists(DEPLOYER)
    sent = len(call.sent)
    assert principals.exists(f"arn:aws:iam::{ACCOUNT}:user/alice") is False  # its path counts
    assert principals.exists(f"arn:aws:iam::{ACCOUNT}:user/team/bob") is False
    assert principals.exists(SESSION) is True  # a session of a role that exists
    assert principals.exists(f"arn:aws:sts::{ACCOUNT}:assumed-role/nobody/s") is False
    assert principals.exists(ROOT) is True and principals.exists(ACCOUNT) is True
    assert principals.exists("arn:aws:iam::999999999999:user/elsewhere") is None
    assert len(call.sent) == sent  # read once


def test_refresh_reads_the_users_and_roles_again(connection, account):
    principals = AccountPrincipals(Recorder(connection), ACCOUNT)
    carol = f"arn:aws:iam::{ACCOUNT}:user/carol"
    assert principals.exists(carol) is False
    connection.client("iam").create_user(UserName="carol")
    assert principals.exists(carol) is False  # as read
    principals.refresh()
    assert principals.exists(carol) is True


def test_when_iam_cannot_be_listed_principals_are_not_judged_and_a_finding_says_why(
    connection, account
):
    call = Recorder(connection, fail={"ListUsers": ("AccessDenied", "not authorized")})
    principals = AccountPrincipals(call, ACCOUNT)
    assert principals.exists(f"arn:aws:iam::{ACCOUNT}:user/team/bob") is None
    assert principals.arns() is None
    policy = key_policy({"Effect": "Allow", "Principal": {"AWS":
                         f"arn:aws:iam::{ACCOUNT}:user/team/bob"}, "Action": "kms:Decrypt",
                         "Resource": "*"})  # fmt: skip
    findings = validate_key_policy(policy, root(), principals, call)
    assert not [f for f in findings if f.severity == ERROR]
    unchecked = [f for f in findings if f.code == "PRINCIPALS_UNCHECKED"]
    assert len(unchecked) == 1 and unchecked[0].severity == SUGGESTION
    assert "ListUsers failed (AccessDenied: not authorized)" in unchecked[0].message


# -- validation --------------------------------------------------------------------------
def test_a_principal_the_account_does_not_have_is_the_error_kms_would_give(connection, account):
    call = Recorder(connection)
    principals = AccountPrincipals(call, ACCOUNT)
    bob = f"arn:aws:iam::{ACCOUNT}:user/team/bob"
    policy = key_policy(
        {"Sid": "People", "Effect": "Allow", "Principal": {"AWS": [ALICE, bob]},
         "Action": "kms:Decrypt", "Resource": "*"}
    )  # fmt: skip
    findings = validate_key_policy(policy, root(), principals, call)
    errors = [f for f in findings if f.severity == ERROR]
    assert [(f.code, f.source) for f in errors] == [("INVALID_PRINCIPAL", LOCAL)]
    assert bob in errors[0].message and ALICE not in errors[0].message
    line = policy.splitlines()[errors[0].span.start.line - 1]
    assert bob in line


def test_the_lockout_check_runs_for_the_real_caller(connection, account):
    call = Recorder(connection)
    principals = AccountPrincipals(call, ACCOUNT)
    only_alice = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": ALICE}, "Action": "kms:*", "Resource": "*"}]})  # fmt: skip
    as_root = validate_key_policy(only_alice, root(), principals, call)
    assert [f.code for f in as_root if f.severity == ERROR] == ["POLICY_LOCKOUT"]
    assert ROOT in next(f for f in as_root if f.code == "POLICY_LOCKOUT").message
    as_alice = validate_key_policy(only_alice, Caller(ALICE, account=ACCOUNT), principals, call)
    assert not [f for f in as_alice if f.severity == ERROR]
    bypassed = validate_key_policy(only_alice, root(), principals, call, bypass=True)
    assert not [f for f in bypassed if f.severity == ERROR]


def test_before_put_key_policy_the_check_refuses_a_lockout_and_reads_iam_afresh(
    connection, account
):
    call = Recorder(connection)
    principals = AccountPrincipals(call, ACCOUNT)
    dave = f"arn:aws:iam::{ACCOUNT}:user/dave"
    with_dave = key_policy({"Effect": "Allow", "Principal": {"AWS": dave},
                            "Action": "kms:Decrypt", "Resource": "*"})  # fmt: skip
    with pytest.raises(MalformedPolicyDocumentException, match="dave.* does not exist"):
        check_key_policy(with_dave, root(), principals)
    connection.client("iam").create_user(UserName="dave")
    check_key_policy(with_dave, root(), principals)  # dave exists now: read again, accepted
    only_dave = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": dave}, "Action": "kms:*", "Resource": "*"}]})  # fmt: skip
    with pytest.raises(MalformedPolicyDocumentException) as raised:
        check_key_policy(only_dave, root(), principals)
    assert "will not allow you to update the key policy" in raised.value.message
    assert "before sending PutKeyPolicy" in raised.value.message
    check_key_policy(only_dave, root(), principals, bypass=True)


def test_an_endpoint_without_access_analyzer_gives_one_informational_finding(connection, account):
    call = Recorder(connection)
    principals = AccountPrincipals(call, ACCOUNT)
    analyzer = AccessAnalyzer(call)
    findings = validate_key_policy(key_policy(), root(), principals, call, analyzer=analyzer)
    assert [(f.severity, f.code, f.source) for f in findings] == [
        (SUGGESTION, "ACCESS_ANALYZER_UNAVAILABLE", ACCESS_ANALYZER)
    ]
    assert "UnknownOperationException" in findings[0].message
    assert call.sent.count("ValidatePolicy") == 1
    again = validate_key_policy(key_policy() + " ", root(), principals, call, analyzer=analyzer)
    assert [f.code for f in again] == ["ACCESS_ANALYZER_UNAVAILABLE"]
    assert call.sent.count("ValidatePolicy") == 1  # a lasting refusal is not asked again
    analyzer.refresh()
    validate_key_policy(key_policy(), root(), principals, call, analyzer=analyzer)
    assert call.sent.count("ValidatePolicy") == 2


def test_text_that_is_not_json_is_not_sent_to_access_analyzer(connection, account):
    call = Recorder(connection)
    findings = validate_key_policy('{"Version": ', root(), AccountPrincipals(call, ACCOUNT), call)
    assert [f.code for f in findings] == ["JSON_SYNTAX_ERROR"]
    assert "ValidatePolicy" not in call.sent


def analyzer_stub(connection: Connection) -> tuple[Stubber, Recorder]:
    stub = Stubber(connection.client("accessanalyzer"))
    return stub, Recorder(connection)


def test_access_analyzers_findings_appear_beside_the_local_ones_with_their_source(
    connection, account
):
    policy = key_policy(
        {"Sid": "Anyone", "Effect": "Allow", "Principal": {"AWS": "*"},
         "Action": "kms:Decrypt", "Resource": "*"}
    )  # fmt: skip
    star = policy.index('"*"')
    line = policy[:star].count("\n") + 1
    column = star - (policy.rfind("\n", 0, star) + 1)  # from 0, as Access Analyzer counts
    stub, call = analyzer_stub(connection)
    expected = {
        "policyDocument": policy,
        "policyType": "RESOURCE_POLICY",
        "validatePolicyResourceType": "AWS::KMS::Key",
    }
    finding = {
        "findingDetails": "Granting access to all principals is risky.",
        "findingType": "SECURITY_WARNING",
        "issueCode": "EXTERNAL_PRINCIPAL",
        "learnMoreLink": "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer",
        "locations": [{"path": [{"value": "Statement"}, {"index": 1}, {"value": "Principal"}],
                       "span": {"start": {"line": line, "column": column, "offset": star},
                                "end": {"line": line, "column": column + 3,
                                        "offset": star + 3}}}],
    }  # fmt: skip
    stub.add_response("validate_policy", {"findings": [finding], "nextToken": "page-2"}, expected)
    second = {"findingDetails": "Add a condition.", "findingType": "SUGGESTION",
              "issueCode": "EMPTY_OBJECT_PRINCIPAL", "learnMoreLink": "https://example.com",
              "locations": []}  # fmt: skip
    page_2 = {**expected, "nextToken": "page-2"}
    stub.add_response("validate_policy", {"findings": [second]}, page_2)
    with stub:
        findings = validate_key_policy(policy, root(), AccountPrincipals(call, ACCOUNT), call)
        stub.assert_no_pending_responses()
    remote = [f for f in findings if f.source == ACCESS_ANALYZER]
    assert [(f.severity, f.code) for f in remote] == [
        ("SUGGESTION", "EMPTY_OBJECT_PRINCIPAL"),
        ("SECURITY_WARNING", "EXTERNAL_PRINCIPAL"),
    ]  # sorted by position with the local ones: the one without a location at 1:1
    external = remote[1]
    assert (external.span.start.line, external.span.start.column) == (line, column + 1)
    assert policy.splitlines()[line - 1][column : column + 3] == '"*"'
    assert external.message == "Granting access to all principals is risky."
    assert "(Access Analyzer)" in str(external)
    assert external.to_json()["source"] == ACCESS_ANALYZER
    local = [f for f in findings if f.local]
    assert local and all("source" not in f.to_json() for f in local)


def test_access_denied_by_access_analyzer_is_informational_not_an_error(connection, account):
    stub, call = analyzer_stub(connection)
    stub.add_client_error(
        "validate_policy", "AccessDeniedException",
        "User is not authorized to perform: access-analyzer:ValidatePolicy", 403,
    )  # fmt: skip
    analyzer = AccessAnalyzer(call)
    principals = AccountPrincipals(call, ACCOUNT)
    with stub:
        findings = validate_key_policy(key_policy(), root(), principals, call, analyzer=analyzer)
        again = validate_key_policy(key_policy(), root(), principals, call, analyzer=analyzer)
    assert [(f.severity, f.code, f.source) for f in findings] == [
        (SUGGESTION, "ACCESS_ANALYZER_UNAVAILABLE", ACCESS_ANALYZER)
    ]
    assert "AccessDeniedException" in findings[0].message
    assert "access-analyzer:ValidatePolicy" in findings[0].message
    assert again == findings and call.sent.count("ValidatePolicy") == 1


def test_a_throttled_access_analyzer_is_asked_again_next_time(connection, account):
    stub, call = analyzer_stub(connection)
    stub.add_client_error("validate_policy", "ThrottlingException", "Rate exceeded", 429)
    stub.add_response("validate_policy", {"findings": []})
    analyzer = AccessAnalyzer(call)
    with stub:
        first = analyzer.findings(key_policy())
        second = analyzer.findings(key_policy())
    assert [f.code for f in first] == ["ACCESS_ANALYZER_UNAVAILABLE"]
    assert "ThrottlingException" in first[0].message
    assert second == []


# -- simulation --------------------------------------------------------------------------
def test_a_users_inline_iam_policy_allows_where_the_key_policy_delegates(connection, account):
    call = Recorder(connection)
    decision = simulate(
        call, policy_text=key_policy(), principal=ALICE, action="Decrypt", key_id=account["key"]
    )
    assert decision.effect == "Allow"
    assert decision.decided_by == ["Admin", "AliceDecrypts"]
    assert any(e.get("policy") == "decrypt-only" for e in decision.decisive)
    assert {"ListUserPolicies", "GetUserPolicy", "ListGrants"} <= set(call.sent)
    assert {"ListAttachedUserPolicies", "ListGroupsForUser"} <= set(call.sent)
    # What no read shows is said; every read answered.
    assert decision.unseen == list(UNSEEN_ALWAYS)
    assert decision.to_json()["explanation"]["unseen"] == decision.unseen

    encrypt = simulate(
        call, policy_text=key_policy(), principal=ALICE, action="Encrypt", key_id=account["key"]
    )
    assert encrypt.effect == "ImplicitDeny"
    assert "no identity-based policy allows the kms:Encrypt action" in str(encrypt.reason)


def test_without_a_delegating_statement_the_iam_policy_does_not_count(connection, account):
    only_root = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "RootOnly",
        "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalType": "Account"}}}]})  # fmt: skip
    decision = simulate(
        Recorder(connection),
        policy_text=only_root,
        principal=ALICE,
        action="Decrypt",
        key_id=account["key"],
    )
    assert decision.effect == "ImplicitDeny"


def test_a_grant_allows_its_grantee_and_its_sessions_within_its_constraint(connection, account):
    call = Recorder(connection)
    for principal in (DEPLOYER, SESSION):
        allowed = simulate(
            call,
            policy_text=key_policy(),
            principal=principal,
            action="Decrypt",
            key_id=account["key"],
            encryption_context={"app": "payments"},
        )
        assert allowed.effect == "Allow" and allowed.decided_by == [account["grant"]]
    wrong = simulate(
        call,
        policy_text=key_policy(),
        principal=DEPLOYER,
        action="Decrypt",
        key_id=account["key"],
        encryption_context={"app": "reports"},
    )
    assert wrong.effect == "ImplicitDeny"
    missed = [e for e in wrong.not_matched if e.get("grant_id") == account["grant"]]
    assert "EncryptionContextSubset" in missed[0]["reason"]
    assert "ListAttachedRolePolicies" in call.sent and wrong.unseen == list(UNSEEN_ALWAYS)


def test_an_identity_read_that_is_refused_is_said_with_its_error(connection, account):
    refused = ("AccessDenied", "not authorized to perform: iam:ListGroupsForUser")
    attached = ("AccessDenied", "not authorized to perform: iam:ListAttachedUserPolicies")
    call = Recorder(
        connection, fail={"ListGroupsForUser": refused, "ListAttachedUserPolicies": attached}
    )
    decision = simulate(
        call, policy_text=key_policy(), principal=ALICE, action="Decrypt", key_id=account["key"]
    )
    assert decision.effect == "Allow"  # the inline policy was read all the same
    assert list(UNSEEN_ALWAYS) == decision.unseen[: len(UNSEEN_ALWAYS)]
    said = decision.unseen[len(UNSEEN_ALWAYS) :]
    assert len(said) == 2
    assert any("ListAttachedUserPolicies failed" in u and "AccessDenied" in u for u in said)
    assert any("ListGroupsForUser failed" in u and "AccessDenied" in u for u in said)


def test_without_policy_text_the_stored_key_policy_is_read(connection, account):
    call = Recorder(connection)
    decision = simulate(
        call, policy_text=None, principal=ALICE, action="Decrypt", key_id=account["key"]
    )
    assert "GetKeyPolicy" in call.sent
    assert decision.effect == "Allow"  # the default policy delegates to the account


def test_a_read_that_fails_is_named_and_the_rest_still_decides(connection, account):
    call = Recorder(connection, fail={"ListGrants": ("AccessDeniedException", "no grants")})
    decision = simulate(
        call,
        policy_text=key_policy(),
        principal=DEPLOYER,
        action="Decrypt",
        key_id=account["key"],
        encryption_context={"app": "payments"},
    )
    assert decision.effect == "ImplicitDeny"  # the grant that allows was not seen
    assert "the key's grants: ListGrants failed (AccessDeniedException: no grants)" in (
        decision.unseen
    )


def test_attached_managed_policies_are_read_at_their_default_version(connection, account):
    arn = f"arn:aws:iam::{ACCOUNT}:policy/KmsEncrypt"
    document = {"Version": "2012-10-17", "Statement": [{"Sid": "ManagedEncrypt",
                "Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*"}]}  # fmt: skip
    answers = {
        "ListAttachedUserPolicies": lambda p: {
            "AttachedPolicies": [{"PolicyName": "KmsEncrypt", "PolicyArn": arn}],
            "IsTruncated": False,
        },
        "ListGroupsForUser": lambda p: {"Groups": [], "IsTruncated": False},
        "GetPolicy": lambda p: {"Policy": {"Arn": p["PolicyArn"], "DefaultVersionId": "v3"}},
        # As the wire has it: URL-encoded JSON.
        "GetPolicyVersion": lambda p: {
            "PolicyVersion": {"VersionId": p["VersionId"], "Document": quote(json.dumps(document))}
        },
    }
    call = Recorder(connection, answer=answers)
    decision = simulate(
        call, policy_text=key_policy(), principal=ALICE, action="Encrypt", key_id=account["key"]
    )
    assert decision.effect == "Allow" and "ManagedEncrypt" in decision.decided_by
    assert decision.unseen == list(UNSEEN_ALWAYS)


def test_a_principal_of_another_account_is_said_to_be_out_of_sight(connection, account):
    other = "arn:aws:iam::999999999999:role/partner"
    decision = simulate(
        Recorder(connection),
        policy_text=key_policy(),
        principal=other,
        action="Decrypt",
        key_id=account["key"],
    )
    assert decision.effect == "ImplicitDeny"
    assert any("belongs to account 999999999999" in u for u in decision.unseen)


def test_the_backends_simulator_reads_once_for_a_while_and_again_after_refresh(connection, account):
    now = [100.0]
    call = Recorder(connection)
    policy = AwsPolicy(call, ACCOUNT, ttl=30, clock=lambda: now[0])
    ask = {"principal": ALICE, "action": "Decrypt", "key_id": account["key"]}
    assert policy.simulate(policy_text=key_policy(), **ask).effect == "Allow"
    sent = len(call.sent)
    deny_all = key_policy({"Sid": "NoOne", "Effect": "Deny", "Principal": "*",
                           "Action": "kms:Decrypt", "Resource": "*"})  # fmt: skip
    assert policy.simulate(policy_text=deny_all, **ask).effect == "ExplicitDeny"
    assert len(call.sent) == sent  # a new text is decided on what was read
    now[0] += 31
    policy.simulate(policy_text=key_policy(), **ask)
    assert len(call.sent) == 2 * sent
    policy.refresh()
    policy.simulate(policy_text=key_policy(), **ask)
    assert len(call.sent) == 3 * sent


def test_a_key_that_does_not_exist_is_the_error_kms_gives(connection, account):
    missing = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/00000000-0000-0000-0000-000000000000"
    with pytest.raises(AwsError) as raised:
        simulate(
            Recorder(connection),
            policy_text=key_policy(),
            principal=ALICE,
            action="Decrypt",
            key_id=missing,
        )
    assert raised.value.code == "NotFoundException"


# -- the AWS backend ---------------------------------------------------------------------
def test_the_backend_checks_a_key_policy_before_put_key_policy_is_put_to_the_user(
    endpoint, account
):
    from kmstui.backends.aws import open_aws

    where = Where(region="us-east-1", endpoint_url=endpoint, fallback_credentials=KEYS)
    aws = open_aws(where, allow_writes=True)
    asked = []
    aws.set_confirm(lambda request: asked.append(request.operation) or True)
    caller = aws.root_caller()
    key_id = aws.call("CreateKey", {}, caller=caller)["KeyMetadata"]["KeyId"]
    only_alice = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": ALICE}, "Action": "kms:*", "Resource": "*"}]})  # fmt: skip
    put = {"KeyId": key_id, "PolicyName": "default", "Policy": only_alice}
    with pytest.raises(MalformedPolicyDocumentException, match="before sending PutKeyPolicy"):
        aws.call("PutKeyPolicy", put, caller=caller)
    assert asked == ["CreateKey"]  # refused before anyone was asked
    aws.call("PutKeyPolicy", {**put, "Policy": key_policy()}, caller=caller)
    assert asked == ["CreateKey", "PutKeyPolicy"]
    stored = aws.call("GetKeyPolicy", {"KeyId": key_id, "PolicyName": "default"}, caller=caller)
    assert stored["Policy"] == key_policy()
    # The editor's findings and simulator are the account's.
    findings = aws.validate_key_policy(only_alice, caller)
    assert "POLICY_LOCKOUT" in [f.code for f in findings]
    assert any(f.source == ACCESS_ANALYZER for f in findings)
    decision = aws.simulate(
        policy_text=key_policy(), principal=ALICE, action="Decrypt", key_id=key_id
    )
    assert decision.effect == "Allow" and "AliceDecrypts" in decision.decided_by
    assert decision.unseen[: len(UNSEEN_ALWAYS)] == list(UNSEEN_ALWAYS)
    aws.close()


def test_the_backend_simulates_in_the_keys_region(endpoint, account):
    from kmstui.backends.aws import open_aws

    aws = open_aws(Where(region="us-east-1", endpoint_url=endpoint, fallback_credentials=KEYS))
    away = aws.connection.client("kms", "eu-west-1").create_key()["KeyMetadata"]
    ask = {"policy_text": key_policy(), "principal": ALICE, "action": "Decrypt"}
    assert aws.simulate(key_id=away["Arn"], **ask).effect == "Allow"
    assert aws.simulate(key_id=away["KeyId"], region="eu-west-1", **ask).effect == "Allow"
    with pytest.raises(AwsError) as raised:  # a key id alone: the Region worked in
        aws.simulate(key_id=away["KeyId"], **ask)
    assert raised.value.code == "NotFoundException"
    aws.follow_region("eu-west-1")  # the console switched Region
    assert aws.simulate(key_id=away["KeyId"], **ask).effect == "Allow"
    aws.close()
