"""The KMS service: keys, key material and rotation, envelope crypto, aliases, tags,
policies, grants and authorization. Importing this package registers every
operation."""

from kmstui.kms import (  # noqa: F401
    aliases,
    asymmetric,
    crypto,
    customkeystores,
    encapsulation,
    grants,
    imports,
    keypolicy,
    keys,
    mac,
    multiregion,
    rotation,
    signing,
    tags,
    usage,
)
from kmstui.kms.service import OPERATIONS, KmsService

__all__ = ["OPERATIONS", "KmsService"]
