"""Refusals whose message is meant for the user (Chinese), as opposed to Django's internal ones."""

from __future__ import annotations

from django.core.exceptions import BadRequest


class InvalidInput(BadRequest):
    """A forged or malformed request: answered with the 400 page, showing this message."""
