"""The engine packages never import Textual: the console is one face of the engine,
not part of it."""

from __future__ import annotations

import subprocess
import sys

ENGINE_MODULES = ["kmstui.engine", "kmstui.kms", "kmstui.store", "kmstui.policy", "kmstui.ebs",
                  "kmstui.iam"]


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
