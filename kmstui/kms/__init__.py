"""The KMS service: keys, key material and rotation, envelope crypto, aliases, tags,
policies, grants and authorization. Importing this package registers every
operation."""

from kmstui.kms import aliases, crypto, grants, keypolicy, keys, rotation, tags  # noqa: F401
from kmstui.kms.service import OPERATIONS, KmsService

__all__ = ["OPERATIONS", "KmsService"]
