"""The NIST CAVP XTSGenAES256 vectors (from the ``cryptography_vectors`` package)
through both XTS paths: OpenSSL's libcrypto and the batched numpy path.

Only vectors whose data unit is whole 16-byte blocks apply: the engine never
uses ciphertext stealing, so the 140- and 250-bit units are filtered out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kmstui.ebs.xts import XtsCipher

cryptography_vectors = pytest.importorskip("cryptography_vectors")

XTS_DIR = Path(cryptography_vectors.__file__).parent / "ciphers" / "AES" / "XTS"
FILES = {
    "tweak-128hexstr": XTS_DIR / "tweak-128hexstr" / "XTSGenAES256.rsp",
    "tweak-dataunitseqno": XTS_DIR / "tweak-dataunitseqno" / "XTSGenAES256.rsp",
}


def load_vectors(path: Path) -> list[dict]:
    """Parse a CAVP .rsp file into dicts, each tagged with its [ENCRYPT]/[DECRYPT] section."""
    vectors: list[dict] = []
    section = None
    current: dict | None = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        name, _, value = (part.strip() for part in line.partition("="))
        if name == "COUNT":
            current = {"section": section, "COUNT": int(value)}
            vectors.append(current)
        elif current is not None:
            current[name] = value
    return vectors


def tweak_of(vector: dict) -> bytes:
    if "i" in vector:
        return bytes.fromhex(vector["i"])
    return int(vector["DataUnitSeqNumber"]).to_bytes(16, "little")


def whole_block_vectors(name: str) -> list[dict]:
    return [v for v in load_vectors(FILES[name]) if int(v["DataUnitLen"]) % 128 == 0]


@pytest.mark.parametrize("name", sorted(FILES))
def test_whole_block_vectors_exist_in_both_directions(name):
    vectors = whole_block_vectors(name)
    assert sum(v["section"] == "ENCRYPT" for v in vectors) > 0
    assert sum(v["section"] == "DECRYPT" for v in vectors) > 0


def make_cipher(key: bytes, libcrypto: bool) -> XtsCipher:
    cipher = XtsCipher(key, libcrypto=libcrypto)
    if libcrypto and not cipher.uses_libcrypto:
        pytest.skip("libcrypto not available on this platform")
    return cipher


@pytest.mark.parametrize("libcrypto", [True, False], ids=["libcrypto", "numpy"])
@pytest.mark.parametrize("name", sorted(FILES))
def test_cavp_xts_aes256_vectors_pass(name, libcrypto):
    ran = 0
    for vector in whole_block_vectors(name):
        key = bytes.fromhex(vector["Key"])
        plaintext = bytes.fromhex(vector["PT"])
        ciphertext = bytes.fromhex(vector["CT"])
        assert len(plaintext) * 8 == int(vector["DataUnitLen"])
        cipher = make_cipher(key, libcrypto)
        if vector["section"] == "ENCRYPT":
            got = cipher._run_with_tweaks(
                [tweak_of(vector)], plaintext, len(plaintext), encrypt=True
            )
            assert got == ciphertext, f"{name} ENCRYPT COUNT={vector['COUNT']}"
        else:
            got = cipher._run_with_tweaks(
                [tweak_of(vector)], ciphertext, len(plaintext), encrypt=False
            )
            assert got == plaintext, f"{name} DECRYPT COUNT={vector['COUNT']}"
        ran += 1
    # Of the 1000 vectors (both directions), 200 have 256-bit units and 400 have
    # 384-bit units; the 140- and 250-bit ones are left out.
    assert ran == 600


@pytest.mark.parametrize("libcrypto", [True, False], ids=["libcrypto", "numpy"])
def test_vectors_of_one_length_pass_together_as_one_batch(libcrypto):
    vectors = [
        v
        for v in whole_block_vectors("tweak-128hexstr")
        if v["section"] == "ENCRYPT" and int(v["DataUnitLen"]) == 384
    ]
    by_key: dict[bytes, list[dict]] = {}
    for vector in vectors:
        by_key.setdefault(bytes.fromhex(vector["Key"]), []).append(vector)
    # Each vector has its own key, so batch the same vector under its key several times
    # at different positions of the batch.
    for key, group in list(by_key.items())[:20]:
        vector = group[0]
        batch = [tweak_of(vector)] * 5
        plaintext = bytes.fromhex(vector["PT"]) * 5
        got = make_cipher(key, libcrypto)._run_with_tweaks(batch, plaintext, 48, encrypt=True)
        assert got == bytes.fromhex(vector["CT"]) * 5
