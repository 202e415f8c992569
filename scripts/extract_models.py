"""Write kmstui/model/*.json from the AWS service models that botocore ships.

Run by hand (botocore is a test dependency, never a runtime one) after upgrading
botocore or adding an operation to the engine:

    python scripts/extract_models.py

For KMS every operation of the model is kept, served or not; for IAM, EC2 and STS,
the operations the engine serves. Each operation keeps its input and output shape and
every shape they reach, reduced to what a request check and an event need: type,
members, required members, length and value bounds, pattern, enum and the sensitive
flag. Documentation is dropped.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import botocore
from botocore.loaders import create_loader

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "kmstui" / "model"
sys.path.insert(0, str(ROOT))

# What each service keeps: None for every operation of the model, else the module whose
# OPERATIONS table lists what the engine serves.
SERVICES: dict[str, str | None] = {
    "kms": None,
    "iam": "kmstui.iam.service",
    "ec2": "kmstui.ebs.service",
    "sts": "kmstui.api.sts",
}
KEPT = ("type", "required", "min", "max", "pattern", "enum", "sensitive", "box", "flattened")
# What the Query protocols' names need, kept per member under "wire": the name a member
# is sent or answered under, and whether a list is flattened.
WIRE = ("locationName", "queryName", "flattened")
LICENSE = (
    "Derived from the AWS service model shipped by botocore {version} "
    "(https://github.com/boto/botocore, Apache License 2.0)."
)


def served(module_name: str) -> list[str] | None:
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None  # the engine does not serve this service yet
    if module_name == "kmstui.ebs.service":  # its table lives beside the service
        module = importlib.import_module("kmstui.ebs.operations")
    return sorted(module.OPERATIONS)


def reduce_shape(shape: dict) -> dict:
    out = {name: shape[name] for name in KEPT if name in shape}
    kind = shape["type"]
    if kind == "structure":
        members = shape.get("members", {})
        out["members"] = {name: ref["shape"] for name, ref in members.items()}
        wire = {
            name: {key: ref[key] for key in WIRE if key in ref}
            for name, ref in members.items()
            if any(key in ref for key in WIRE)
        }
        if wire:
            out["wire"] = wire
    elif kind == "list":
        out["member"] = shape["member"]["shape"]
        if "locationName" in shape["member"]:
            out["memberName"] = shape["member"]["locationName"]
    elif kind == "map":
        out["key"] = shape["key"]["shape"]
        out["value"] = shape["value"]["shape"]
    return out


def reachable(shapes: dict, roots: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = [root for root in roots if root]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = shapes[name]
        if shape["type"] == "structure":
            todo.extend(ref["shape"] for ref in shape.get("members", {}).values())
        elif shape["type"] == "list":
            todo.append(shape["member"]["shape"])
        elif shape["type"] == "map":
            todo.extend((shape["key"]["shape"], shape["value"]["shape"]))
    return seen


def extract(service: str, wanted: list[str] | None) -> dict | None:
    model = create_loader().load_service_model(service, "service-2")
    names = sorted(model["operations"]) if wanted is None else wanted
    operations = {}
    for name in names:
        op = model["operations"].get(name)
        if op is None:
            raise SystemExit(f"{service} serves {name}, which botocore's model lacks")
        operations[name] = {
            "input": op.get("input", {}).get("shape"),
            "output": op.get("output", {}).get("shape"),
        }
        wrapper = op.get("output", {}).get("resultWrapper")
        if wrapper:
            operations[name]["resultWrapper"] = wrapper
    roots = [op[end] for op in operations.values() for end in ("input", "output") if op[end]]
    shapes = {
        name: reduce_shape(model["shapes"][name])
        for name in sorted(reachable(model["shapes"], roots))
    }
    if not operations:
        return None
    return {
        "source": LICENSE.format(version=botocore.__version__),
        "botocoreVersion": botocore.__version__,
        "apiVersion": model["metadata"]["apiVersion"],
        "protocol": model["metadata"]["protocol"],
        "xmlNamespace": namespace(model["metadata"]),
        "operations": operations,
        "shapes": shapes,
    }


def namespace(metadata: dict) -> str | None:
    """The XML namespace of the service's answers (EC2's model gives it without the
    trailing slash its answers carry)."""
    value = metadata.get("xmlNamespace")
    if isinstance(value, dict):
        value = value.get("uri")
    if value is not None and not value.endswith("/"):
        value += "/"
    return value


def write(path: Path, data: dict) -> None:
    """One operation or shape a line, so an upgrade's diff reads well."""
    lines = ["{"]
    for key in ("source", "botocoreVersion", "apiVersion", "protocol", "xmlNamespace"):
        lines.append(f"{json.dumps(key)}:{json.dumps(data[key])},")
    for section in ("operations", "shapes"):
        entries = data[section]
        lines.append(f'"{section}":{{')
        body = [
            f"{json.dumps(name)}:{json.dumps(value, separators=(',', ':'), sort_keys=True)}"
            for name, value in entries.items()
        ]
        lines.append(",\n".join(body))
        lines.append("}," if section == "operations" else "}")
    lines.append("}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    json.loads(path.read_text(encoding="utf-8"))  # what was written reads back


def main() -> int:
    for service, module_name in SERVICES.items():
        wanted = None if module_name is None else served(module_name)
        if module_name is not None and wanted is None:
            print(f"{service}: not served by the engine, skipped")
            continue
        data = extract(service, wanted)
        if data is None:
            continue
        path = OUT / f"{service}.json"
        write(path, data)
        print(
            f"{path.relative_to(ROOT)}: {len(data['operations'])} operations, "
            f"{len(data['shapes'])} shapes, {path.stat().st_size} bytes"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
