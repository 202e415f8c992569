"""How the console groups and writes key types, read from the engine's KeySpec x
KeyUsage table (:mod:`kmstui.model.keyspecs`): the four types the create-key form offers,
the specs and usages valid for each, and the short "spec usage" label of the key list."""

from __future__ import annotations

from kmstui.model import keyspecs

# (type, what the form calls it), in the form's order
KEY_TYPES = (
    ("symmetric", "Symmetric: encrypt and decrypt"),
    ("asymmetric", "Asymmetric: RSA, ECC, ML-DSA"),
    ("hmac", "HMAC: generate and verify MACs"),
    ("kem", "Key encapsulation: ML-KEM"),
)
ORIGINS = (
    ("AWS_KMS", "AWS_KMS: KMS makes the key material"),
    ("EXTERNAL", "EXTERNAL: import my own material"),
)
# KeyUsage in one word, for the key list
USAGE_WORDS = {
    "ENCRYPT_DECRYPT": "encrypt",
    "SIGN_VERIFY": "sign",
    "GENERATE_VERIFY_MAC": "mac",
    "KEY_AGREEMENT": "agree",
    "ENCAPSULATE_DECAPSULATE": "kem",
}
MARKS = {"EXT": "imported material", "MR": "multi-Region"}


def key_type(spec: str) -> str:
    """Which of :data:`KEY_TYPES` a KeySpec belongs to."""
    if spec == keyspecs.SYMMETRIC:
        return "symmetric"
    if spec in keyspecs.HMAC_SPECS:
        return "hmac"
    if keyspecs.usages(spec) == ("ENCAPSULATE_DECAPSULATE",):
        return "kem"
    return "asymmetric"


def specs_of(kind: str) -> list[str]:
    """The KeySpecs of a type that the engine creates, in AWS's enum order (the specs
    it refuses as unsupported are not offered)."""
    return [
        spec
        for spec in keyspecs.KEY_SPECS
        if spec not in keyspecs.UNSUPPORTED_SPECS and key_type(spec) == kind
    ]


def usages_of(spec: str) -> tuple[str, ...]:
    return keyspecs.usages(spec)


def short_spec(spec: str) -> str:
    """``ECC_NIST_P256`` -> ``P256``, ``SYMMETRIC_DEFAULT`` -> ``SYMMETRIC``."""
    if spec == keyspecs.SYMMETRIC:
        return "SYMMETRIC"
    return spec.removeprefix("ECC_NIST_").removeprefix("ECC_SECG_")


def spec_usage(spec: str, usage: str, origin: str = "AWS_KMS", multi_region: bool = False) -> str:
    """The key list's "Spec / usage" cell: ``RSA_2048 sign``, then ``EXT`` for imported
    material and ``MR`` for a multi-Region key. Where the type implies the usage
    (symmetric, HMAC, key encapsulation) the spec says it alone: ``HMAC_256``."""
    if not spec:
        return ""
    parts = [short_spec(spec)]
    if key_type(spec) == "asymmetric":
        parts.append(USAGE_WORDS.get(usage, usage.lower()))
    if origin == "EXTERNAL":
        parts.append("EXT")
    if multi_region:
        parts.append("MR")
    return " ".join(parts)
