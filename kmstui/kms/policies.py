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
