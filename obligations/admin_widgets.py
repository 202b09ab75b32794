"""Admin base classes whose autocomplete widgets survive a forged value.

Django's autocomplete widgets, re-rendering a form that failed validation, look the submitted
values up with ``pk__in=[...]`` as they came: "abc" raises ValueError there and the admin answers
500. Here the widgets keep only values that can be ids of the target model before that query
(the form has already refused the others, with its own message).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.db import models
from django.http import HttpRequest

from .security.ids import parse_id


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


class _SafeAutocomplete:
    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = SafeAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class TrackerAdmin(_SafeAutocomplete, admin.ModelAdmin):
    """The ModelAdmin every admin page of this project derives from."""


class TrackerTabularInline(_SafeAutocomplete, admin.TabularInline):
    """The TabularInline every inline of this project derives from."""
