"""Admin base classes whose autocomplete widgets survive a forged value, and whose unit choices
name the jurisdiction.

Django's autocomplete widgets, re-rendering a form that failed validation, look the submitted
values up with ``pk__in=[...]`` as they came: "abc" raises ValueError there and the admin answers
500. Here the widgets keep only values that can be ids of the target model before that query
(the form has already refused the others, with its own message).

Units with the same name in different jurisdictions (区交通运输局 ×3) must never be identical
choices: every unit picker, and the autocomplete's search results, show 名称（辖区）.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.db import models
from django.http import HttpRequest

from .models import Unit
from .security.ids import parse_id


def unit_choice_label(obj: Any) -> str:
    """A unit as a choice: with its jurisdiction; anything else as itself."""
    return obj.label_with_place if isinstance(obj, Unit) else str(obj)


class UnitLabelledAutocomplete(AutocompleteJsonView):
    """The admin's autocomplete search results, with units labelled like the pickers."""

    def serialize_result(self, obj: Any, to_field_name: str) -> dict[str, str]:
        return {"id": str(getattr(obj, to_field_name)), "text": unit_choice_label(obj)}


class _ValidIdsOnly:
    def optgroups(self, name: str, value: list[Any], attrs: dict | None = None):
        remote = self.field.remote_field
        to_field = getattr(remote, "field_name", None)  # a ForeignKey's to_field; M2M: the primary key
        target = remote.model._meta.get_field(to_field) if to_field else remote.model._meta.pk
        if isinstance(target, models.IntegerField):
            value = [item for item in value if item in (None, "") or parse_id(item) is not None]
        return super().optgroups(name, value, attrs)


class SafeAutocompleteSelect(_ValidIdsOnly, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(_ValidIdsOnly, AutocompleteSelectMultiple):
    pass


def _label_units(formfield, db_field):
    if formfield is not None and db_field.related_model is Unit:
        formfield.label_from_instance = unit_choice_label
    return formfield


class _SafeAutocomplete:
    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return _label_units(super().formfield_for_foreignkey(db_field, request, **kwargs), db_field)

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = SafeAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return _label_units(super().formfield_for_manytomany(db_field, request, **kwargs), db_field)


class TrackerAdmin(_SafeAutocomplete, admin.ModelAdmin):
    """The ModelAdmin every admin page of this project derives from."""


class TrackerTabularInline(_SafeAutocomplete, admin.TabularInline):
    """The TabularInline every inline of this project derives from."""
