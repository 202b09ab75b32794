"""Secrets kept sealed at rest: webhook keys, the 企业微信 app secret, SMS gateway credentials.

``SealedField`` stores Fernet tokens (AES-128-CBC + HMAC-SHA256, from ``cryptography``, already a
dependency) under a key derived from ``SECRET_KEY`` with HKDF, so a database dump alone hands out no
secret. ``SECRET_KEY_FALLBACKS`` keep older keys readable after a rotation (MultiFernet); the next
save seals with the current key. A value no key opens reads as "" and the settings page asks for it
again. A library (django-fernet-encrypted-fields) would add a SALT_KEY setting and PBKDF2 per key
for the same thirty lines.

``fingerprint`` gives a keyed, stable digest of a secret, for uniqueness checks (one robot per
webhook) without storing the secret in clear.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

logger = logging.getLogger(__name__)
_SALT = b"duban-tracker sealed fields v1"


def _derive(secret_key: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=purpose).derive(secret_key.encode())


@functools.cache
def _fernet(secret_key: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    keys = [secret_key, *fallbacks]
    return MultiFernet([Fernet(base64.urlsafe_b64encode(_derive(key, b"fernet"))) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(settings.SECRET_KEY, tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ())))


def seal(value: str) -> str:
    return fernet().encrypt(value.encode("utf-8")).decode("ascii") if value else ""


def unseal(token: str) -> str:
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        logger.warning(
            "A sealed setting could not be opened with the current SECRET_KEY; it must be entered again."
        )
        return ""


def fingerprint(value: str) -> str:
    """A keyed digest of ``value`` (hex), stable across saves; "" for no value."""
    if not value:
        return ""
    key = _derive(settings.SECRET_KEY, b"fingerprint")
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def masked(value: str) -> str:
    """What a page may show of a saved secret: its length class and last four characters at most."""
    if not value:
        return ""
    tail = value[-4:] if len(value) >= 12 else ""
    return "●" * 8 + tail


class SealedField(models.TextField):
    """A text field whose value is a Fernet token in the database and plain text in Python."""

    def from_db_value(self, value, expression, connection):
        return unseal(value) if value else ""

    def to_python(self, value):
        return value if value is None or isinstance(value, str) else str(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return seal(value) if value else ""
