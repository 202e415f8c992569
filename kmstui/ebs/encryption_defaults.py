"""EBS encryption by default and the default KMS key, per account and region:
Enable/Disable/GetEbsEncryptionByDefault, Modify/Get/ResetEbsDefaultKmsKeyId."""

from __future__ import annotations

from kmstui.caller import Caller
from kmstui.ebs import resources
from kmstui.ebs.datakeys import via_service
from kmstui.ebs.operations import CallContext, operation
from kmstui.ebs.settings import DEFAULT_EBS_KEY


@operation("EnableEbsEncryptionByDefault")
def enable(service, params: dict, caller: Caller, ctx: CallContext) -> dict:
    service.settings.set_encryption_by_default(caller.account, caller.region, True)
    return {"EbsEncryptionByDefault": True}


@operation("DisableEbsEncryptionByDefault")
def disable(service, params: dict, caller: Caller, ctx: CallContext) -> dict:
    service.settings.set_encryption_by_default(caller.account, caller.region, False)
    return {"EbsEncryptionByDefault": False}


@operation("GetEbsEncryptionByDefault")
def get(service, params: dict, caller: Caller, ctx: CallContext) -> dict:
    return {
        "EbsEncryptionByDefault": service.settings.encryption_by_default(
            caller.account, caller.region
        ),
        "SseType": "sse-ebs",
    }


@operation("ModifyEbsDefaultKmsKeyId")
def modify_key(service, params: dict, caller: Caller, ctx: CallContext) -> dict:
    """The key must exist and be describable by the caller through EC2 (DescribeKey);
    the KMS error is returned otherwise. Stored and returned as the key ARN."""
    key_id = resources.string(params, "KmsKeyId", optional=False)
    described = service.call_service(
        "DescribeKey", {"KeyId": key_id}, caller.via(via_service(caller.region))
    )
    arn = described["KeyMetadata"]["Arn"]
    ctx.touch(arn)
    service.settings.set_default_kms_key(caller.account, caller.region, arn)
    return {"KmsKeyId": arn}


@operation("GetEbsDefaultKmsKeyId")
def get_key(service, params: dict, caller: Caller, ctx: CallContext) -> dict:
    return {"KmsKeyId": service.settings.default_kms_key(caller.account, caller.region)}


@operation("ResetEbsDefaultKmsKeyId")
def reset_key(service, params: dict, caller: Caller, ctx: CallContext) -> dict:
    service.settings.set_default_kms_key(caller.account, caller.region, None)
    return {"KmsKeyId": DEFAULT_EBS_KEY}
