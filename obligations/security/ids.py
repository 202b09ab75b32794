"""Row ids as they arrive in forms: checked to be plain positive integers in the database's range.

An id a browser never sends ("99999999999999999999", "-1", "1e5", "abc", a NUL byte) must be a
validation error with a Chinese message, never a query: SQLite raises OverflowError and PostgreSQL
DataError for integers outside a bigint, and PostgreSQL refuses NUL bytes in text. Every form field
and view that takes ids from a POST goes through here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet

# BigAutoField's range: 1 .. 2**63 - 1 (PostgreSQL bigint, SQLite INTEGER).
MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")
INVALID_ID = "“{value}”不是有效的编号。"


def parse_id(value: Any) -> int | None:
    """The id as an int, or None when the value is not a plain positive integer within range."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1 <= value <= MAX_ID else None
    if not isinstance(value, str) or not _DIGITS.fullmatch(value.strip()):
        return None
    number = int(value.strip())
    return number if 1 <= number <= MAX_ID else None


def _shown(value: Any) -> str:
    """A short, printable rendering of a hostile value for an error message."""
    text = "".join(ch if ch.isprintable() else "?" for ch in str(value))
    return text if len(text) <= 20 else text[:20] + "…"


def clean_id(value: Any) -> int:
    """parse_id or a ValidationError with a Chinese message."""
    number = parse_id(value)
    if number is None:
        raise ValidationError(INVALID_ID.format(value=_shown(value)), code="invalid_id")
    return number


def clean_ids(values: Iterable[Any]) -> list[int]:
    """Every value as an id, in order without repeats; the first invalid one raises ValidationError."""
    return list(dict.fromkeys(clean_id(value) for value in values))


class PlainIntegerField(forms.IntegerField):
    """IntegerField that takes ASCII digits only: int() would also read "٣" or "１２" as numbers,
    which no form of ours ever sends."""

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str) and value.strip() and not re.fullmatch(r"-?[0-9]+", value.strip()):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IdField(forms.Field):
    """One id, as a plain int (the view looks the row up in its own scope)."""

    default_error_messages = {"required": "缺少编号。"}

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        return clean_id(value)


class IdListField(forms.Field):
    """Several ids (ticked rows), as plain ints in order without repeats."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"required": "请至少选择一项。", "invalid_list": "请提交一组编号。"}

    def to_python(self, value: Any) -> list[int]:
        if value in self.empty_values:
            return []
        if not isinstance(value, list | tuple):
            raise ValidationError(self.error_messages["invalid_list"], code="invalid_list")
        return clean_ids(value)


class IdModelChoiceField(forms.ModelChoiceField):
    """ModelChoiceField whose value is checked as an id before any query."""

    default_error_messages = {"invalid_choice": "所选项目不存在或已无权选择，请刷新页面后重试。"}

    def to_python(self, value: Any) -> Model | None:
        if value in self.empty_values:
            return None
        if not isinstance(value, Model):
            clean_id(value)
        return super().to_python(value)


class IdModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """ModelMultipleChoiceField whose values are checked as ids before the IN (...) query."""

    default_error_messages = {
        "invalid_list": "请提交一组编号。",
        "invalid_choice": "所选项目“%(value)s”不存在或已无权选择，请刷新页面后重试。",
        "invalid_pk_value": "“%(pk)s”不是有效的编号。",
    }

    def _check_values(self, value: Any) -> QuerySet:
        if not isinstance(value, list | tuple):
            raise ValidationError(self.error_messages["invalid_list"], code="invalid_list")
        checked = []
        for item in value:
            if isinstance(item, Model):
                checked.append(item.pk)
                continue
            number = parse_id(item)
            if number is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": _shown(item)},
                )
            checked.append(str(number))
        return super()._check_values(checked)
