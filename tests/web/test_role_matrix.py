"""Every view against every role: anonymous, liaison of the unit, liaison of another unit, leader,
supervisor. Another unit's task is a 404; read-only and foreign roles change nothing."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from axes.models import AccessAttempt
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from obligations.models import (
    ChangeLog,
    CompletionRequest,
    Evidence,
    ExtensionRequest,
    Heartbeat,
    HolidayOverride,
    ImportJob,
    Notification,
    ProgressReport,
    Reminder,
    Robot,
    SourceDocument,
    Unit,
    UnitAlias,
)

from ..factories import make_plan, make_task
from .conftest import PDF_BYTES

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "liaison_own", "liaison_other", "leader", "supervisor"]
LOGIN = "login"  # a redirect to the login page


@dataclass
class Case:
    name: str
    url: Callable
    expect: dict[str, int | str]
    method: str = "get"
    data: Callable | None = None


def _users(w) -> dict:
    return {
        "anonymous": None,
        "liaison_own": w.liaison_a,
        "liaison_other": w.liaison_b,
        "leader": w.leader_a,
        "supervisor": w.supervisor,
    }


def _edit_data(w) -> dict:
    return {
        "version": w.task_a.version,
        "text": "督查员修改后的内容",
        "lead_units": "市财政局",
        "responsible_units": "",
        "responsible_person": "",
        "deadline": w.task_a.deadline.isoformat(),
        "deadline_kind": "date",
        "deadline_raw": "",
    }


SUPERVISOR_ONLY_GET = {
    "anonymous": LOGIN,
    "liaison_own": 403,
    "liaison_other": 403,
    "leader": 403,
    "supervisor": 200,
}
SUPERVISOR_ONLY_POST = {
    "anonymous": LOGIN,
    "liaison_own": 403,
    "liaison_other": 403,
    "leader": 403,
    "supervisor": 302,
}
OWN_UNIT_POST = {
    "anonymous": LOGIN,
    "liaison_own": 302,
    "liaison_other": 404,
    "leader": 403,
    "supervisor": 403,
}

CASES = [
    Case("home", lambda w: reverse("home"), {r: 302 for r in ROLES} | {"anonymous": LOGIN}),
    Case(
        "dashboard",
        lambda w: reverse("dashboard"),
        {"anonymous": LOGIN, "liaison_own": 403, "liaison_other": 403, "leader": 200, "supervisor": 200},
    ),
    Case("task_list", lambda w: reverse("task_list"), {r: 200 for r in ROLES} | {"anonymous": LOGIN}),
    Case(
        "task_detail",
        lambda w: reverse("task_detail", args=[w.task_a.pk]),
        {"anonymous": LOGIN, "liaison_own": 200, "liaison_other": 404, "leader": 200, "supervisor": 200},
    ),
    Case(
        "task_detail_draft",
        lambda w: reverse("task_detail", args=[w.draft_task.pk]),
        {"anonymous": LOGIN, "liaison_own": 404, "liaison_other": 404, "leader": 404, "supervisor": 200},
    ),
    Case(
        "evidence_download",
        lambda w: reverse("evidence_download", args=[w.evidence.pk]),
        {"anonymous": LOGIN, "liaison_own": 200, "liaison_other": 404, "leader": 200, "supervisor": 200},
    ),
    Case("review_queue", lambda w: reverse("review_queue"), SUPERVISOR_ONLY_GET),
    Case("import_list", lambda w: reverse("import_list"), SUPERVISOR_ONLY_GET),
    Case("import_review", lambda w: reverse("import_review", args=[w.source.pk]), SUPERVISOR_ONLY_GET),
    Case("source_download", lambda w: reverse("source_download", args=[w.source.pk]), SUPERVISOR_ONLY_GET),
    Case("review_split", lambda w: reverse("review_split", args=[w.draft_task.pk]), SUPERVISOR_ONLY_GET),
    Case(
        "task_report",
        lambda w: reverse("task_report", args=[w.task_a.pk]),
        OWN_UNIT_POST,
        "post",
        lambda w: {"version": 1, "text": "本月进展"},
    ),
    Case(
        "task_part",
        lambda w: reverse("task_part", args=[w.task_a.pk]),
        OWN_UNIT_POST,
        "post",
        lambda w: {"version": 1, "done": "1", "note": "本单位部分已完成"},
    ),
    Case(
        # The lead unit's liaison asks, or a supervisor in the lead unit's name.
        "task_complete",
        lambda w: reverse("task_complete", args=[w.task_a.pk]),
        OWN_UNIT_POST | {"supervisor": 302},
        "post",
        lambda w: {"version": 1, "summary": "已完成"},
    ),
    Case(
        # 市财政局 only co-operates on task_b (led by 市大数据局): it may not close the whole task.
        "task_complete_co_unit",
        lambda w: reverse("task_complete", args=[w.task_b_co.pk]),
        OWN_UNIT_POST | {"liaison_own": 403, "liaison_other": 302, "supervisor": 302},
        "post",
        lambda w: {"version": 1, "summary": "已完成"},
    ),
    Case(
        "task_extend",
        lambda w: reverse("task_extend", args=[w.task_a.pk]),
        OWN_UNIT_POST,
        "post",
        lambda w: {
            "version": 1,
            "new_deadline": (w.task_a.deadline + datetime.timedelta(days=30)).isoformat(),
            "reason": "需要时间",
        },
    ),
    Case(
        "task_edit",
        lambda w: reverse("task_edit", args=[w.task_a.pk]),
        SUPERVISOR_ONLY_POST,
        "post",
        _edit_data,
    ),
    Case(
        "task_remind",
        lambda w: reverse("task_remind", args=[w.task_a.pk]),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {"units": [w.unit_a.pk]},
    ),
    Case("unit_remind_confirm", lambda w: reverse("unit_remind", args=[w.unit_b.pk]), SUPERVISOR_ONLY_GET),
    Case(
        "unit_remind",
        lambda w: reverse("unit_remind", args=[w.unit_b.pk]),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {},
    ),
    Case(
        "completion_decide",
        lambda w: reverse("completion_decide", args=[w.completion.pk]),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {"version": w.task_b.version, "decision": "approve"},
    ),
    Case(
        "extension_decide",
        lambda w: reverse("extension_decide", args=[w.extension.pk]),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {"version": w.task_b_only.version, "decision": "reject", "comment": "不同意"},
    ),
    Case(
        "review_row_save",
        lambda w: reverse("review_row_save", args=[w.draft_task.pk]),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {"version": 1, "text": "改正后的条目", "lead_units": "市财政局", "deadline_kind": "none"},
    ),
    Case(
        "review_rows_drop",
        lambda w: reverse("review_rows", args=[w.source.pk]),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {"action": "drop", "selected": [w.draft_task.pk]},
    ),
    Case(
        "review_split_post",
        lambda w: reverse("review_split", args=[w.draft_task.pk]),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {"parts": "第一部分\n第二部分"},
    ),
    Case(
        "unit_map",
        lambda w: reverse("unit_map", args=[w.new_unit.pk]),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {"source": w.source.pk, "target": "市财政局"},
    ),
    Case(
        "unit_confirm",
        lambda w: reverse("unit_confirm", args=[w.new_unit.pk]),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {"source": w.source.pk},
    ),
    Case(
        "units_confirm_all",
        lambda w: reverse("units_confirm_all", args=[w.source.pk]),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {},
    ),
    Case(
        "plan_publish",
        lambda w: reverse("plan_publish", args=[w.ready_plan.pk]),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {},
    ),
    Case(
        "notification_list",
        lambda w: reverse("notification_list"),
        {r: 200 for r in ROLES} | {"anonymous": LOGIN},
    ),
    Case(
        "notification_open",
        lambda w: reverse("notification_open", args=[w.notification.pk]),
        {"anonymous": LOGIN, "liaison_own": 302, "liaison_other": 404, "leader": 404, "supervisor": 404},
        "post",
        lambda w: {},
    ),
    Case(
        "notification_read",
        lambda w: reverse("notification_read", args=[w.notification.pk]),
        {"anonymous": LOGIN, "liaison_own": 302, "liaison_other": 404, "leader": 404, "supervisor": 404},
        "post",
        lambda w: {},
    ),
    Case(
        "notification_read_all",
        lambda w: reverse("notification_read_all"),
        {r: 302 for r in ROLES} | {"anonymous": LOGIN},
        "post",
        lambda w: {},
    ),
    Case("reminder_policy", lambda w: reverse("reminder_policy"), SUPERVISOR_ONLY_GET),
    Case(
        "reminder_policy_post",
        lambda w: reverse("reminder_policy"),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {
            "due_soon_offsets": "7、3、1",
            "overdue_daily_days": "5",
            "overdue_weekly": "on",
            "escalate_after_days": "4",
            "monthly_report_day": "20",
            "yellow_window_days": "5",
            "sweep_time": "09:05",
            "max_send_attempts": "4",
        },
    ),
    Case(
        "ledger_index",
        lambda w: reverse("ledger_index"),
        {"anonymous": LOGIN, "liaison_own": 404, "liaison_other": 404, "leader": 200, "supervisor": 200},
    ),
    Case(
        "ledger_index_post",
        lambda w: reverse("ledger_index"),
        {"anonymous": LOGIN, "liaison_own": 404, "liaison_other": 404, "leader": 200, "supervisor": 200},
        "post",
        lambda w: {"month": f"{timezone.localdate():%Y-%m}", "paper": "A4"},
    ),
    Case(
        "ledger_download",
        lambda w: reverse("ledger_download", args=[w.ledger.pk]),
        # A unit's leader sees only the ledgers they made (limited to their units); this one is the supervisor's.
        {"anonymous": LOGIN, "liaison_own": 404, "liaison_other": 404, "leader": 404, "supervisor": 200},
    ),
    Case("channel_settings", lambda w: reverse("channel_settings"), SUPERVISOR_ONLY_GET),
    Case(
        "channel_app_save",
        lambda w: reverse("channel_app_save"),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {"app-corp_id": "wwcorp", "app-agent_id": "1000002"},
    ),
    Case(
        "channel_sms_save",
        lambda w: reverse("channel_sms_save"),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {
            "sms-method": "post_json",
            "sms-params": "{}",
            "sms-headers": "{}",
            "sms-max_chars": "140",
        },
    ),
    Case(
        "channel_test",
        lambda w: reverse("channel_test", args=["sms"]),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {"sms_test-to": "13800001111"},  # no gateway configured: fails before any request
    ),
    Case("channel_unit", lambda w: reverse("channel_unit", args=[w.unit_a.pk]), SUPERVISOR_ONLY_GET),
    Case(
        "channel_unit_post",
        lambda w: reverse("channel_unit", args=[w.unit_a.pk]),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {"wecom_app": "on", "sms": "on"},
    ),
    Case(
        "channel_robot_test",
        lambda w: reverse("channel_robot_test", args=[w.unit_a.pk]),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {"kind": "wecom"},  # the vendor's address is a closed loopback port
    ),
    Case("channel_people", lambda w: reverse("channel_people"), SUPERVISOR_ONLY_GET),
    Case(
        "channel_person",
        lambda w: reverse("channel_person", args=[w.liaison_a.pk]),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {f"c{w.liaison_a.pk}-wecom_userid": "ZhangSan", f"c{w.liaison_a.pk}-mobile": "13800001111"},
    ),
    Case("manual_reminders", lambda w: reverse("manual_reminders"), SUPERVISOR_ONLY_GET),
    Case(
        "bulletin_index",
        lambda w: reverse("bulletin_index"),
        {"anonymous": LOGIN, "liaison_own": 404, "liaison_other": 404, "leader": 200, "supervisor": 200},
    ),
    Case(
        "bulletin_index_post",
        lambda w: reverse("bulletin_index"),
        # Leaders read bulletins but do not issue them; the supervisor gets the Word file.
        {"anonymous": LOGIN, "liaison_own": 404, "liaison_other": 404, "leader": 403, "supervisor": 200},
        "post",
        lambda w: {
            "period": f"{timezone.localdate():%Y-%m}",
            "issuer": "测试市督查室",
            "next_steps": "（一）抓紧整改。",
        },
    ),
    Case(
        "bulletin_download",
        lambda w: reverse("bulletin_download", args=[w.bulletin.pk]),
        # A unit's leader sees only bulletins limited to their units; this one covers every unit.
        {"anonymous": LOGIN, "liaison_own": 404, "liaison_other": 404, "leader": 404, "supervisor": 200},
    ),
    Case(
        "score_ranking",
        lambda w: reverse("score_ranking"),
        {"anonymous": LOGIN, "liaison_own": 404, "liaison_other": 404, "leader": 200, "supervisor": 200},
    ),
    Case("scoring_rules", lambda w: reverse("scoring_rules"), SUPERVISOR_ONLY_GET),
    Case(
        "scoring_rules_post",
        lambda w: reverse("scoring_rules"),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {
            "valid_from": f"{timezone.localdate():%Y-%m}",
            "base_score": "100",
            "on_time_points": "1.5",
            "bonus_cap": "10",
            "overdue_task_points": "2",
            "overdue_day_points": "0.1",
            "missed_report_points": "0.5",
            "returned_points": "1",
            "deduction_cap": "30",
            "note": "调整按期办结加分",
        },
    ),
    Case("lockout_list", lambda w: reverse("lockout_list"), SUPERVISOR_ONLY_GET),
    Case(
        "lockout_unlock",
        lambda w: reverse("lockout_unlock"),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {"kind": "username", "value": w.locked_username},
    ),
    # Monitoring: every caller gets the status (the body differs, see tests/ops/test_health.py).
    Case("healthz", lambda w: reverse("healthz"), {r: 200 for r in ROLES}),
    Case("holiday_settings", lambda w: reverse("holiday_settings"), SUPERVISOR_ONLY_GET),
    Case(
        "holiday_settings_post",
        lambda w: reverse("holiday_settings"),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {"date": "2027-01-01", "kind": "holiday", "name": "元旦"},
    ),
    Case(
        "holiday_delete",
        lambda w: reverse("holiday_delete", args=[w.holiday.pk]),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {},
    ),
    Case(
        "holiday_year",
        lambda w: reverse("holiday_year"),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {"year": "2027", "complete": "on", "note": "据国办通知"},
    ),
    Case("import_job", lambda w: reverse("import_job", args=[w.running_job.pk]), SUPERVISOR_ONLY_GET),
    Case(
        "import_job_status",
        lambda w: reverse("import_job_status", args=[w.running_job.pk]),
        SUPERVISOR_ONLY_GET,
    ),
    Case(
        "import_job_cancel",
        lambda w: reverse("import_job_cancel", args=[w.running_job.pk]),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {},
    ),
    Case(
        "import_job_retry",
        lambda w: reverse("import_job_retry", args=[w.failed_job.pk]),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {},
    ),
    Case("alias_list", lambda w: reverse("alias_list"), SUPERVISOR_ONLY_GET),
    Case(
        "alias_undo",
        lambda w: reverse("alias_undo", args=[w.alias.pk]),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {},
    ),
    Case(
        "import_discard",
        lambda w: reverse("import_discard", args=[w.source.pk]),
        SUPERVISOR_ONLY_POST,
        "post",
        lambda w: {},
    ),
]


@pytest.fixture
def matrix(world, settings):
    """world plus a pending completion (task_b), a pending extension (task_b_only), evidence on
    task_a, and a draft import with an unconfirmed unit."""
    from obligations import workflow as workflows

    w = world
    w.completion = workflows.submit_completion(
        w.task_b, user=w.liaison_b, unit=w.unit_b, summary="完成", version=1
    )
    w.extension = workflows.request_extension(
        w.task_b_only,
        user=w.liaison_b,
        unit=w.unit_b,
        new_deadline=timezone.localdate() + datetime.timedelta(days=10),
        reason="理由",
        version=1,
    )
    for obj in (w.task_b, w.task_b_only):
        obj.refresh_from_db()
    report = ProgressReport.objects.create(
        task=w.task_a,
        unit=w.unit_a,
        author=w.liaison_a,
        period=timezone.localdate().replace(day=1),
        text="进展",
    )
    w.evidence = Evidence(
        task=w.task_a,
        report=report,
        original_name="佐证.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        sha256="0" * 64,
    )
    w.evidence.file.save("x", ContentFile(PDF_BYTES), save=False)
    w.evidence.save()
    w.source = SourceDocument(original_name="方案.txt", sha256="a" * 64, size=3)
    w.source.file.save("plan.txt", ContentFile(b"abc"), save=False)
    w.source.save()
    w.draft_plan.source = w.source
    w.draft_plan.save()
    w.new_unit = Unit.objects.create(jurisdiction="测试市", name="市财政局办公室", confirmed=False)
    w.alias = UnitAlias.objects.create(unit=w.unit_a, name="财政局", created_by=w.supervisor)
    from obligations.models import Assignment

    Assignment.objects.create(task=w.draft_task, unit=w.new_unit, role="responsible", position=0)
    # Everyone has an unread notification; the one on task_a belongs to liaison_a.
    for user in (w.liaison_b, w.leader_a, w.supervisor):
        Notification.objects.create(user=user, title="提醒", url=f"/tasks/{w.task_b.pk}/")
    w.notification = Notification.objects.create(user=w.liaison_a, title="提醒", url=f"/tasks/{w.task_a.pk}/")
    # A task both units see, led by unit_b, with no pending request (task_b has one).
    w.task_b_co = make_task(w.plan, lead=[w.unit_b], responsible=[w.unit_a], deadline=timezone.localdate())
    w.ready_plan = make_plan("可发布的草稿", status="draft")
    make_task(w.ready_plan, lead=[w.unit_a])
    from obligations.ledger import generate_ledger_file

    w.ledger = generate_ledger_file(timezone.localdate().replace(day=1), {}, "manual", user=w.supervisor)
    # A background import being processed, and one whose worker died (its file kept for a retry).
    w.running_job = ImportJob.objects.create(
        original_name="扫描件.pdf",
        size=3,
        sha256="b" * 64,
        created_by=w.supervisor,
        state=ImportJob.State.RUNNING,
        stage=ImportJob.Stage.OCR,
        done=1,
        total=4,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    w.failed_job = ImportJob(
        original_name="旧版方案.doc",
        size=3,
        sha256="c" * 64,
        created_by=w.supervisor,
        state=ImportJob.State.FAILED,
        retryable=True,
        error="后台处理进程意外中止",
    )
    w.failed_job.file.save("plan.doc", ContentFile(b"abc"), save=False)
    w.failed_job.save()
    # A healthy installation for /healthz (a qcluster beat a moment ago), and a holiday-table entry.
    Heartbeat.objects.create(name="qcluster", beat_at=timezone.now(), host="test")
    w.holiday = HolidayOverride.objects.create(date=datetime.date(2027, 2, 10), is_workday=False, name="春节")
    # A group robot whose test message meets a closed port at once (no request leaves the machine).
    settings.WECOM_BASE_URL = "http://127.0.0.1:9"
    Robot.objects.create(unit=w.unit_a, kind=Robot.Kind.WECOM, key="matrix-robot-key")
    from obligations.bulletin.bulletin_files import generate_bulletin_file
    from obligations.bulletin.periods import Period
    from obligations.bulletin.spec import BulletinSpec

    spec = BulletinSpec.build(Period.month_of(timezone.localdate()))
    w.bulletin = generate_bulletin_file(spec, "manual", user=w.supervisor)
    # An account locked out by django-axes, for the supervisors' unlock page.
    w.locked_username = "locked_user"
    AccessAttempt.objects.create(
        username=w.locked_username,
        ip_address="203.0.113.9",
        user_agent="test",
        get_data="",
        post_data="",
        http_accept="",
        path_info="/accounts/login/",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
    )
    return w


def _state() -> tuple:
    return (
        ChangeLog.objects.count(),
        ProgressReport.objects.count(),
        CompletionRequest.objects.filter(status="pending").count(),
        ExtensionRequest.objects.filter(status="pending").count(),
        Reminder.objects.count(),
        SourceDocument.objects.count(),
        Notification.objects.filter(read_at__isnull=True).count(),
        tuple(ImportJob.objects.order_by("pk").values_list("state", "cancel_requested")),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_role_matrix(matrix, as_user, case: Case, role: str):
    client = as_user(_users(matrix)[role])
    url = case.url(matrix)
    before = _state()
    if case.method == "post":
        response = client.post(url, case.data(matrix) if case.data else {})
    else:
        response = client.get(url)
    want = case.expect[role]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == want, (case.name, role, response.status_code)
    if case.method == "post":
        changed = _state() != before
        # Allowed POSTs do something that is recorded; refused ones leave everything as it was.
        assert changed == (want == 302), (case.name, role)
    if want == 302 and case.method == "post":
        assert not response["Location"].startswith(reverse("login"))


def test_every_url_is_in_the_matrix():
    """A new view must be added to the matrix above (names as in obligations/urls.py)."""
    from obligations.urls import urlpatterns

    covered = {case.name for case in CASES} | {"review_rows"}  # covered as review_rows_drop
    names = {pattern.name for pattern in urlpatterns}
    assert names <= covered, names - covered
