"""The story ``kmstui demo`` tells, step by step, through the console's backend only.

A CMK with the seed key policy and what the validator says about it; an encrypted
volume (EC2 asks KMS for a data key); attach (a grant, then Decrypt as the
instance's infrastructure role); I/O that never calls KMS; rotation that changes
nothing for the volume; a disabled key that the attached volume does not notice,
and a re-attach that KMS refuses.

Each step runs on the demo's worker thread and returns what to say about what
happened. Nothing here imports Textual, so a test can play the whole story
headless and check that it is the same every time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kmstui.errors import AwsError
from kmstui.jsonlines import loads_line

DEMO_TIME = 1_800_000_000.0  # 2027-01-15T08:00:00Z, as in the tests
DEMO_SEED = "kmstui-demo"
STEP_SECONDS = 60.0  # the engine clock moves this far between steps
ALIAS = "alias/ebs-volumes"
WORKLOAD = {
    "rw": "randrw",
    "bs": "4k",
    "iodepth": 32,
    "rate_iops": 1000,
    "runtime": 600.0,
    "seed": 7,
}


@dataclass
class StoryState:
    backend: Any  # a kmstui.backends.Backend with EC2, workloads and a clock
    key_id: str = ""
    instance_id: str = ""
    volume_id: str = ""
    job: Any = None
    notes: dict[str, Any] = field(default_factory=dict)

    def call(self, operation: str, params: dict | None = None) -> dict:
        """A request as the account's root user."""
        return self.backend.call(operation, params, caller=self.backend.root_caller())


@dataclass(frozen=True)
class Step:
    title: str
    why: str
    run: Callable[[StoryState], str]
    pause: float = 4.0  # seconds on screen at --speed 1


def _create_key(state: StoryState) -> str:
    from kmstui.sample import seed_policy_text

    meta = state.call(
        "CreateKey", {"Policy": seed_policy_text(), "Description": "CMK for EBS volume encryption"}
    )
    state.key_id = meta["KeyMetadata"]["KeyId"]
    state.call("CreateAlias", {"AliasName": ALIAS, "TargetKeyId": state.key_id})
    return f"CreateKey made {state.key_id}; CreateAlias named it {ALIAS}."


def _findings(state: StoryState) -> str:
    from kmstui.sample import seed_policy_text

    backend = state.backend
    findings = backend.validate_key_policy(seed_policy_text(), backend.root_caller())
    state.notes["findings"] = findings
    lines = [
        f"{f.span.start.line}:{f.span.start.column} {f.severity} {f.code}: {f.message}"
        for f in findings
    ]
    return "\n".join(lines) or "No findings."


def _create_volume(state: StoryState) -> str:
    reservation = state.call(
        "RunInstances",
        {
            "ImageId": "ami-0kmstui00000000",
            "InstanceType": "t3.micro",
            "MinCount": 1,
            "MaxCount": 1,
            "Placement": {"AvailabilityZone": f"{state.backend.region}a"},
            "TagSpecifications": [
                {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web-1"}]}
            ],
        },
    )
    state.instance_id = reservation["Instances"][0]["InstanceId"]
    volume = state.call(
        "CreateVolume",
        {
            "Size": 8,
            "VolumeType": "gp3",
            "AvailabilityZone": f"{state.backend.region}a",
            "Encrypted": True,
            "KmsKeyId": ALIAS,
        },
    )
    state.volume_id = volume["VolumeId"]
    return (
        f"{state.volume_id}: EC2 called GenerateDataKeyWithoutPlaintext (64 bytes, "
        f"context aws:ebs:id={state.volume_id}); the volume stores the DEK wrapped."
    )


def _attach(state: StoryState) -> str:
    state.call(
        "AttachVolume",
        {"VolumeId": state.volume_id, "InstanceId": state.instance_id, "Device": "/dev/sdf"},
    )
    recent = map(loads_line, reversed(state.backend.events.recent_lines()))
    decrypt = next((r for r in recent if r.get("eventName") == "Decrypt"), None)
    decided = ", ".join((decrypt or {}).get("decision", {}).get("decidedBy") or []) or "?"
    state.notes["grant"] = decided
    return (
        f"Attached to {state.instance_id}. Decrypt by assumed-role/aws:ec2-infrastructure/"
        f"{state.instance_id} was allowed by grant {decided[:12]}…"
    )


def _run_io(state: StoryState) -> str:
    state.job = state.backend.workloads.start(state.volume_id, dict(WORKLOAD))
    return (
        "database 4k random: randrw, bs 4k, iodepth 32, 1,000 IOPS. "
        "Watch the throughput move while KMS calls stay at zero."
    )


def _rotate(state: StoryState) -> str:
    response = state.call("RotateKeyOnDemand", {"KeyId": state.key_id})
    return (
        f"RotateKeyOnDemand on {response.get('KeyId', state.key_id)[:8]}…: new key "
        "material for new data keys. The volume's DEK was not touched; I/O goes on."
    )


def _disable(state: StoryState) -> str:
    state.call("DisableKey", {"KeyId": state.key_id})
    return (
        "DisableKey: the key refuses every cryptographic call now. The attached volume "
        "keeps its DEK in memory, so its I/O goes on."
    )


def _reattach(state: StoryState) -> str:
    if state.job is not None:
        state.backend.workloads.stop(state.volume_id)
    state.call("DetachVolume", {"VolumeId": state.volume_id})
    try:
        state.call(
            "AttachVolume",
            {"VolumeId": state.volume_id, "InstanceId": state.instance_id, "Device": "/dev/sdf"},
        )
    except AwsError as exc:
        state.notes["refused"] = exc.code
        return f"Detached (DEK wiped). Re-attach refused: {exc.code}: {exc.message}"
    return "Re-attach went through (the key was enabled again meanwhile)."


def _hand_over(state: StoryState) -> str:
    return (
        "The console is yours: 1 Keys (enable the key again), 3 Volumes (attach, "
        "workloads), 4 Monitor. Press ? for every key."
    )


STEPS = [
    Step(
        "Create a CMK with the seed key policy",
        "The key policy decides who may use the key; EC2 will call KMS for the volume.",
        _create_key,
    ),
    Step(
        "What the validator says about that policy",
        "Valid, but three true findings: each is a way the policy is broader or weaker "
        "than it looks.",
        _findings,
        pause=7.0,
    ),
    Step(
        "Create an encrypted volume",
        "Every volume gets its own data key (DEK), kept only wrapped by the CMK.",
        _create_volume,
    ),
    Step(
        "Attach the volume to an instance",
        "EC2 grants the instance Decrypt on this volume's context, then decrypts the "
        "DEK into memory: see the Decrypt event and the grant that allowed it.",
        _attach,
        pause=6.0,
    ),
    Step(
        "Run I/O on the volume",
        "Sectors are encrypted with the DEK (AES-256-XTS); bulk I/O never calls KMS.",
        _run_io,
        pause=8.0,
    ),
    Step("Rotate the key", "Rotation adds key material; old wrapped DEKs still decrypt.", _rotate),
    Step(
        "Disable the key",
        "An attached volume already holds its DEK: disabling the CMK does not stop it.",
        _disable,
        pause=6.0,
    ),
    Step(
        "Detach, then attach again",
        "Without an enabled CMK, EC2 cannot decrypt the DEK again.",
        _reattach,
        pause=6.0,
    ),
    Step(
        "Your turn",
        "The story is over; everything you saw is in the event history.",
        _hand_over,
        pause=0.0,
    ),
]


def advance(state: StoryState) -> None:
    """The engine clock moves on a fixed amount per step, so times repeat every run."""
    state.backend.clock.advance(STEP_SECONDS)


def play(
    backend,
    *,
    narrate: Callable[[int, Step, str], None] | None = None,
    wait: Callable[[float], object] | None = None,
) -> StoryState:
    """Play every step: ``narrate(number, step, detail)`` after each, then
    ``wait(step.pause)``. ``backend`` has workloads and a clock (the embedded
    engine's)."""
    state = StoryState(backend)
    for number, step in enumerate(STEPS, start=1):
        if number > 1:
            advance(state)
        try:
            detail = step.run(state)
        except AwsError as exc:
            detail = f"{exc.code}: {exc.message}"
        if narrate is not None:
            narrate(number, step, detail)
        if wait is not None and step.pause:
            wait(step.pause)
    return state
