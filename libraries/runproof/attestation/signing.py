"""The DSSE envelope around the Statement (securesystemslib), signed with an Ed25519 key when one is given.

A key is a PEM value or the path of a PEM file (PKCS#8 private key, unencrypted); nothing here ever prints or logs it:
a key that cannot be read is reported by what is wrong with it, never by its text.
"""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from securesystemslib.dsse import Envelope
from securesystemslib.signer import CryptoSigner, SSlibKey

from runproof.attestation import KEY_ENVIRONMENT, KEY_VARIABLE, PAYLOAD_TYPE

UNSIGNED = (f"unsigned: no signing key was given (Robot variable {KEY_VARIABLE} or environment {KEY_ENVIRONMENT}); "
            "its digests still show an edit, but anyone could have written it — sign it in CI (docs/attestation.md)")


class KeyProblem(Exception):
    """A key was given but cannot be used; the message never holds the key."""


def _pem(value: str) -> bytes:
    text = value.strip()
    if text.startswith("-----BEGIN"):
        return text.encode()
    path = Path(text).expanduser()
    try:
        return path.read_bytes()
    except OSError as exc:
        raise KeyProblem(f"the key file {path} cannot be read: {exc.strerror or type(exc).__name__}") from None


def load_signer(value: str) -> CryptoSigner:
    """An Ed25519 signer from a PEM value or file (PKCS#8, unencrypted)."""
    try:
        private = serialization.load_pem_private_key(_pem(value), password=None)
    except (ValueError, TypeError, serialization.UnsupportedAlgorithm):
        raise KeyProblem("the signing key is not an unencrypted PEM private key") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise KeyProblem(f"the signing key is {type(private).__name__.replace('PrivateKey', '')}, not Ed25519")
    return CryptoSigner(private)


def load_public_key(path: str | Path) -> SSlibKey:
    """An Ed25519 public key from a PEM file (SubjectPublicKeyInfo)."""
    try:
        public = serialization.load_pem_public_key(Path(path).read_bytes())
    except OSError as exc:
        raise KeyProblem(f"the public key {path} cannot be read: {exc.strerror or type(exc).__name__}") from None
    except (ValueError, TypeError, serialization.UnsupportedAlgorithm):
        raise KeyProblem(f"the public key {path} is not a PEM public key") from None
    if not isinstance(public, Ed25519PublicKey):
        raise KeyProblem(f"the public key {path} is not Ed25519")
    return SSlibKey.from_crypto(public)


def public_pem(signer: CryptoSigner) -> bytes:
    return signer._private_key.public_key().public_bytes(  # noqa: SLF001 - the signer's own key, to share its half
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def envelope(payload: bytes, signer: CryptoSigner | None, note: str | None = None) -> dict:
    """The DSSE envelope of `payload`, signed by `signer` when there is one; unsigned, it says so (`runproofNote`)."""
    wrapped = Envelope(payload=payload, payload_type=PAYLOAD_TYPE, signatures={})
    if signer is not None:
        wrapped.sign(signer)
    document = wrapped.to_dict()
    if signer is None:
        document["runproofNote"] = note or UNSIGNED
    return document


def read_envelope(text: str) -> Envelope:
    document = json.loads(text)
    document.pop("runproofNote", None)
    return Envelope.from_dict(document)


def verify_signature(wrapped: Envelope, key: SSlibKey) -> str | None:
    """None when `key` signed the envelope; else why not, in one line."""
    if not wrapped.signatures:
        return "it is unsigned"
    try:
        wrapped.verify([key], 1)
    except Exception as exc:  # noqa: BLE001 - securesystemslib's VerificationError and its kin
        return f"no signature verifies with the public key {key.keyid[:16]}… ({type(exc).__name__})"
    return None
