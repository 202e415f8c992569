"""The key policies KMS writes itself: the default policy a customer managed key
gets when CreateKey names none, and the policy of AWS managed keys such as
``alias/aws/ebs``."""

from __future__ import annotations

import json

# Services whose AWS managed keys this engine creates on first use.
MANAGED_KEY_SERVICES = {
    "alias/aws/ebs": (
        "ec2",
        "Default key that protects my EBS volumes when no other key is defined",
    ),
}

# Aliases AWS lists in every account even before their key exists.
PREDEFINED_AWS_ALIASES = ("alias/aws/ebs",)


def default_key_policy(account: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Id": "key-default-1",
            "Statement": [
                {
                    "Sid": "Enable IAM User Permissions",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        },
        indent=2,
    )


def managed_key_policy(alias_name: str, account: str, region: str) -> str:
    service, _ = MANAGED_KEY_SERVICES[alias_name]
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Id": f"auto-{alias_name.rsplit('/', 1)[1]}-2",
            "Statement": [
                {
                    "Sid": "Allow access through EBS for all principals in the account that are "
                    "authorized to use EBS",
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": [
                        "kms:Encrypt",
                        "kms:Decrypt",
                        "kms:ReEncrypt*",
                        "kms:GenerateDataKey*",
                        "kms:CreateGrant",
                        "kms:DescribeKey",
                    ],
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {
                            "kms:CallerAccount": account,
                            "kms:ViaService": f"{service}.{region}.amazonaws.com",
                        }
                    },
                },
                {
                    "Sid": "Allow direct access to key metadata to the account",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                    "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"],
                    "Resource": "*",
                },
            ],
        },
        indent=2,
    )


def managed_key_to_be(alias_name: str, account: str, region: str) -> dict:
    """The AWS managed key ``alias_name`` will be once it is first used, as far as an
    authorization decision reads it (its policy and properties): not a key record (no
    id, no material), and nothing is saved. Its ARN is the alias's."""
    _service, description = MANAGED_KEY_SERVICES[alias_name]
    return {
        "KeyId": "",
        "Arn": f"arn:aws:kms:{region}:{account}:{alias_name}",
        "AWSAccountId": account,
        "Region": region,
        "Description": description,
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "Origin": "AWS_KMS",
        "KeyManager": "AWS",
        "KeyState": "Enabled",
        "Policy": managed_key_policy(alias_name, account, region),
        "Tags": [],
    }
