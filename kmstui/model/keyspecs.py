"""What each KeySpec can do, as AWS KMS's service model and key-spec reference state it.

For every KeySpec: the KeyUsage values CreateKey accepts, and for each usage the
algorithm lists DescribeKey and GetPublicKey return. Specs no well-kept library
implements here are refused as unsupported (``UNSUPPORTED_SPECS``)."""

from __future__ import annotations

from typing import Any

SYMMETRIC = "SYMMETRIC_DEFAULT"
RSA_SPECS = ("RSA_2048", "RSA_3072", "RSA_4096")
NIST_SPECS = ("ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521")
HMAC_SPECS = ("HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512")
ML_DSA_SPECS = ("ML_DSA_44", "ML_DSA_65", "ML_DSA_87")
ML_KEM_SPECS = ("ML_KEM_512", "ML_KEM_768", "ML_KEM_1024")

RSA_SIGNING = (
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
    "RSASSA_PSS_SHA_256",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PSS_SHA_512",
)
RSA_ENCRYPTION = ("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256")

# KeySpec -> {KeyUsage: (algorithm member of the metadata, its algorithms)}
_TABLE: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    SYMMETRIC: {"ENCRYPT_DECRYPT": ("EncryptionAlgorithms", (SYMMETRIC,))},
    **{
        spec: {
            "ENCRYPT_DECRYPT": ("EncryptionAlgorithms", RSA_ENCRYPTION),
            "SIGN_VERIFY": ("SigningAlgorithms", RSA_SIGNING),
        }
        for spec in RSA_SPECS
    },
    **{
        spec: {
            "SIGN_VERIFY": ("SigningAlgorithms", (f"ECDSA_SHA_{bits}",)),
            "KEY_AGREEMENT": ("KeyAgreementAlgorithms", ("ECDH",)),
        }
        for spec, bits in zip(NIST_SPECS, (256, 384, 512), strict=True)
    },
    "ECC_SECG_P256K1": {"SIGN_VERIFY": ("SigningAlgorithms", ("ECDSA_SHA_256",))},
    "ECC_NIST_EDWARDS25519": {
        "SIGN_VERIFY": ("SigningAlgorithms", ("ED25519_SHA_512", "ED25519_PH_SHA_512"))
    },
    **{
        spec: {"SIGN_VERIFY": ("SigningAlgorithms", ("ML_DSA_SHAKE_256",))} for spec in ML_DSA_SPECS
    },
    **{
        spec: {"GENERATE_VERIFY_MAC": ("MacAlgorithms", (f"HMAC_SHA_{spec[5:]}",))}
        for spec in HMAC_SPECS
    },
    **{
        spec: {"ENCAPSULATE_DECAPSULATE": ("EncapsulationAlgorithms", ("ML_KEM",))}
        for spec in ML_KEM_SPECS
    },
    "SM2": {
        "SIGN_VERIFY": ("SigningAlgorithms", ("SM2DSA",)),
        "ENCRYPT_DECRYPT": ("EncryptionAlgorithms", ("SM2PKE",)),
        "KEY_AGREEMENT": ("KeyAgreementAlgorithms", ("ECDH",)),
    },
}
# In the order of AWS's KeySpec enum (validation messages list them so).
KEY_SPECS = (
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "ECC_NIST_P256",
    "ECC_NIST_P384",
    "ECC_NIST_P521",
    "ECC_SECG_P256K1",
    "SYMMETRIC_DEFAULT",
    "HMAC_224",
    "HMAC_256",
    "HMAC_384",
    "HMAC_512",
    "SM2",
    "ML_DSA_44",
    "ML_DSA_65",
    "ML_DSA_87",
    "ECC_NIST_EDWARDS25519",
    "ML_KEM_512",
    "ML_KEM_768",
    "ML_KEM_1024",
)

# Specs AWS defines that this engine refuses, and why (the README lists them).
UNSUPPORTED_SPECS = {
    "SM2": "KeySpec SM2 is supported only in the China (Beijing) and China (Ningxia) Regions.",
    "ML_KEM_512": "KeySpec ML_KEM_512 is not supported: no library the engine uses implements it.",
}

# The byte length of HMAC key material per spec (the spec names its bits).
HMAC_KEY_BYTES = {spec: int(spec[5:]) // 8 for spec in HMAC_SPECS}

# DataKeyPairSpec values, in the order of AWS's enum (SM2 and ML_KEM_512 are refused).
DATA_KEY_PAIR_SPEC_ENUM = (
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "ECC_NIST_P256",
    "ECC_NIST_P384",
    "ECC_NIST_P521",
    "ECC_SECG_P256K1",
    "SM2",
    "ECC_NIST_EDWARDS25519",
    "ML_KEM_512",
    "ML_KEM_768",
    "ML_KEM_1024",
)


def usages(spec: str) -> tuple[str, ...]:
    """The KeyUsage values a key of this spec may have."""
    return tuple(_TABLE[spec])


def algorithms(spec: str, usage: str) -> tuple[str, ...]:
    return _TABLE[spec][usage][1]


def metadata_algorithms(spec: str, usage: str) -> dict[str, Any]:
    """The algorithm member DescribeKey and GetPublicKey return for this spec and usage
    (EncryptionAlgorithms, SigningAlgorithms, MacAlgorithms, KeyAgreementAlgorithms or
    EncapsulationAlgorithms)."""
    member, names = _TABLE[spec][usage]
    return {member: list(names)}


def is_asymmetric(spec: str) -> bool:
    return spec != SYMMETRIC and spec not in HMAC_SPECS


def key_kind(spec: str, usage: str) -> str:
    """How AWS's documentation names the key's type, for messages."""
    if spec == SYMMETRIC:
        return "symmetric encryption KMS key"
    if spec in HMAC_SPECS:
        return "HMAC KMS key"
    return f"asymmetric KMS key with KeyUsage {usage}"


# The hash each signing algorithm applies to a RAW message (and the digest length a
# DIGEST message must have).
SIGNING_HASHES = {
    "RSASSA_PKCS1_V1_5_SHA_256": "sha256",
    "RSASSA_PKCS1_V1_5_SHA_384": "sha384",
    "RSASSA_PKCS1_V1_5_SHA_512": "sha512",
    "RSASSA_PSS_SHA_256": "sha256",
    "RSASSA_PSS_SHA_384": "sha384",
    "RSASSA_PSS_SHA_512": "sha512",
    "ECDSA_SHA_256": "sha256",
    "ECDSA_SHA_384": "sha384",
    "ECDSA_SHA_512": "sha512",
    "ED25519_PH_SHA_512": "sha512",
}
DIGEST_BYTES = {"sha256": 32, "sha384": 48, "sha512": 64}


def oaep_max_plaintext(spec: str, algorithm: str) -> int:
    """The largest plaintext RSAES_OAEP takes under a key of this size: the modulus
    bytes less twice the hash length less two."""
    modulus = int(spec[4:]) // 8
    hash_len = 20 if algorithm == "RSAES_OAEP_SHA_1" else 32
    return modulus - 2 * hash_len - 2
