"""RunInstances, DescribeInstances, TerminateInstances: EC2's shapes and codes."""

from __future__ import annotations

import pytest

from kmstui.errors import AwsError


def test_run_instances_returns_a_reservation_of_pending_instances(ebs):
    reservation = ebs.call(
        "RunInstances",
        {
            "ImageId": "ami-0abc1234",
            "InstanceType": "t3.micro",
            "MinCount": 2,
            "MaxCount": 2,
            "TagSpecifications": [
                {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}
            ],
        },
    )
    assert reservation["ReservationId"].startswith("r-")
    assert reservation["OwnerId"] == "111122223333"
    assert [i["State"]["Name"] for i in reservation["Instances"]] == ["pending", "pending"]
    assert [i["AmiLaunchIndex"] for i in reservation["Instances"]] == [0, 1]
    assert reservation["Instances"][0]["Tags"] == [{"Key": "Name", "Value": "web"}]
    assert reservation["Instances"][0]["Placement"]["AvailabilityZone"] == "us-east-1a"


def test_describe_instances_groups_by_reservation_and_filters_by_tag(ebs):
    web = ebs.instance(
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}]
    )
    ebs.instance()
    found = ebs.call("DescribeInstances", {"Filters": [{"Name": "tag:Name", "Values": ["web"]}]})
    [reservation] = found["Reservations"]
    assert [i["InstanceId"] for i in reservation["Instances"]] == [web]
    assert reservation["Instances"][0]["State"] == {"Code": 16, "Name": "running"}


def test_terminate_instances_reports_previous_and_current_state(ebs):
    instance_id = ebs.instance()
    [change] = ebs.call("TerminateInstances", {"InstanceIds": [instance_id]})[
        "TerminatingInstances"
    ]
    assert change["PreviousState"] == {"Code": 16, "Name": "running"}
    assert change["CurrentState"] == {"Code": 32, "Name": "shutting-down"}


@pytest.mark.parametrize(
    "operation, params, code",
    [
        ("RunInstances", {"MinCount": 1, "MaxCount": 1}, "MissingParameter"),
        (
            "RunInstances",
            {"ImageId": "image", "MinCount": 1, "MaxCount": 1},
            "InvalidAMIID.Malformed",
        ),
        (
            "RunInstances",
            {"ImageId": "ami-1", "MinCount": 3, "MaxCount": 2},
            "InvalidParameterValue",
        ),
        (
            "DescribeInstances",
            {"InstanceIds": ["i-0123456789abcdef0"]},
            "InvalidInstanceID.NotFound",
        ),
        ("DescribeInstances", {"InstanceIds": ["instance"]}, "InvalidInstanceID.Malformed"),
        (
            "TerminateInstances",
            {"InstanceIds": ["i-0123456789abcdef0"]},
            "InvalidInstanceID.NotFound",
        ),
        (
            "DescribeVolumes",
            {"Filters": [{"Name": "colour", "Values": ["red"]}]},
            "InvalidParameterValue",
        ),
        ("DescribeVolumes", {"MaxResults": 2}, "InvalidParameterValue"),
        (
            "DescribeVolumes",
            {"MaxResults": 5, "VolumeIds": ["vol-0123456789abcdef0"]},
            "InvalidParameterCombination",
        ),
    ],
)
def test_bad_requests_get_ec2_error_codes(ebs, operation, params, code):
    with pytest.raises(AwsError) as caught:
        ebs.call(operation, params)
    assert caught.value.code == code


def test_other_regions_do_not_see_a_volume(ebs):
    volume_id = ebs.volume()
    west = ebs.engine.root_caller("us-west-2")
    assert ebs.call("DescribeVolumes", caller=west)["Volumes"] == []
    with pytest.raises(AwsError) as caught:
        ebs.call("DeleteVolume", {"VolumeId": volume_id}, caller=west)
    assert caught.value.code == "InvalidVolume.NotFound"
