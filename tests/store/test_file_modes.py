"""Whatever the umask, everything kmstui makes in its data and config directories is
private to its user: 0700 folders, 0600 files."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap

# Runs in its own process: the umask is process-wide.
SCRIPT = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    os.umask(0)
    from kmstui.cli import main
    from kmstui.store.eventlog import EventLog
    from kmstui.ui.config import ConsoleConfig

    data, config = Path(sys.argv[1]), Path(sys.argv[2])
    assert main(["call", "CreateKey", "--data-dir", str(data)]) == 0  # seeds: volumes too
    assert main(["call", "CreateKey", "--data-dir", str(data)]) == 0  # a last good copy
    assert main(["clock", "advance", "1d", "--data-dir", str(data)]) == 0
    with EventLog(data / "events-small", segment_bytes=64) as log:  # sealed: an index
        for n in range(5):
            log.append({"n": n, "pad": "x" * 40})
        log.flush()
    ConsoleConfig.load(config).save_theme("nord")
    (data / "kmstui.json").write_bytes(b"")
    assert main(["doctor", "--restore", "--data-dir", str(data)]) == 0
""")


def test_everything_made_in_the_data_and_config_directories_is_private(tmp_path):
    data, config = tmp_path / "made" / "data", tmp_path / "config-parent" / "config"
    env = {**os.environ, "KMSTUI_CONFIG": str(config)}
    env.pop("KMSTUI_PASSPHRASE", None)
    subprocess.run(
        [sys.executable, "-c", SCRIPT, str(data), str(config)],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    found = {"dirs": 0, "files": 0}
    wrong = []
    for top in (tmp_path / "made", tmp_path / "config-parent"):
        for path in [top, *top.rglob("*")]:
            mode = stat.S_IMODE(path.lstat().st_mode)
            if path.is_dir():
                found["dirs"] += 1
                if mode != 0o700:
                    wrong.append(f"{path} {mode:o}")
            else:
                found["files"] += 1
                if mode != 0o600:
                    wrong.append(f"{path} {mode:o}")
    names = {path.name for path in tmp_path.rglob("*")}
    for expected in (
        "kmstui.json",
        "kmstui.json.bak",
        ".lock",
        ".writer.lock",
        "index.json",
        "root.key",
        "config.toml",
        "volumes",
    ):
        assert expected in names
    assert any(name.endswith(".img") for name in names)  # a volume's backing file
    assert any(name.startswith("kmstui.json.damaged-") for name in names)
    assert not wrong, wrong
