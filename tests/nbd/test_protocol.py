"""The NBD server spoken to byte by byte: the handshake's options, requests aligned
and not, pipelined, refused, and the connection's end when the volume is detached."""

from __future__ import annotations

import os
import stat
import struct

import pytest

from kmstui.nbd import protocol as p

from .client import Client
from .conftest import address

GIB = 1024**3


def test_greeting_and_go_on_the_default_export_report_size_flags_and_block_sizes(server):
    with Client(address(server)) as client:
        flags = client.greet()
        assert flags == p.FLAG_FIXED_NEWSTYLE | p.FLAG_NO_ZEROES
        replies = client.info("", (p.INFO_BLOCK_SIZE, p.INFO_NAME), go=True)
        assert replies[-1].kind == p.REP_ACK
        infos = {struct.unpack_from(">H", r.data)[0]: r.data for r in replies[:-1]}
        assert client.size == 1 * GIB
        assert client.flags & p.TFLAG_SEND_FLUSH and client.flags & p.TFLAG_SEND_FUA
        assert client.flags & p.TFLAG_SEND_TRIM and client.flags & p.TFLAG_SEND_WRITE_ZEROES
        assert not client.flags & p.TFLAG_READ_ONLY
        assert struct.unpack(">HIII", infos[p.INFO_BLOCK_SIZE])[1:] == (512, 4096, 32 << 20)
        assert infos[p.INFO_NAME][2:].decode() == server.exports.default.name
        assert client.read(0, 4096) == bytes(4096)


def test_list_names_the_volume_and_an_unknown_export_is_refused(served, server):
    with Client(address(server)) as client:
        client.greet()
        client.option(p.OPT_LIST)
        listed = client.replies_until_final()
        assert listed[-1].kind == p.REP_ACK
        assert [r.data[4:].decode() for r in listed[:-1]] == [served.volume_id]
        refused = client.info("vol-0000000000000000", go=True)
        assert refused[-1].kind == p.REP_ERR_UNKNOWN
        # The same connection can still choose the volume by its id.
        assert client.info(served.volume_id, go=True)[-1].kind == p.REP_ACK
        assert client.write(0, b"x" * 512) == 0


def test_unsupported_options_are_refused_and_abort_is_acknowledged(server):
    with Client(address(server)) as client:
        client.greet()
        client.option(p.OPT_STARTTLS)
        assert client.option_reply().kind == p.REP_ERR_UNSUP
        client.option(12345)
        assert client.option_reply().kind == p.REP_ERR_UNSUP
        client.option(p.OPT_LIST, b"junk")
        assert client.option_reply().kind == p.REP_ERR_INVALID
        client.option(p.OPT_GO, b"\x00\x00\x00\x09ab")  # a name longer than the data
        assert client.option_reply().kind == p.REP_ERR_INVALID
        client.option(p.OPT_ABORT)
        assert client.option_reply().kind == p.REP_ACK
        assert client.closed_by_server()


def test_old_style_export_name_option_enters_transmission(server):
    with Client(address(server)) as client:
        client.greet(p.CLIENT_FLAG_FIXED_NEWSTYLE)  # without NO_ZEROES: 124 zeros follow
        client.option(p.OPT_EXPORT_NAME, b"")
        size, flags = struct.unpack(">QH", client.recv_exactly(10))
        assert size == 1 * GIB and flags & p.TFLAG_HAS_FLAGS
        assert client.recv_exactly(124) == bytes(124)
        assert client.write(8192, b"old" * 100) == 0
        assert client.read(8192, 300) == b"old" * 100


def test_unknown_export_name_in_the_old_option_closes_the_connection(server):
    with Client(address(server)) as client:
        client.greet()
        client.option(p.OPT_EXPORT_NAME, b"vol-nope")
        assert client.closed_by_server()


@pytest.mark.parametrize("structured", [False, True])
def test_unaligned_requests_are_read_modify_write_inside_and_across_units(server, structured):
    with Client(address(server)) as client:
        client.connect(structured=structured)
        base = bytes(range(256)) * 64  # 16 KiB, every byte known
        assert client.write(0, base) == 0
        assert client.write(4000, b"\xaa" * 200) == 0  # across the unit boundary at 4096
        assert client.write(5000, b"\xbb" * 7) == 0  # inside one unit
        expected = bytearray(base)
        expected[4000:4200] = b"\xaa" * 200
        expected[5000:5007] = b"\xbb" * 7
        assert client.read(0, len(base)) == bytes(expected)
        assert client.read(3999, 203) == bytes(expected[3999:4202])
        assert client.read(1, 1) == bytes(expected[1:2])


def test_pipelined_requests_are_all_answered_with_their_cookies(server):
    with Client(address(server)) as client:
        client.connect()
        for n in range(64):
            client.send(p.CMD_WRITE, n * 4096, 4096, cookie=1000 + n, data=bytes([n]) * 4096)
        assert sorted(client.reply()[:2] for _ in range(64)) == [(1000 + n, 0) for n in range(64)]
        for n in range(64):
            client.send(p.CMD_READ, n * 4096 + 100, 50, cookie=n)
        answers = {}
        for _ in range(64):
            cookie, error, data = client.reply(50)
            answers[cookie] = (error, data)
        assert answers == {n: (0, bytes([n]) * 50) for n in range(64)}


def test_requests_out_of_range_or_too_big_get_the_protocols_errors(server):
    with Client(address(server)) as client:
        client.connect()
        assert client.command(p.CMD_READ, GIB - 512, 1024) == p.EINVAL
        assert client.command(p.CMD_TRIM, GIB - 512, 1024) == p.ENOSPC
        client.send(p.CMD_WRITE, GIB - 100, 200, data=b"z" * 200)
        assert client.reply()[1] == p.ENOSPC
        assert client.command(p.CMD_READ, 0, p.MAX_BLOCK + 1) == p.EINVAL
        assert client.command(p.CMD_BLOCK_STATUS, 0, 4096) == p.EINVAL
        assert client.command(99, 0, 0) == p.EINVAL
        # The connection is still good after every refusal.
        assert client.read(GIB - 512, 512) == bytes(512)


def test_a_write_larger_than_the_maximum_block_size_ends_the_connection(server):
    with Client(address(server)) as client:
        client.connect()
        client.send(p.CMD_WRITE, 0, p.MAX_BLOCK + 4096)
        assert client.closed_by_server()


def test_a_request_with_a_bad_magic_ends_the_connection(server):
    with Client(address(server)) as client:
        client.connect()
        client.sock.sendall(b"\x00" * p.REQUEST.size)
        assert client.closed_by_server()


def test_trim_and_write_zeroes_read_back_as_zeros_and_flush_and_fua_succeed(server):
    with Client(address(server)) as client:
        client.connect()
        assert client.write(0, b"\x55" * 65536, flags=p.CMD_FLAG_FUA) == 0
        assert client.command(p.CMD_TRIM, 4096, 8192) == 0
        assert client.command(p.CMD_WRITE_ZEROES, 20000, 1000) == 0
        assert client.command(p.CMD_WRITE_ZEROES, 32768, 8192, flags=p.CMD_FLAG_NO_HOLE) == 0
        assert client.command(p.CMD_FLUSH) == 0
        data = client.read(0, 65536)
        expected = bytearray(b"\x55" * 65536)
        for start, length in ((4096, 8192), (20000, 1000), (32768, 8192)):
            expected[start : start + length] = bytes(length)
        assert data == bytes(expected)


def test_a_read_only_export_refuses_writes_with_eperm(served):
    server = served.start(read_only=True)
    with Client(address(server)) as client:
        client.connect()
        assert client.flags & p.TFLAG_READ_ONLY
        assert client.write(0, b"no" * 256) == p.EPERM
        assert client.command(p.CMD_TRIM, 0, 4096) == p.EPERM
        assert client.read(0, 512) == bytes(512)


def test_disconnect_request_closes_after_answering_what_came_before(server):
    with Client(address(server)) as client:
        client.connect()
        client.send(p.CMD_WRITE, 0, 512, cookie=7, data=b"d" * 512)
        client.disconnect()
        assert client.reply()[:2] == (7, 0)
        assert client.closed_by_server()


def test_detaching_the_volume_ends_every_connection_and_new_ones_are_refused(served, server):
    first, second = Client(address(server)), Client(address(server))
    with first, second:
        first.connect()
        second.connect(structured=True)
        assert first.write(0, b"a" * 4096) == 0
        served.ebs.detach(served.volume_id)
        assert first.closed_by_server()
        assert second.closed_by_server()
    with Client(address(server)) as late:
        late.greet()
        refused = late.info("", go=True)[-1]
        assert refused.kind == p.REP_ERR_UNKNOWN
        assert b"IncorrectState" in refused.data


def test_a_unix_socket_export_is_private_to_its_user(served):
    server = served.start(unix=True)
    mode = stat.S_IMODE(os.stat(server.socket_path).st_mode)
    assert mode == 0o600
    with Client(server.socket_path) as client:
        client.connect()
        assert client.write(4096, b"u" * 4096) == 0
        assert client.read(4096, 4096) == b"u" * 4096


def test_data_written_over_nbd_is_ciphertext_on_disk_and_survives_a_restart(served, server):
    pattern = b"kmstui-nbd-plaintext-marker!" * 146  # 4088 bytes, easy to find if leaked
    with Client(address(server)) as client:
        client.connect()
        assert client.write(12288, pattern, flags=p.CMD_FLAG_FUA) == 0
    backing = served.ebs.ec2.volume_path(served.volume_id)
    assert b"kmstui-nbd-plaintext-marker" not in backing.read_bytes()
    served.close()
    served.ebs.restart()
    device = served.ebs.ec2.volume_device(served.volume_id)
    assert device.read(12288, len(pattern)) == pattern


def test_an_option_longer_than_any_real_one_ends_the_connection(server):
    with Client(address(server)) as client:
        client.greet()
        client.sock.sendall(p.OPTION_HEADER.pack(p.IHAVEOPT, p.OPT_GO, 1 << 30))
        assert client.closed_by_server()


def test_clients_at_once_each_see_their_own_writes_and_each_others(server):
    import threading

    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            with Client(address(server)) as client:
                client.connect(structured=n % 2 == 1)
                for i in range(20):
                    offset = (n * 100 + i) * 4096 + 7  # unaligned, its own units
                    assert client.write(offset, bytes([n + 1]) * 4000) == 0
                    assert client.read(offset, 4000) == bytes([n + 1]) * 4000
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with Client(address(server)) as client:
        client.connect()
        for n in range(6):
            assert client.read(n * 100 * 4096 + 7, 4000) == bytes([n + 1]) * 4000


def test_stopping_the_instance_ends_the_export(served, server):
    with Client(address(server)) as client:
        client.connect()
        assert client.write(0, b"s" * 512) == 0
        served.ebs.call("StopInstances", {"InstanceIds": [served.instance_id]})
        assert client.closed_by_server()
