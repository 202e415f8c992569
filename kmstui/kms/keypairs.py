"""Asymmetric key pairs: generating them for a KeySpec, and their encodings.

Private keys travel as PKCS#8 DER (wrapped by the root key before they are stored),
public keys as DER SubjectPublicKeyInfo, as GetPublicKey returns them. Under seeded
entropy generation is reproducible: EC and Edwards keys derive from seeded bytes,
ML-DSA and ML-KEM keys from seeded seeds, and RSA keys are picked from fixture keys
(``fixtures/rsa-*.pem``) because RSA generation cannot be seeded."""

from __future__ import annotations

from importlib import resources
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, mldsa, mlkem, rsa

from kmstui.entropy import Entropy
from kmstui.kms.rsapool import RsaPool

CURVES: dict[str, type[ec.EllipticCurve]] = {
    "ECC_NIST_P256": ec.SECP256R1,
    "ECC_NIST_P384": ec.SECP384R1,
    "ECC_NIST_P521": ec.SECP521R1,
    "ECC_SECG_P256K1": ec.SECP256K1,
}
ML_DSA: dict[str, Any] = {
    "ML_DSA_44": mldsa.MLDSA44PrivateKey,
    "ML_DSA_65": mldsa.MLDSA65PrivateKey,
    "ML_DSA_87": mldsa.MLDSA87PrivateKey,
}
ML_KEM: dict[str, Any] = {
    "ML_KEM_768": mlkem.MLKEM768PrivateKey,
    "ML_KEM_1024": mlkem.MLKEM1024PrivateKey,
}
RSA_BITS = {"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}


def generate(spec: str, entropy: Entropy, rsa_pool: RsaPool | None = None) -> Any:
    """A new private key of the spec: real generation (RSA keys from ``rsa_pool``, made
    ahead of need, when given), or reproducible when ``entropy`` is seeded."""
    seeded = entropy.seeded
    if spec in RSA_BITS:
        if seeded:
            return _rsa_fixture(RSA_BITS[spec], entropy)
        if rsa_pool is not None:
            return rsa_pool.take(RSA_BITS[spec])
        return rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS[spec])
    if spec in CURVES:
        curve = CURVES[spec]()
        if not seeded:
            return ec.generate_private_key(curve)
        size = (curve.key_size + 7) // 8
        excess = size * 8 - curve.key_size
        while True:  # a scalar in [1, order): rejection sampling over seeded bytes
            value = int.from_bytes(entropy.token_bytes(size), "big") >> excess
            try:
                return ec.derive_private_key(value, curve)
            except ValueError:
                continue
    if spec == "ECC_NIST_EDWARDS25519":
        if seeded:
            return ed25519.Ed25519PrivateKey.from_private_bytes(entropy.token_bytes(32))
        return ed25519.Ed25519PrivateKey.generate()
    if spec in ML_DSA:
        if seeded:
            return ML_DSA[spec].from_seed_bytes(entropy.token_bytes(32))
        return ML_DSA[spec].generate()
    if spec in ML_KEM:
        if seeded:
            return ML_KEM[spec].from_seed_bytes(entropy.token_bytes(64))
        return ML_KEM[spec].generate()
    raise ValueError(f"no key pair for KeySpec {spec}")


def _rsa_fixture(bits: int, entropy: Entropy) -> rsa.RSAPrivateKey:
    """One of the fixture keys of this size, picked by the seeded entropy."""
    text = (resources.files("kmstui.kms") / "fixtures" / f"rsa-{bits}.pem").read_bytes()
    end = b"-----END PRIVATE KEY-----"
    blocks = [block + end for block in text.split(end) if block.strip()]
    # the seeded stream's next eight bytes pick the fixture
    block = blocks[int.from_bytes(entropy.token_bytes(8), "big") % len(blocks)]
    # the engine's own fixtures: checking the key's consistency again only costs time
    key = serialization.load_pem_private_key(
        block, password=None, unsafe_skip_rsa_key_validation=True
    )
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def private_der(key: Any) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_der(key: Any) -> bytes:
    """DER SubjectPublicKeyInfo of a private or public key."""
    public = key.public_key() if hasattr(key, "public_key") else key
    return public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_private(der: bytes) -> Any:
    """A private key the engine made (and stored wrapped, so it is not checked again)."""
    return serialization.load_der_private_key(
        der, password=None, unsafe_skip_rsa_key_validation=True
    )


def spec_of(private: Any) -> str | None:
    """The KeySpec a private key is of (None for a key of no KMS spec)."""
    if isinstance(private, rsa.RSAPrivateKey):
        return f"RSA_{private.key_size}" if private.key_size in (2048, 3072, 4096) else None
    if isinstance(private, ec.EllipticCurvePrivateKey):
        return next((s for s, c in CURVES.items() if isinstance(private.curve, c)), None)
    if isinstance(private, ed25519.Ed25519PrivateKey):
        return "ECC_NIST_EDWARDS25519"
    for table in (ML_DSA, ML_KEM):
        for spec, kind in table.items():
            if isinstance(private, kind):
                return spec
    return None
