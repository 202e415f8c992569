"""IAM principals: users, roles, their inline policies and access keys.

``IamService(engine).operations`` maps each IAM operation name to the callable the
engine routes it to; the service also answers the engine's questions about principals
(identity policies, whether a principal exists, access-key lookups).
"""

from kmstui.iam import operations as _operations  # noqa: F401  (registers the operations)
from kmstui.iam.service import OPERATIONS, AccessKeyIdentity, IamService

__all__ = ["OPERATIONS", "AccessKeyIdentity", "IamService"]
