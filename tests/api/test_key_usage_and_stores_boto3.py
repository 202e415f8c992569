"""GetKeyLastUsage and custom key stores through boto3: the shapes botocore parses and
AWS's error codes."""

from __future__ import annotations

import datetime

import pytest
from botocore.exceptions import ClientError

from .conftest import client_error


@pytest.fixture(scope="module")
def kms(api):
    return api.client()


def test_get_key_last_usage(kms):
    key = kms.create_key()["KeyMetadata"]
    fresh = kms.get_key_last_usage(KeyId=key["KeyId"])
    assert fresh["KeyLastUsage"] == {} and fresh["KeyId"] == key["KeyId"]
    assert isinstance(fresh["TrackingStartDate"], datetime.datetime)
    kms.generate_data_key(KeyId=key["Arn"], KeySpec="AES_256")
    last = kms.get_key_last_usage(KeyId=key["Arn"])["KeyLastUsage"]
    assert last["Operation"] == "GenerateDataKey"
    assert isinstance(last["Timestamp"], datetime.datetime)
    assert (
        len(last["CloudTrailEventId"]) == 36 and last["KmsRequestId"] == last["CloudTrailEventId"]
    )
    with pytest.raises(ClientError) as excinfo:
        kms.get_key_last_usage(KeyId="alias/aws/ebs")
    assert client_error(excinfo)[0] == "NotFoundException"
