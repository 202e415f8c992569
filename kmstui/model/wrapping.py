"""Importing key material, as AWS states it (shared by the engine's
GetParametersForImport and ImportKeyMaterial and the console's import dialog): the
wrapping algorithms and wrapping key specs, which of them a key of each spec takes,
and the expiration models."""

from __future__ import annotations

from kmstui.errors import AwsError, UnsupportedOperationException, ValidationException
from kmstui.model import keyspecs

WRAPPING_ALGORITHMS = (
    "RSAES_PKCS1_V1_5",
    "RSAES_OAEP_SHA_1",
    "RSAES_OAEP_SHA_256",
    "RSA_AES_KEY_WRAP_SHA_1",
    "RSA_AES_KEY_WRAP_SHA_256",
    "SM2PKE",
)
WRAPPING_KEY_SPECS = ("RSA_2048", "RSA_3072", "RSA_4096", "SM2")
EXPIRATION_MODELS = ("KEY_MATERIAL_EXPIRES", "KEY_MATERIAL_DOES_NOT_EXPIRE")


def wrapping_refusal(spec: str, algorithm: str, wrapping_spec: str) -> AwsError | None:
    """Why GetParametersForImport refuses this wrapping algorithm and wrapping key spec
    for a key of ``spec`` (the error it raises), or None when it takes them."""
    if algorithm == "SM2PKE" or wrapping_spec == "SM2":
        return UnsupportedOperationException(
            "SM2 wrapping keys and SM2PKE are available only in the China Regions."
        )
    if algorithm == "RSAES_PKCS1_V1_5":
        return ValidationException(
            "The wrapping algorithm RSAES_PKCS1_V1_5 is no longer supported for importing "
            "key material. Use an RSAES_OAEP or RSA_AES_KEY_WRAP wrapping algorithm."
        )
    if spec in keyspecs.RSA_SPECS and not algorithm.startswith("RSA_AES_KEY_WRAP"):
        return ValidationException(
            f"{algorithm} cannot wrap RSA private key material: import RSA key material "
            "with RSA_AES_KEY_WRAP_SHA_1 or RSA_AES_KEY_WRAP_SHA_256."
        )
    if spec == "ECC_NIST_P521" and wrapping_spec == "RSA_2048" and algorithm.startswith("RSAES"):
        return ValidationException(
            f"{algorithm} with an RSA_2048 wrapping key cannot wrap ECC_NIST_P521 key "
            "material: use a larger wrapping key or an RSA_AES_KEY_WRAP algorithm."
        )
    return None
