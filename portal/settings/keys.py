"""The RSA key that signs OpenID Connect id_tokens (its public half is published as the
JWKS at /oauth/.well-known/jwks.json).

Production reads it from OIDC_RSA_PRIVATE_KEY (PEM). Development and the tests use a key
made once and kept in VAR_DIR, so every process of one checkout (runserver, gunicorn's
workers, the live test server) signs with the same key."""

import os
import re
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured


def new_rsa_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def checked_rsa_private_key(pem: str, name: str = "OIDC_RSA_PRIVATE_KEY") -> str:
    """`pem` if it is an unencrypted RSA private key of 2048 bits or more."""
    try:
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError) as error:
        raise ImproperlyConfigured(
            f"{name} must be an unencrypted RSA private key in PEM form."
        ) from error
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < 2048:
        raise ImproperlyConfigured(f"{name} must be an RSA private key of 2048 bits or more.")
    return pem


_PEM_BLOCK = re.compile(r"-----BEGIN [A-Z ]+-----.+?-----END [A-Z ]+-----", re.S)


def checked_rsa_private_keys(pems: str, name: str) -> list[str]:
    """The PEM blocks of `pems` (any number, one after another), each checked as
    checked_rsa_private_key does; none for an empty value."""
    if not pems.strip():
        return []
    blocks = _PEM_BLOCK.findall(pems)
    if not blocks:
        raise ImproperlyConfigured(f"{name} must hold RSA private keys in PEM form.")
    return [checked_rsa_private_key(block + "\n", name) for block in blocks]


def development_rsa_private_key(folder: Path) -> str:
    """The checkout's own signing key, made on first use (never used in production)."""
    path = folder / "oidc-dev-key.pem"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        draft = folder / f".oidc-dev-key.{os.getpid()}.pem"
        draft.write_text(new_rsa_private_key_pem())
        draft.chmod(0o600)
        try:
            os.link(draft, path)  # atomic: the first process to get here wins
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text()
