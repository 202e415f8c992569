"""The Query protocols' decoding and XML encoding on their own, along the models."""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request
from xml.etree import ElementTree as ET

import pytest

from kmstui.api import sigv4
from kmstui.api import xml as xmlwire
from kmstui.api.query import decode, parse_form
from kmstui.errors import AwsError
from kmstui.model import load

from .conftest import REGION
from .query_helpers import client, text


@pytest.fixture(scope="module")
def iam():
    return load("iam")


@pytest.fixture(scope="module")
def ec2():
    return load("ec2")


def test_query_lists_of_structures_in_index_order(iam):
    fields = {
        "UserName": "u",
        "Tags.member.2.Key": "b",
        "Tags.member.2.Value": "2",
        "Tags.member.10.Key": "c",
        "Tags.member.10.Value": "3",
        "Tags.member.1.Key": "a",
        "Tags.member.1.Value": "1",
        "Unknown.member.1": "ignored",
    }
    assert decode(iam, "CreateUser", fields) == {
        "UserName": "u",
        "Tags": [
            {"Key": "a", "Value": "1"},
            {"Key": "b", "Value": "2"},
            {"Key": "c", "Value": "3"},
        ],
    }


def test_scalars_convert_when_they_read_as_their_type(iam):
    assert decode(iam, "ListUsers", {"MaxItems": "5"}) == {"MaxItems": 5}
    assert decode(iam, "ListUsers", {"MaxItems": "five"}) == {"MaxItems": "five"}


def test_ec2_flat_lists_and_query_names(ec2):
    fields = {
        "VolumeId.1": "vol-1",
        "VolumeId.2": "vol-2",
        "Filter.1.Name": "status",
        "Filter.1.Value.1": "available",
        "Filter.1.Value.2": "in-use",
        "DryRun": "false",
    }
    assert decode(ec2, "DescribeVolumes", fields) == {
        "VolumeIds": ["vol-1", "vol-2"],
        "Filters": [{"Name": "status", "Values": ["available", "in-use"]}],
        "DryRun": False,
    }


def test_names_deeper_than_any_shape_are_ignored(iam):
    deep = "Tags.member.1." + ".".join(["x"] * 40)
    assert decode(iam, "CreateUser", {"UserName": "u", deep: "v"}) == {"UserName": "u"}


def test_a_body_that_is_not_form_encoded_utf8_is_refused():
    with pytest.raises(AwsError) as excinfo:
        parse_form(b"Action=ListUsers&UserName=%ff")
    assert excinfo.value.code == "MalformedQueryString"


def test_timestamps_are_iso_8601_utc():
    assert xmlwire.timestamp(0) == "1970-01-01T00:00:00.000Z"
    when = dt.datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=dt.UTC)
    assert xmlwire.timestamp(when) == "2026-01-02T03:04:05.600Z"


def test_xml_escapes_text(iam):
    body = xmlwire.response(iam, "GetUser", {"User": {"UserName": "a<&>b", "Path": "/"}}, "req-1")
    root = ET.fromstring(body)
    assert text(root, "GetUserResult/User/UserName") == "a<&>b"


def test_tag_values_with_markup_round_trip(api):
    iam = client(api, "iam")
    name = "markup-user"
    iam.create_user(UserName=name, Tags=[{"Key": "k", "Value": '<v> & "q"'}])
    assert iam.get_user(UserName=name)["User"]["Tags"] == [{"Key": "k", "Value": '<v> & "q"'}]


def test_malformed_body_is_an_xml_error(api):
    body = b"Action=ListUsers&Version=2010-05-08&PathPrefix=%ff"
    headers = sigv4.sign(
        "POST",
        api.url + "/",
        {"Content-Type": "application/x-www-form-urlencoded"},
        body,
        access_key=api.root.access_key_id,
        secret_key=api.root.secret,
        region=REGION,
        service="iam",
    )
    request = urllib.request.Request(api.url + "/", data=body, headers=headers, method="POST")
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(request, timeout=10)
    with excinfo.value as exc:
        status, raw = exc.code, exc.read()
    root = ET.fromstring(raw)
    assert status == 400 and text(root, "Error/Code") == "MalformedQueryString"
