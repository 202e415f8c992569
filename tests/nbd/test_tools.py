"""The volume as real block-device tools see it: nbdinfo, qemu-io, qemu-img and
nbdcopy against the NBD export, the data checked in the volume and on disk."""

from __future__ import annotations

import json
import os
import subprocess

from .conftest import address

GIB = 1024**3
MIB = 1024**2


def uri(server) -> str:
    return server.address


def run(*command: str, timeout: float = 120) -> str:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{command[0]} failed: {result.stderr or result.stdout}"
    return result.stdout


def test_nbdinfo_reports_the_size_and_block_sizes(tools, server):
    info = json.loads(run("nbdinfo", "--json", uri(server)))
    export = info["exports"][0]
    assert export["export-size"] == 1 * GIB
    assert export["block_size_minimum"] == 512
    assert export["block_size_preferred"] == 4096
    assert export["block_size_maximum"] == 32 * MIB
    assert export["can_flush"] and export["can_fua"] and export["can_trim"]
    assert export["can_zero"] and export["can_multi_conn"]
    assert not export["is_read_only"]


def test_qemu_io_patterns_at_aligned_and_unaligned_offsets_read_back(tools, served, server):
    target = uri(server)
    run(
        "qemu-io", "-f", "raw",
        "-c", "write -P 0xab 12288 512",
        "-c", "write -P 0xcd 1M 1M",
        "-c", "write -P 0x5a 300 100",
        target,
    )  # fmt: skip
    out = run(
        "qemu-io", "-f", "raw", "-r",
        "-c", "read -P 0xab 12288 512",
        "-c", "read -P 0xcd 1M 1M",
        "-c", "read -P 0x5a 300 100",
        "-c", "read -P 0 0 300",
        "-c", "read -P 0 12800 4096",
        target,
    )  # fmt: skip
    assert "Pattern verification failed" not in out
    device = served.ebs.ec2.volume_device(served.volume_id)
    assert device.read(12288, 512) == b"\xab" * 512
    assert device.read(MIB, MIB) == b"\xcd" * MIB
    backing = served.ebs.ec2.volume_path(served.volume_id).read_bytes()
    assert b"\xab" * 64 not in backing and b"\xcd" * 64 not in backing


def test_qemu_img_converts_an_image_in_and_compares_it_identical(tools, server, tmp_path):
    image = tmp_path / "disk.raw"
    with open(image, "wb") as f:
        f.truncate(8 * MIB)
        for offset in (0, 3 * MIB + 4096, 7 * MIB):
            f.seek(offset)
            f.write(os.urandom(300 * 1024))
    run("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", str(image), uri(server))
    out = run("qemu-img", "compare", "-f", "raw", "-F", "raw", str(image), uri(server))
    assert "Images are identical" in out


def test_nbdcopy_copies_the_volume_out_and_back(tools, served, server, tmp_path):
    device = served.ebs.ec2.volume_device(served.volume_id)
    device.write(5 * MIB, b"first" * 1000)
    copy = tmp_path / "copy.raw"
    run("nbdcopy", uri(server), str(copy))
    assert copy.stat().st_size == 1 * GIB
    with open(copy, "r+b") as f:
        f.seek(5 * MIB)
        assert f.read(5000) == b"first" * 1000
        f.seek(9 * MIB + 123)
        f.write(b"second" * 1000)
    run("nbdcopy", str(copy), uri(server))
    assert device.read(5 * MIB, 5000) == b"first" * 1000
    assert device.read(9 * MIB + 123, 6000) == b"second" * 1000


def test_nbdinfo_maps_holes_and_data(tools, served, server):
    device = served.ebs.ec2.volume_device(served.volume_id)
    device.write(8192, b"d" * 4096)
    extents = json.loads(run("nbdinfo", "--map", "--json", uri(server)))
    data = [(e["offset"], e["length"]) for e in extents if e["type"] == 0]
    assert data == [(8192, 4096)]
    assert sum(e["length"] for e in extents) == 1 * GIB


def test_a_unix_socket_export_serves_qemu_io(tools, served):
    server = served.start(unix=True)
    assert address(server) == server.socket_path
    run("qemu-io", "-f", "raw", "-c", "write -P 0x77 0 64k", uri(server))
    device = served.ebs.ec2.volume_device(served.volume_id)
    assert device.read(0, 65536) == b"\x77" * 65536


def test_data_written_over_nbd_verifies_with_kmstui_io_in_a_new_process(
    tools, served, server, dirs, monkeypatch, capsys
):
    from kmstui.cli import main

    run("qemu-io", "-f", "raw", "-c", "write -P 0xab 12288 512", uri(server))
    run("qemu-io", "-f", "raw", "-c", "write -P 0x3c 1M 1M", uri(server))
    served.close()  # the export ends, then the engine: the next process is a restart
    served.ebs.engine.ec2.close()
    served.ebs.engine.close()
    served.ebs.engine = None
    monkeypatch.setenv("KMSTUI_CONFIG", str(dirs[1]))
    common = ["io", served.volume_id, "--data-dir", str(dirs[0]), "--verify-only"]
    assert main([*common, "--pattern", "0xab", "--offset", "12288", "--size", "512"]) == 0
    assert main([*common, "--pattern", "0x3c", "--offset", "1m", "--size", "1m"]) == 0
    assert "all as expected" in capsys.readouterr().out
    # One sector more on each side is not the pattern: the check sees it.
    assert main([*common, "--pattern", "0xab", "--offset", "11776", "--size", "1536"]) == 1
    assert "1024 bytes differ, the first at offset 11776" in capsys.readouterr().out
