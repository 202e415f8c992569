"""What a remote account tells the simulator: a principal's IAM policies, a key's
grants and tags, read with the account's own operations.

Every read goes through ``call(service, operation, params) -> dict`` (AwsError for a
refusal), so this module knows nothing of boto3. A read that fails is not fatal: it is
named in ``unseen`` (what was not read, and why) and the simulation goes on without it,
as the answer then says."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from urllib.parse import unquote

from kmstui.errors import AwsError
from kmstui.policy.principals import ROLE, SESSION, USER, parse_principal

Call = Callable[[str, str, dict], dict]


def failed(what: str, operation: str, exc: Exception) -> str:
    """``the key's grants: ListGrants failed (AccessDeniedException: ...)``."""
    if isinstance(exc, AwsError):
        why = f"{exc.code}: {exc.message}" if exc.message else exc.code
    else:
        why = f"{type(exc).__name__}: {exc}"
    return f"{what}: {operation} failed ({why})"


def iam_pages(call: Call, operation: str, params: dict, member: str) -> Iterator:
    """Every item of an IAM listing (``Marker``, ``IsTruncated``)."""
    marker: str | None = None
    while True:
        page = call("iam", operation, {**params, **({"Marker": marker} if marker else {})})
        yield from page.get(member, [])
        marker = page.get("Marker")
        if not page.get("IsTruncated") or not marker:
            return


def kms_pages(call: Call, operation: str, params: dict, member: str) -> Iterator:
    """Every item of a KMS listing (``Marker``, ``Truncated``, ``NextMarker``)."""
    marker: str | None = None
    while True:
        page = call("kms", operation, {**params, **({"Marker": marker} if marker else {})})
        yield from page.get(member, [])
        marker = page.get("NextMarker")
        if not page.get("Truncated") or not marker:
            return


def document_text(document: object) -> str:
    """A policy document as IAM answers it (boto3 parses it into a dict; the wire has
    it URL-encoded) as JSON text."""
    if isinstance(document, dict):
        return json.dumps(document)
    text = str(document)
    return unquote(text) if text.lstrip().startswith("%") else text


class IdentityPolicies:
    """The IAM policies of one principal of the account: a user's inline and attached
    managed policies and those of its groups, or a role's (a role session's role)."""

    def __init__(self, call: Call, account: str):
        self.call = call
        self.account = account
        self.unseen: list[str] = []
        self.policies: list[tuple[str, str]] = []  # (name as the answer shows it, text)

    def read(self, principal: str) -> list[tuple[str, str]]:
        who = parse_principal(principal)
        if who.kind in (USER, ROLE, SESSION) and who.account != self.account:
            self.unseen.append(
                f"the IAM policies of {principal}: it belongs to account {who.account}, "
                "whose IAM is not read from here"
            )
        elif who.kind == USER and who.name:
            self._user(who.name)
        elif who.kind in (ROLE, SESSION) and who.name:
            self._role(who.name)
        elif who.kind not in ("root", "service", "anonymous"):
            self.unseen.append(f"the IAM policies of {principal}: not a user or role")
        return self.policies

    def _user(self, name: str) -> None:
        what = f"the inline policies of user {name}"
        try:
            inline = list(
                iam_pages(self.call, "ListUserPolicies", {"UserName": name}, "PolicyNames")
            )
        except AwsError as exc:
            if exc.code == "NoSuchEntity":
                self.unseen.append(f"user {name}: IAM has no such user ({exc.message})")
                return
            self.unseen.append(failed(what, "ListUserPolicies", exc))
            inline = []
        for policy in inline:
            self._inline("GetUserPolicy", {"UserName": name, "PolicyName": policy}, policy)
        self._attached("ListAttachedUserPolicies", {"UserName": name}, f"user {name}")
        try:
            groups = list(iam_pages(self.call, "ListGroupsForUser", {"UserName": name}, "Groups"))
        except AwsError as exc:
            self.unseen.append(failed(f"the groups of user {name}", "ListGroupsForUser", exc))
            groups = []
        for group in groups:
            self._group(group["GroupName"])

    def _group(self, group: str) -> None:
        try:
            inline = list(
                iam_pages(self.call, "ListGroupPolicies", {"GroupName": group}, "PolicyNames")
            )
        except AwsError as exc:
            self.unseen.append(
                failed(f"the inline policies of group {group}", "ListGroupPolicies", exc)
            )
            inline = []
        for policy in inline:
            params = {"GroupName": group, "PolicyName": policy}
            self._inline("GetGroupPolicy", params, f"{policy} (group {group})")
        self._attached("ListAttachedGroupPolicies", {"GroupName": group}, f"group {group}")

    def _role(self, name: str) -> None:
        what = f"the inline policies of role {name}"
        try:
            inline = list(
                iam_pages(self.call, "ListRolePolicies", {"RoleName": name}, "PolicyNames")
            )
        except AwsError as exc:
            if exc.code == "NoSuchEntity":
                self.unseen.append(f"role {name}: IAM has no such role ({exc.message})")
                return
            self.unseen.append(failed(what, "ListRolePolicies", exc))
            inline = []
        for policy in inline:
            self._inline("GetRolePolicy", {"RoleName": name, "PolicyName": policy}, policy)
        self._attached("ListAttachedRolePolicies", {"RoleName": name}, f"role {name}")

    def _inline(self, operation: str, params: dict, label: str) -> None:
        try:
            answer = self.call("iam", operation, params)
        except AwsError as exc:
            self.unseen.append(failed(f"the inline policy {label}", operation, exc))
            return
        self.policies.append((label, document_text(answer.get("PolicyDocument", ""))))

    def _attached(self, operation: str, params: dict, owner: str) -> None:
        try:
            attached = list(iam_pages(self.call, operation, params, "AttachedPolicies"))
        except AwsError as exc:
            self.unseen.append(failed(f"the managed policies attached to {owner}", operation, exc))
            return
        for policy in attached:
            self._managed(policy["PolicyArn"], policy.get("PolicyName") or policy["PolicyArn"])

    def _managed(self, arn: str, name: str) -> None:
        label = f"{name} (managed)"
        operation = "GetPolicy"
        try:
            version = self.call("iam", operation, {"PolicyArn": arn})["Policy"]["DefaultVersionId"]
            operation = "GetPolicyVersion"
            answer = self.call("iam", operation, {"PolicyArn": arn, "VersionId": version})
        except AwsError as exc:
            self.unseen.append(failed(f"the managed policy {arn}", operation, exc))
            return
        document = answer.get("PolicyVersion", {}).get("Document", "")
        self.policies.append((label, document_text(document)))


def key_record(call: Call, key_id: str) -> dict:
    """DescribeKey's metadata in the shape the request context reads (AwsError if the
    key cannot be described)."""
    meta = call("kms", "DescribeKey", {"KeyId": key_id})["KeyMetadata"]
    multi = (meta.get("MultiRegionConfiguration") or {}).get("MultiRegionKeyType")
    return {
        "Arn": meta["Arn"],
        "KeyId": meta["KeyId"],
        "AWSAccountId": meta["AWSAccountId"],
        "KeySpec": meta.get("KeySpec") or meta.get("CustomerMasterKeySpec", "SYMMETRIC_DEFAULT"),
        "KeyUsage": meta.get("KeyUsage", "ENCRYPT_DECRYPT"),
        "Origin": meta.get("Origin", "AWS_KMS"),
        "KeyManager": meta.get("KeyManager", "CUSTOMER"),
        "MultiRegionKeyType": multi,
        "Tags": [],
    }


def key_grants(call: Call, key_arn: str, unseen: list[str]) -> list[dict]:
    try:
        return list(kms_pages(call, "ListGrants", {"KeyId": key_arn}, "Grants"))
    except AwsError as exc:
        unseen.append(failed("the key's grants", "ListGrants", exc))
        return []


def key_tags(call: Call, key_arn: str, unseen: list[str]) -> list[dict]:
    try:
        return list(kms_pages(call, "ListResourceTags", {"KeyId": key_arn}, "Tags"))
    except AwsError as exc:
        unseen.append(
            failed("the key's tags (aws:ResourceTag conditions)", "ListResourceTags", exc)
        )
        return []
