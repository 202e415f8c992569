"""What IAM stores: the records of the ``iam_users``, ``iam_roles`` and
``iam_access_keys`` tables.

Member names are IAM's; times are epoch seconds on the engine clock. A secret access
key is stored only wrapped by the root key (``WrappedSecret``).
"""

# No postponed annotations: the declarations are read at run time (NotRequired
# marks the members a record has only sometimes).
from typing import TypedDict


class Tag(TypedDict):
    Key: str
    Value: str


class UserRecord(TypedDict):
    Account: str
    UserName: str
    Path: str
    UserId: str
    Arn: str
    CreateDate: float
    Tags: list[Tag]
    Policies: dict[str, str]  # inline policies: name -> document


class RoleRecord(TypedDict):
    Account: str
    RoleName: str
    Path: str
    RoleId: str
    Arn: str
    CreateDate: float
    AssumeRolePolicyDocument: str
    Description: str
    MaxSessionDuration: int  # seconds
    Tags: list[Tag]
    Policies: dict[str, str]


class AccessKeyRecord(TypedDict):
    AccessKeyId: str
    Account: str
    UserName: str | None  # None: the account root user's key
    Status: str  # Active or Inactive
    CreateDate: float
    WrappedSecret: str
