"""Every POST view in the URLconf, every field of its forms, hostile values: never a 500, always a
Chinese answer, and a 400 where the field's value is invalid.

The site's views are enumerated from the URLconf and each must be listed below, as a POST view
(with the role allowed to use it and its forms) or as a page that takes no POST; a new URL that is
in neither list fails the test. Each field is posted hostile with the other fields valid (taken from
the role matrix). The admin's views are enumerated from its registry, every field of each add and
change form posted hostile at once. Runs on SQLite and PostgreSQL alike: an out-of-range integer is
OverflowError on the one and DataError on the other, and only PostgreSQL refuses NUL bytes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from obligations.bulletin.bulletin_form import BulletinForm
from obligations.bulletin.score_rules_form import ScoringRulesForm
from obligations.forms import (
    CompletionForm,
    DecisionForm,
    ExtensionForm,
    ImportForm,
    PartForm,
    ProgressForm,
    ReminderForm,
    RowSelectionForm,
    SplitForm,
    TaskEditForm,
    UnitReminderForm,
    UnitReviewForm,
)
from obligations.holiday_forms import HolidayDayForm, HolidayYearForm
from obligations.ledger.export_form import LedgerForm
from obligations.reminders.channel_forms import UnitChannelsForm
from obligations.reminders.policy_form import ReminderPolicyForm
from obligations.views.lockout_pages import UnlockForm

from ..factories import PASSWORD
from ..web.test_role_matrix import CASES, matrix  # noqa: F401  (matrix is a fixture)

pytestmark = pytest.mark.django_db

HOSTILE: list[str | list[str]] = [
    "99999999999999999999",
    "9223372036854775808",
    "-1",
    "1e5",
    "abc",
    "",
    "\x00",
    "x\x00y",
    "²",  # str.isdigit() says yes, int() says no
    "٣",
    "9" * 2000,
    "長" * 20000,
    ["1", "99999999999999999999"],  # a list where one value is expected, or a hostile member
    ["abc", "\x00"],
]
ADMIN_HOSTILE = ["99999999999999999999", "-1", "abc", "", "x\x00y", "²", "長" * 5000, ["1", "abc"]]
CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class PostView:
    role: str  # who may use it (a key of _users), or "anonymous"
    forms: list[type[forms.BaseForm]] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)  # fields read from request.POST directly
    strict: list[str] = field(
        default_factory=list
    )  # fields for which every non-empty hostile value is invalid
    case: str = ""  # the role matrix's case supplying the URL and valid data (default: the URL name)
    url: Callable | None = None
    data: Callable | None = None


_VERSIONED = ["version"]
POST_VIEWS: dict[str, PostView] = {
    "task_report": PostView("liaison_own", [ProgressForm]),  # an append: no version to forge
    "task_part": PostView("liaison_own", [PartForm], strict=[*_VERSIONED, "done"]),
    "task_complete": PostView("liaison_own", [CompletionForm], strict=_VERSIONED),
    "task_extend": PostView("liaison_own", [ExtensionForm], strict=[*_VERSIONED, "new_deadline"]),
    "task_edit": PostView("supervisor", [TaskEditForm], strict=[*_VERSIONED, "deadline", "deadline_kind"]),
    "task_remind": PostView("supervisor", [ReminderForm], strict=["units"]),
    "unit_remind": PostView("supervisor", [UnitReminderForm], extra=["next"]),
    "completion_decide": PostView(
        "supervisor", [DecisionForm], extra=["next"], strict=[*_VERSIONED, "decision"]
    ),
    "extension_decide": PostView(
        "supervisor", [DecisionForm], extra=["next"], strict=[*_VERSIONED, "decision"]
    ),
    "review_rows": PostView(
        "supervisor", [RowSelectionForm], strict=["selected", "action"], case="review_rows_drop"
    ),
    "import_discard": PostView("supervisor"),
    "import_job_cancel": PostView("supervisor"),
    "import_job_retry": PostView("supervisor"),
    "units_confirm_all": PostView("supervisor"),
    "review_row_save": PostView(
        "supervisor", [TaskEditForm], strict=[*_VERSIONED, "deadline", "deadline_kind"]
    ),
    "review_split": PostView("supervisor", [SplitForm], case="review_split_post"),
    "unit_map": PostView("supervisor", [UnitReviewForm], strict=["source"]),
    "unit_confirm": PostView("supervisor", [UnitReviewForm], strict=["source"]),
    "plan_publish": PostView("supervisor"),
    "alias_undo": PostView("supervisor"),
    "notification_read_all": PostView("liaison_own"),
    "notification_open": PostView("liaison_own"),
    "notification_read": PostView("liaison_own"),
    # An invalid policy is shown again with its errors as a 200 (tests/reminders relies on that).
    "reminder_policy": PostView(
        "supervisor",
        [ReminderPolicyForm],
        strict=[name for name in ReminderPolicyForm.Meta.fields if name != "overdue_weekly"],
        case="reminder_policy_post",
    ),
    "ledger_index": PostView(
        "supervisor",
        [LedgerForm],
        strict=["month", "plans", "units", "lights", "paper"],
        case="ledger_index_post",
    ),
    "lockout_unlock": PostView("supervisor", [UnlockForm], strict=["kind"]),
    "holiday_settings": PostView(
        "supervisor", [HolidayDayForm], strict=["date", "kind"], case="holiday_settings_post"
    ),
    "holiday_delete": PostView("supervisor"),
    "holiday_year": PostView("supervisor", [HolidayYearForm], strict=["year"]),
    "channel_app_save": PostView(
        "supervisor",
        extra=[f"app-{name}" for name in ("enabled", "corp_id", "agent_id", "new_secret", "clear_secret")],
    ),
    "channel_sms_save": PostView(
        "supervisor",
        extra=[
            f"sms-{name}"
            for name in (
                "enabled",
                "url",
                "method",
                "params",
                "headers",
                "new_secret",
                "success_json_path",
                "success_json_value",
                "success_regex",
                "signature",
                "max_chars",
            )
        ],
    ),
    "channel_test": PostView("supervisor", extra=["sms_test-to"]),
    "channel_unit": PostView(
        "supervisor",
        [UnitChannelsForm],
        extra=["wecom_key", "dingtalk_key", "dingtalk_secret"],
        case="channel_unit_post",
    ),
    "channel_robot_test": PostView("supervisor", extra=["kind"], strict=["kind"]),
    "channel_person": PostView("supervisor"),
    "bulletin_index": PostView(
        "supervisor", [BulletinForm], strict=["period", "plans", "units"], case="bulletin_index_post"
    ),
    "scoring_rules": PostView(
        "supervisor", [ScoringRulesForm], strict=["valid_from"], case="scoring_rules_post"
    ),
    "import_list": PostView(
        "supervisor",
        [ImportForm],
        strict=["file", "year"],
        url=lambda w: reverse("import_list"),
        data=lambda w: {"year": "2026", "jurisdiction": "测试市"},
    ),
    "login": PostView(
        "anonymous",
        [AuthenticationForm],
        extra=["next"],
        url=lambda w: reverse("login"),
        data=lambda w: {"username": w.supervisor.username, "password": PASSWORD, "next": "/tasks/"},
    ),
    "logout": PostView("liaison_own", extra=["next"], url=lambda w: reverse("logout"), data=lambda w: {}),
    "password_change": PostView(
        "liaison_own",
        [PasswordChangeForm],
        url=lambda w: reverse("password_change"),
        data=lambda w: {
            "old_password": PASSWORD,
            "new_password1": "Xin#mima-2027",
            "new_password2": "Xin#mima-2027",
        },
    ),
}
# Pages that take no POST (posting to them is still tried once, with junk, and must not fail).
GET_ONLY = {
    "home",
    "dashboard",
    "task_list",
    "task_detail",
    "review_queue",
    "evidence_download",
    "import_review",
    "import_job",
    "import_job_status",
    "source_download",
    "notification_list",
    "ledger_download",
    "lockout_list",
    "healthz",
    "channel_settings",
    "channel_people",
    "manual_reminders",
    "alias_list",
    "bulletin_download",
    "score_ranking",
}
# The admin's views: per model (add, change, changelist actions and delete are posted below; history
# is a page) and for the site (login, logout and password_change are posted; the rest are pages).
ADMIN_MODEL_VIEWS = {"add", "change", "changelist", "delete", "history"}
ADMIN_OTHER_VIEWS = {"auth_user_password_change"}  # posted below
ADMIN_SITE_VIEWS = {
    "index",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "jsi18n",
    "app_list",
    "view_on_site",
    "autocomplete",
}


def _url_names(patterns: Iterable, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(namespace + pattern.name)
    return names


def _users(w) -> dict:
    return {"anonymous": None, "liaison_own": w.liaison_a, "leader": w.leader_a, "supervisor": w.supervisor}


def _client(user) -> Client:
    client = Client(REMOTE_ADDR="192.0.2.10")
    if user is not None:
        client.force_login(user)
    return client


def _assert_clean(client: Client, response, where: str) -> None:
    assert response.status_code < 500, where
    if response.status_code in (301, 302):
        follow = client.get(response["Location"])
        assert follow.status_code < 500, where
        if follow.status_code in (301, 302):
            return
        response = follow
    if "text/html" in response.get("Content-Type", ""):
        assert CJK.search(response.content.decode()), (where, response.status_code)


def _fields(view: PostView, base: dict) -> list[str]:
    names = dict.fromkeys(base)
    for form in view.forms:
        names.update(dict.fromkeys(form.base_fields))
    names.update(dict.fromkeys(view.extra))
    return list(names)


def test_every_url_is_listed():
    names = _url_names(get_resolver().url_patterns)
    site = {name for name in names if not name.startswith("admin:")}
    assert site - set(POST_VIEWS) - GET_ONLY == set(), "a new URL: list it in POST_VIEWS or GET_ONLY"
    assert set(POST_VIEWS) | GET_ONLY <= site
    models = {f"{model._meta.app_label}_{model._meta.model_name}" for model in admin.site._registry}
    unknown = set()
    for name in (name.removeprefix("admin:") for name in names if name.startswith("admin:")):
        model, _, suffix = name.rpartition("_")
        if name in ADMIN_SITE_VIEWS | ADMIN_OTHER_VIEWS or (model in models and suffix in ADMIN_MODEL_VIEWS):
            continue
        unknown.add(name)
    assert unknown == set(), "a new admin view: cover it in test_admin_forms_with_hostile_values"


@pytest.mark.parametrize("name", sorted(POST_VIEWS))
def test_hostile_values_in_every_field(matrix, name):  # noqa: F811
    view = POST_VIEWS[name]
    case = {case.name: case for case in CASES}.get(view.case or name)
    url = view.url(matrix) if view.url else case.url(matrix)
    base = view.data(matrix) if view.data else (case.data(matrix) if case and case.data else {})
    fields = _fields(view, base)
    user = _users(matrix)[view.role]
    for field_name in fields or ["unexpected"]:
        for value in HOSTILE:
            client = _client(user)
            data = {**base, field_name: value}
            response = client.post(url, data)
            where = f"{name}.{field_name}={str(value)[:30]!r}"
            _assert_clean(client, response, where)
            if field_name in view.strict and value != "":
                assert response.status_code == 400, where


@pytest.mark.parametrize("name", sorted(GET_ONLY))
def test_posting_to_a_page_fails_cleanly(matrix, name):  # noqa: F811
    case = {case.name: case for case in CASES}[name]
    client = _client(matrix.supervisor)
    for value in HOSTILE[:6]:
        response = client.post(case.url(matrix), {"junk": value, "page": value})
        _assert_clean(client, response, f"{name}={value!r}")


def _admin_pages(superuser_client: Client, model_admin: admin.ModelAdmin) -> list[tuple[str, dict]]:
    """(url, the page's own form data) for the model's add page and the change page of one row."""
    meta = model_admin.model._meta
    pages = []
    urls = [reverse(f"admin:{meta.app_label}_{meta.model_name}_add")]
    row = model_admin.model._default_manager.order_by("pk").first()
    if row is not None:
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.pk]))
    for url in urls:
        page = superuser_client.get(url)
        if page.status_code != 200:  # the admin forbids adding this model
            assert page.status_code == 403, url
            continue
        form = page.context["adminform"].form
        data: dict = {name: "" for name in form.fields}
        for inline in page.context["inline_admin_formsets"]:
            formset = inline.formset
            management = formset.management_form
            data.update({management.add_prefix(k): v for k, v in management.initial.items()})
            for inline_form in formset.forms:
                data.update({inline_form.add_prefix(name): "" for name in inline_form.fields})
        pages.append((url, data))
    return pages


def test_admin_forms_with_hostile_values(matrix, django_user_model):  # noqa: F811
    superuser = django_user_model.objects.create_superuser("root_hostile", "root@example.gov.cn", PASSWORD)
    client = _client(superuser)
    management = re.compile(r"-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS$")
    for model_admin in list(admin.site._registry.values()):
        meta = model_admin.model._meta
        for url, data in _admin_pages(client, model_admin):
            for value in ADMIN_HOSTILE:
                hostile = {
                    key: (initial if management.search(key) else value) for key, initial in data.items()
                }
                _assert_clean(client, client.post(url, hostile), f"{url} {str(value)[:20]!r}")
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        for value in ADMIN_HOSTILE:
            response = client.post(changelist, {"action": value, "_selected_action": value, "index": value})
            _assert_clean(client, response, f"{changelist} {str(value)[:20]!r}")
    for model_admin in list(admin.site._registry.values()):  # last: deleting cascades
        meta = model_admin.model._meta
        row = model_admin.model._default_manager.order_by("pk").first()
        if row is not None:
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[row.pk])
            _assert_clean(client, client.post(url, {"post": "yes"}), url)
    for value in ADMIN_HOSTILE:
        anonymous = Client(REMOTE_ADDR="192.0.2.11")
        response = anonymous.post(
            reverse("admin:login"), {"username": value, "password": value, "next": value}
        )
        _assert_clean(anonymous, response, f"admin login {str(value)[:20]!r}")
        response = client.post(
            reverse("admin:auth_user_password_change", args=[matrix.liaison_b.pk]),
            {"password1": value, "password2": value, "usable_password": value},
        )
        _assert_clean(client, response, f"admin user password {str(value)[:20]!r}")
        response = client.post(
            reverse("admin:password_change"),
            {"old_password": value, "new_password1": value, "new_password2": value},
        )
        _assert_clean(client, response, f"admin password {str(value)[:20]!r}")
    response = client.post(reverse("admin:logout"), {"next": "x\x00y"})
    _assert_clean(client, response, "admin logout")
