"""Encryption and signatures on the ``cryptography`` package, as the reference
does them: AES-256-GCM keyed by the SHA-256 of the key string, a random 12-byte
nonce before the ciphertext, all in base64 (aes_encrypt, aes_decrypt and the
_bytes variants); RSA keys of 2048 or 4096 bits as PEM (PKCS#8 private,
SubjectPublicKeyInfo public), OAEP with SHA-256 for rsa_encrypt/rsa_decrypt,
PKCS#1 v1.5 with SHA-256 for rsa_sign/rsa_verify. Ciphertexts are random, so
programs compared across tiers must print only what decrypting gives back.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import warnings
from typing import Any

from ruffdbg.core.errors import RuffError
from ruffdbg.vm.builtins.registry import builtin


def _strings(name: str, args: list, what: str) -> tuple[str, str]:
    a, b = args
    if type(a) is not str or type(b) is not str:
        raise RuffError(f"{name} requires ({what}) arguments")
    return a, b


def _aes(key: str) -> Any:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(hashlib.sha256(key.encode("utf-8")).digest())


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as error:
        raise RuffError(f"Invalid base64 {what}: {error}") from None


def _encrypt(name: str, args: list) -> str:
    plaintext, key = _strings(name, args, "plaintext_string, key_string" if name == "aes_encrypt"
                              else "data_string, key_string")
    nonce = os.urandom(12)
    return base64.b64encode(nonce + _aes(key).encrypt(nonce, plaintext.encode("utf-8"), None)).decode("ascii")


def _decrypt(name: str, args: list) -> bytes:
    from cryptography.exceptions import InvalidTag

    data_b64, key = _strings(name, args, "ciphertext_string, key_string")
    data = _b64decode(data_b64, "ciphertext")
    if len(data) < 12:
        raise RuffError("Invalid ciphertext: too short")
    try:
        return _aes(key).decrypt(data[:12], data[12:], None)
    except (InvalidTag, ValueError):
        raise RuffError("AES decryption failed: aead::Error") from None


@builtin("aes_encrypt", 2)
def _aes_encrypt(ctx: Any, args: list) -> str:
    """aes_encrypt(text, key): base64 of nonce + AES-256-GCM ciphertext (a new nonce every time)."""
    return _encrypt("aes_encrypt", args)


@builtin("aes_decrypt", 2)
def _aes_decrypt(ctx: Any, args: list) -> str:
    """aes_decrypt(ciphertext, key): the text aes_encrypt encrypted with key (an error for any other key)."""
    plain = _decrypt("aes_decrypt", args)
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RuffError(f"Decrypted data is not valid UTF-8: {error}") from None


@builtin("aes_encrypt_bytes", 2)
def _aes_encrypt_bytes(ctx: Any, args: list) -> str:
    """aes_encrypt_bytes(data, key): as aes_encrypt."""
    return _encrypt("aes_encrypt_bytes", args)


@builtin("aes_decrypt_bytes", 2)
def _aes_decrypt_bytes(ctx: Any, args: list) -> str:
    """aes_decrypt_bytes(ciphertext, key): the data as text, or base64 when it is not UTF-8."""
    plain = _decrypt("aes_decrypt_bytes", args)
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError:
        return base64.b64encode(plain).decode("ascii")


@builtin("rsa_generate_keypair", 1)
def _rsa_generate_keypair(ctx: Any, args: list) -> dict:
    """rsa_generate_keypair(bits): {"private": PEM, "public": PEM} for 2048 or 4096 bits."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    bits = args[0]
    if type(bits) is not int:
        raise RuffError("rsa_generate_keypair requires an integer (2048 or 4096)")
    if bits not in (2048, 4096):
        raise RuffError("RSA key size must be 2048 or 4096 bits")
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode("ascii")
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")
    return {"private": private, "public": public}


def _public(pem: str) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        key = serialization.load_pem_public_key(pem.encode("utf-8"))
    except (ValueError, TypeError) as error:
        raise RuffError(f"Invalid RSA public key: {error}") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise RuffError("Invalid RSA public key: not an RSA key")
    return key


def _private(pem: str) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        key = serialization.load_pem_private_key(pem.encode("utf-8"), password=None)
    except (ValueError, TypeError) as error:
        raise RuffError(f"Invalid RSA private key: {error}") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise RuffError("Invalid RSA private key: not an RSA key")
    return key


def _oaep() -> Any:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    return padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


@builtin("rsa_encrypt", 2)
def _rsa_encrypt(ctx: Any, args: list) -> str:
    """rsa_encrypt(text, public_pem): base64 of the RSA-OAEP (SHA-256) ciphertext."""
    text, pem = _strings("rsa_encrypt", args, "plaintext_string, public_key_pem")
    try:
        return base64.b64encode(_public(pem).encrypt(text.encode("utf-8"), _oaep())).decode("ascii")
    except ValueError as error:
        raise RuffError(f"RSA encryption failed: {error}") from None


@builtin("rsa_decrypt", 2)
def _rsa_decrypt(ctx: Any, args: list) -> str:
    """rsa_decrypt(ciphertext, private_pem): the text rsa_encrypt encrypted for this key."""
    data_b64, pem = _strings("rsa_decrypt", args, "ciphertext_string, private_key_pem")
    data = _b64decode(data_b64, "ciphertext")
    key = _private(pem)
    try:
        plain = key.decrypt(data, _oaep())
    except ValueError:
        raise RuffError("RSA decryption failed: decryption error") from None
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RuffError(f"Decrypted data is not valid UTF-8: {error}") from None


@builtin("rsa_sign", 2)
def _rsa_sign(ctx: Any, args: list) -> str:
    """rsa_sign(text, private_pem): base64 of the PKCS#1 v1.5 SHA-256 signature."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    text, pem = _strings("rsa_sign", args, "message_string, private_key_pem")
    signature = _private(pem).sign(text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


@builtin("rsa_verify", 3)
def _rsa_verify(ctx: Any, args: list) -> bool:
    """rsa_verify(text, signature, public_pem): whether signature is the key's signature of text."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    text, signature_b64, pem = args
    if type(text) is not str or type(signature_b64) is not str or type(pem) is not str:
        raise RuffError("rsa_verify requires (message, signature, public_key_pem) arguments")
    key = _public(pem)
    signature = _b64decode(signature_b64, "signature")
    try:
        key.verify(signature, text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


# --------------------------------------------------------------------------
# JSON Web Tokens (HS256, on PyJWT)


def _jwt_args(name: str, args: list, usage: str) -> tuple[Any, str]:
    first, secret = args
    if type(secret) is not str:
        raise RuffError(usage)
    return first, secret


@builtin("jwt_encode", 2)
def _jwt_encode(ctx: Any, args: list) -> str:
    """jwt_encode(payload, secret): an HS256-signed token carrying the dict payload."""
    import jwt

    from ruffdbg.vm.builtins.data import _plain

    payload, secret = _jwt_args("jwt_encode", args, "jwt_encode requires a dictionary payload and secret key string")
    if type(payload) is not dict:
        raise RuffError("jwt_encode requires a dictionary payload and secret key string")
    try:
        claims = _plain("jwt_encode", "JSON", payload)
    except RuffError as error:
        raise RuffError(f"Failed to convert payload to JSON: {error.message}") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # PyJWT warns about short keys; the reference accepts them silently
            return jwt.encode(claims, secret, algorithm="HS256")
    except jwt.PyJWTError as error:   # an empty secret (PyJWT refuses to sign with it)
        raise RuffError(f"JWT encoding error: {error}") from None


def _jwt_claims(token: str, secret: str, check_expiry: bool) -> dict:
    import jwt

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return jwt.decode(token, secret, algorithms=["HS256"],
                          options={"require": [], "verify_exp": check_expiry, "verify_aud": False,
                                   "verify_iat": False, "verify_nbf": False})


def _jwt_reason(error: Exception) -> str:
    """The reference's (jsonwebtoken's) name for why a token was refused."""
    import jwt

    for kind, name in ((jwt.InvalidSignatureError, "InvalidSignature"), (jwt.ExpiredSignatureError, "ExpiredSignature"),
                       (jwt.InvalidAlgorithmError, "InvalidAlgorithm"), (jwt.DecodeError, "InvalidToken")):
        if isinstance(error, kind):
            return name
    return str(error)


@builtin("jwt_decode", 2)
def _jwt_decode(ctx: Any, args: list) -> dict:
    """jwt_decode(token, secret): the payload, if the token was signed with secret (expiry not checked)."""
    import jwt

    from ruffdbg.vm.builtins.data import _ruff

    token, secret = _jwt_args("jwt_decode", args, "jwt_decode requires a token string and secret key string")
    if type(token) is not str:
        raise RuffError("jwt_decode requires a token string and secret key string")
    try:
        claims = _jwt_claims(token, secret, False)
    except jwt.PyJWTError as error:
        raise RuffError(f"JWT decoding error: {_jwt_reason(error)}") from None
    try:
        return _ruff(claims)
    except RuffError as error:
        raise RuffError(f"JWT decoding error: {error.message}") from None


@builtin("jwt_verify", 2)
def _jwt_verify(ctx: Any, args: list) -> bool:
    """jwt_verify(token, secret): whether the token was signed with secret and has not expired."""
    import jwt

    token, secret = _jwt_args("jwt_verify", args, "jwt_verify requires a token string and secret key string")
    if type(token) is not str:
        raise RuffError("jwt_verify requires a token string and secret key string")
    try:
        _jwt_claims(token, secret, True)
    except (jwt.PyJWTError, RuffError):
        return False
    return True
