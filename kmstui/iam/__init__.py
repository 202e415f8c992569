"""IAM principals: users, roles, their inline policies and access keys.

The engine routes each IAM operation name in ``IamService.operations`` to the
service's dispatcher; the service also answers the other services' and the faces'
questions about principals (identity policies, whether a principal exists, access-key
lookups).
"""

# Importing the operation modules registers their operations.
from kmstui.iam import access_keys, policies, roles, users  # noqa: F401
from kmstui.iam.service import OPERATIONS, AccessKeyIdentity, IamService

__all__ = ["OPERATIONS", "AccessKeyIdentity", "IamService"]
