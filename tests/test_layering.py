"""The engine packages never import Textual: the console is one face of the engine,
not part of it."""

from __future__ import annotations

import subprocess
import sys

ENGINE_MODULES = ["kmstui.engine", "kmstui.kms", "kmstui.store", "kmstui.policy", "kmstui.ebs",
                  "kmstui.ebs.service", "kmstui.ebs.workloads", "kmstui.iam", "kmstui.api.server",
                  "kmstui.commands.call"]


def test_engine_packages_do_not_import_textual():
    script = (
        "import importlib, sys\n"
        f"for name in {ENGINE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "", f"textual imported: {result.stdout.strip()}"


def test_no_engine_source_file_mentions_textual_in_an_import():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "kmstui"
    offenders = []
    for package in ("kms", "ebs", "policy", "store", "iam", "api"):
        for path in (root / package).rglob("*.py"):
            for line in path.read_text().splitlines():
                stripped = line.strip()
                if stripped.startswith(("import textual", "from textual")):
                    offenders.append(f"{path.relative_to(root)}: {stripped}")
    assert offenders == []
