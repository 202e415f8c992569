"""The pool of RSA keys generated ahead of need: filled only for sizes asked for, each
key handed out once, stopped with its engine, unused by seeded engines."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization

from kmstui.entropy import Entropy
from kmstui.kms.rsapool import RsaPool

WAIT = 120  # an upper bound for a 2048-bit generation on a loaded machine, not a timing


def _public_numbers(key):
    return key.public_key().public_numbers().n


def test_the_pool_fills_the_sizes_asked_for_and_hands_each_key_out_once():
    pool = RsaPool(depth=1)
    try:
        assert pool.ready(2048) == 0 and pool._thread is None  # nothing asked, nothing made
        first = pool.take(2048)
        assert first.key_size == 2048
        assert pool.wait_filled(2048, WAIT)
        assert pool.ready(2048) == 1 and pool.ready(4096) == 0
        second = pool.take(2048)
        assert pool.ready(2048) == 0
        assert _public_numbers(first) != _public_numbers(second)
    finally:
        pool.close()
    assert pool._thread is not None and not pool._thread.is_alive()
    assert pool.ready(2048) == 0


def test_an_engine_serves_rsa_keys_from_its_pool_and_stops_it(make_engine):
    engine = make_engine(entropy=Entropy())
    pool = engine.kms.rsa_pool
    pool.depth = 1
    engine.call("CreateKey", {"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"})
    assert pool.wait_filled(2048, WAIT)
    waiting = _public_numbers(pool._ready[2048][0])
    key = engine.call("CreateKey", {"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"})
    public = engine.call("GetPublicKey", {"KeyId": key["KeyMetadata"]["KeyId"]})["PublicKey"]
    assert serialization.load_der_public_key(public).public_numbers().n == waiting
    engine.close()
    assert not pool._thread.is_alive() and pool.ready(2048) == 0


def test_a_seeded_engine_does_not_use_the_pool(engine):
    engine.call("CreateKey", {"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"})
    assert engine.kms.rsa_pool._thread is None
