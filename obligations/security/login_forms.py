"""The login forms of the site and the admin, refusing an over-long user name before authenticating.

Django's AuthenticationForm only sets the username field's maxlength attribute (for the browser) and
never validates it, so a 5,000-character name reached authenticate() and django-axes, whose failed
login record (a 255-character column) then broke on PostgreSQL: a 500 for anyone.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm


class _BoundedUsername:
    def clean_username(self) -> str:
        username = self.cleaned_data.get("username") or ""
        limit = self.fields["username"].max_length
        if limit and len(username) > limit:
            raise forms.ValidationError(f"用户名不能超过 {limit} 个字符。", code="max_length")
        return username


class LoginForm(_BoundedUsername, AuthenticationForm):
    pass


class AdminLoginForm(_BoundedUsername, AdminAuthenticationForm):
    pass
