"""The demo loader: units, documented accounts that can log in, the five seed gazettes closed as
history, demo plans dated relative to today, last month's ledger, all idempotently; and what a
first reminder sweep and the console mail make of it."""

from __future__ import annotations

import datetime
import io
import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from obligations.dates import previous_month
from obligations.devtools.demo import DEMO_ACCOUNTS
from obligations.light_window import light_window
from obligations.models import (
    Assignment,
    ChangeLog,
    CompletionRequest,
    ExtensionRequest,
    LedgerExport,
    Membership,
    Plan,
    ProgressReport,
    Reminder,
    Task,
    Unit,
)
from obligations.models.lights import LIGHT_ORDER, Light, light_of
from obligations.reminders.console_mail import EmailBackend as ConsoleBackend
from obligations.reminders.sweep import generate
from obligations.roles import role_of

pytestmark = pytest.mark.django_db

SEED_TASKS = 370
DEMO_TASKS = 17


def _state() -> tuple:
    return (
        Unit.objects.count(),
        Plan.objects.count(),
        Task.objects.count(),
        Membership.objects.count(),
        ProgressReport.objects.count(),
        CompletionRequest.objects.count(),
        ExtensionRequest.objects.count(),
        ChangeLog.objects.count(),
        LedgerExport.objects.count(),
        tuple(Task.objects.order_by("pk").values_list("status", "deadline", "version")),
        tuple(Assignment.objects.order_by("pk").values_list("status", "version")),
    )


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=StringIO(), stderr=StringIO())


def test_load_demo_twice(demo, client):
    first = _state()
    assert first[1] == 17 + 2 and first[2] == SEED_TASKS + DEMO_TASKS
    assert not Plan.objects.exclude(status="published").exists()
    out = StringIO()
    call_command("load_demo", stdout=out, stderr=StringIO())
    assert out.getvalue().count("已导入过") == 5
    assert "演示方案：已载入过，跳过" in out.getvalue() and "上月进展台账：已生成过，跳过" in out.getvalue()
    assert _state() == first  # nothing it already loaded changes

    for account in DEMO_ACCOUNTS:
        # django-axes needs the request to count failures per address: client.login() passes one.
        assert client.login(request=HttpRequest(), username=account.username, password=account.password), (
            account.username
        )
        client.logout()
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.all()}
    assert role_of(users["duchashi"]) == "supervisor" and users["duchashi"].is_staff
    assert role_of(users["caizheng"]) == "liaison" and role_of(users["lingdao"]) == "leader"
    # The liaisons' units take part in the 淄博市 seed plans and the demo plans.
    finance = Task.objects.visible_to(users["caizheng"])
    assert finance.count() >= 10
    assert set(finance.values_list("plan__jurisdiction", flat=True)) == {"淄博市"}
    assert Task.objects.visible_to(users["dashuju"]).count() >= 10
    group = Unit.objects.get(jurisdiction="淄博市", name="各区县政府")
    assert group.is_group and group.members.count() == 11


def test_seed_gazettes_are_closed_history(demo):
    seeds = Task.objects.filter(plan__source__isnull=False)
    assert seeds.count() == SEED_TASKS
    assert not seeds.exclude(status=Task.Status.DONE).exists()
    # Closed at their deadlines (long ago), each with the lead's approved request and every part done.
    year_ago = timezone.now() - datetime.timedelta(days=364)
    for task in seeds.select_related("plan"):
        assert task.plan.published_at <= task.completed_at <= year_ago, task.pk
    assert min(seeds.values_list("completed_at", flat=True)).year == 2018
    approved = CompletionRequest.objects.filter(task__in=seeds, status="approved")
    assert approved.count() == seeds.filter(assignments__isnull=False).distinct().count()
    assert not Assignment.objects.filter(task__in=seeds).exclude(status="done").exists()
    assert ChangeLog.objects.filter(action="plan.history").count() == 17


def test_demo_plans_look_like_today(demo):
    day, cutoff = light_window()
    tasks = list(Task.objects.filter(plan__source__isnull=True).select_related("plan"))
    assert len(tasks) == DEMO_TASKS
    lights = {light_of(task, day, cutoff) for task in tasks}
    assert lights == set(LIGHT_ORDER)  # every light is there
    overdue = [(day - task.deadline).days for task in tasks if light_of(task, day, cutoff) == Light.RED]
    assert overdue and max(overdue) <= 60  # overdue counts that read sensibly
    # Reports over past months, by the units' own liaisons.
    months = set(ProgressReport.objects.filter(task__in=tasks).values_list("period", flat=True))
    assert len(months) >= 4
    assert ProgressReport.objects.filter(task__in=tasks, author__isnull=False).count() >= 20
    # A pending 办结 from the lead, with a co-operating unit's part done and another's still open.
    pending = CompletionRequest.objects.get(status="pending")
    parts = dict(pending.task.assignments.values_list("unit__name", "status"))
    assert pending.unit.name == "市大数据局" and parts["市财政局"] == "done"
    assert parts["市行政审批服务局"] == "in_progress"
    assert pending.task.status == Task.Status.PENDING_REVIEW
    # A pending extension, and an approved one showing current and original deadlines.
    assert ExtensionRequest.objects.filter(status="pending").count() == 1
    extended = Task.objects.get(original_deadline__isnull=False)
    assert extended.deadline > day > extended.original_deadline
    # Everything the story did is dated in the past, never all "now".
    stamps = ChangeLog.objects.filter(task__in=tasks).values_list("created_at", flat=True)
    assert min(stamps) < timezone.now() - datetime.timedelta(days=60)


def test_last_months_ledger_is_listed(demo):
    export = LedgerExport.objects.get(month=previous_month(timezone.localdate()))
    assert export.status == "done" and export.trigger == "scheduled"
    assert export.rows == SEED_TASKS + DEMO_TASKS  # the seeds were tracked from their issue
    client = Client()
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="duchashi"))
    page = client.get(reverse("ledger_index")).content.decode()
    assert reverse("ledger_download", args=[export.pk]) in page


def test_first_sweep_reminds_about_the_demo_plans_only(demo, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    stats = generate(timezone.localdate())
    assert 0 < stats.created <= 30
    assert not Reminder.objects.filter(task__plan__source__isnull=False).exists()
    # A co-operating unit that finished its part is not reminded of the task.
    finished = Assignment.objects.filter(status="done", role="responsible", task__status="in_progress")
    assert finished.exists()
    for part in finished:
        assert not Reminder.objects.filter(task=part.task, unit=part.unit).exists()
    call_command("sweep_reminders", "--force", stdout=StringIO(), stderr=StringIO())
    assert 0 < len(mail.outbox) <= 8  # one digest per person, not one per reminder


def test_console_mail_prints_the_plain_text_part_only():
    from django.core.mail import EmailMultiAlternatives

    stream = io.StringIO()
    message = EmailMultiAlternatives(
        "【督办提醒】测试", "张联络，您好：\n\n一、逾期未办结（1 项）", to=["a@example.gov.cn"]
    )
    message.attach_alternative(
        "<html><body><p>张联络，您好：</p>" + "<br>" * 500 + "</body></html>", "text/html"
    )
    ConsoleBackend(stream=stream).send_messages([message])
    printed = stream.getvalue()
    assert "主题：【督办提醒】测试" in printed and "一、逾期未办结（1 项）" in printed
    assert "<html" not in printed and "base64" not in printed and "Content-Type" not in printed
    assert "text/html" in printed  # it says the HTML version was left out
    assert len(printed.splitlines()) < 15
    assert re.search(r"收件人：a@example\.gov\.cn", printed)
