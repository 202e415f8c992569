"""Independent checks with the `openssl` command line: signatures and RSA ciphertexts
are checked against the public key GetPublicKey returned, never against the engine's
own code."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="the openssl command is not installed")

_DIGESTS = {"256": "-sha256", "384": "-sha384", "512": "-sha512"}


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    assert OPENSSL is not None
    return subprocess.run([OPENSSL, *args], cwd=cwd, capture_output=True, check=False)


def public_pem(public_der: bytes, workdir: Path) -> Path:
    """The DER SubjectPublicKeyInfo as a PEM file, converted by openssl itself."""
    (workdir / "pub.der").write_bytes(public_der)
    done = _run(
        "pkey", "-pubin", "-inform", "DER", "-in", "pub.der", "-out", "pub.pem", cwd=workdir
    )
    assert done.returncode == 0, done.stderr
    return workdir / "pub.pem"


def verify(
    public_der: bytes, algorithm: str, message: bytes, signature: bytes, workdir: Path
) -> bool:
    """Whether openssl accepts the signature of the RAW message."""
    public_pem(public_der, workdir)
    (workdir / "msg.bin").write_bytes(message)
    (workdir / "sig.bin").write_bytes(signature)
    if algorithm == "ED25519_SHA_512":
        args = ["pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin"]
        args += ["-in", "msg.bin", "-sigfile", "sig.bin"]
    else:
        args = ["dgst", _DIGESTS[algorithm[-3:]], "-verify", "pub.pem", "-signature", "sig.bin"]
        if algorithm.startswith("RSASSA_PSS"):
            args += ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"]
        args.append("msg.bin")
    return _run(*args, cwd=workdir).returncode == 0


def rsa_oaep_encrypt(public_der: bytes, algorithm: str, plaintext: bytes, workdir: Path) -> bytes:
    public_pem(public_der, workdir)
    (workdir / "plain.bin").write_bytes(plaintext)
    digest = "sha1" if algorithm == "RSAES_OAEP_SHA_1" else "sha256"
    done = _run(
        "pkeyutl",
        "-encrypt",
        "-pubin",
        "-inkey",
        "pub.pem",
        "-pkeyopt",
        "rsa_padding_mode:oaep",
        "-pkeyopt",
        f"rsa_oaep_md:{digest}",
        "-pkeyopt",
        f"rsa_mgf1_md:{digest}",
        "-in",
        "plain.bin",
        "-out",
        "cipher.bin",
        cwd=workdir,
    )
    assert done.returncode == 0, done.stderr
    return (workdir / "cipher.bin").read_bytes()
