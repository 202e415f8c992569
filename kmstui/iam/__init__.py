"""IAM principals: users, roles, their inline policies and access keys.

The engine routes each IAM operation name in ``IamService.operations`` to the
service's dispatcher; the service also answers the other services' and the faces'
questions about principals (identity policies, whether a principal exists, access-key
lookups).
"""

from kmstui.iam import operations as _operations  # noqa: F401  (registers the operations)
from kmstui.iam.service import OPERATIONS, AccessKeyIdentity, IamService

__all__ = ["OPERATIONS", "AccessKeyIdentity", "IamService"]
