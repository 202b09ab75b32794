"""The bulletin page, the scores page and the rules page, as supervisors and leaders use them;
the scheduled monthly bulletin; the command."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from docx import Document

from obligations.bulletin.periods import Period
from obligations.bulletin.scheduled import monthly_bulletin
from obligations.models import (
    Bulletin,
    BulletinDefaults,
    ChangeLog,
    Notification,
    ScoreMonth,
    ScoringRules,
    Task,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor_client(client, score_world):
    client.force_login(score_world.supervisor)
    return client


def test_supervisor_generates_a_bulletin_and_its_text_is_remembered(supervisor_client, score_world):
    w = score_world
    page = supervisor_client.get(reverse("bulletin_index"), {"period": "2025-03", "units": [w.b.pk]})
    assert page.status_code == 200
    form = page.context["form"]
    assert form["period"].value() == "2025-03" and form["units"].value() == [str(w.b.pk)]
    steps = "（一）限期整改。请区住房城乡建设局于5月底前办结逾期任务。"
    response = supervisor_client.post(
        reverse("bulletin_index"),
        {"period": "2025-03", "units": [w.b.pk], "issuer": "示范区督查室", "next_steps": steps},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    assert "attachment" in response["Content-Disposition"]
    document = Document(io.BytesIO(b"".join(response.streaming_content)))
    texts = [p.text for p in document.paragraphs]
    assert texts[2].startswith("示范区督查室\t") and steps in texts
    bulletin = Bulletin.objects.get()
    assert bulletin.created_by == w.supervisor and bulletin.filters == {"units": [w.b.pk]}
    remembered = BulletinDefaults.objects.get()
    assert (remembered.issuer, remembered.next_steps) == ("示范区督查室", steps)
    # Next time the page offers what was used, and lists the bulletin.
    page = supervisor_client.get(reverse("bulletin_index"))
    assert page.context["form"]["next_steps"].value() == steps
    html = page.content.decode()
    assert f"{timezone.localdate().year}年第1期" in html and "单位：区住房城乡建设局" in html
    download = supervisor_client.get(reverse("bulletin_download", args=[bulletin.pk]))
    assert download.status_code == 200
    assert "%E7%9D%A3%E6%9F%A5%E9%80%9A%E6%8A%A5" in download["Content-Disposition"]  # 督查通报…docx


def test_bad_input_is_a_chinese_400_and_nothing_is_made(supervisor_client):
    response = supervisor_client.post(
        reverse("bulletin_index"), {"period": "2099-01", "issuer": "督查室", "next_steps": "x" * 6000}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "选择一个有效的选项" in html or "有效" in html
    assert Bulletin.objects.count() == 0


def test_unit_leader_sees_only_bulletins_of_their_units(client, score_world):
    from obligations.bulletin.bulletin_files import generate_bulletin_file
    from obligations.bulletin.spec import BulletinSpec

    w = score_world
    everyone = generate_bulletin_file(BulletinSpec.build(Period(datetime.date(2025, 3, 1))), "manual")
    own = generate_bulletin_file(
        BulletinSpec.build(Period(datetime.date(2025, 3, 1)), {"units": [w.b.pk]}), "manual"
    )
    leader = factories.make_leader("leader_b", w.b)
    client.force_login(leader)
    page = client.get(reverse("bulletin_index"))
    assert page.status_code == 200 and page.context["form"] is None  # reads, does not issue
    assert [b.pk for b in page.context["page"]] == [own.pk]
    assert client.get(reverse("bulletin_download", args=[own.pk])).status_code == 200
    assert client.get(reverse("bulletin_download", args=[everyone.pk])).status_code == 404
    assert client.post(reverse("bulletin_index"), {"period": "2025-03", "issuer": "x"}).status_code == 403


def test_scores_page_shows_the_ranking_with_breakdowns(supervisor_client, client, score_world):
    w = score_world
    page = supervisor_client.get(reverse("score_ranking"), {"period": "2025-03"})
    assert page.status_code == 200
    lines = page.context["table"].lines
    assert [(line.name, line.score) for line in lines] == [
        ("区财政局", Decimal("95.20")),
        ("区住房城乡建设局", Decimal("93.00")),
    ]
    html = page.content.decode()
    assert "逾期25个工作日，−2.50分" in html and "<details>" in html
    year = supervisor_client.get(reverse("score_ranking"), {"period": "2025"}).context["table"]
    assert len(year.months) == 12 and ScoreMonth.objects.filter(month__year=2025).count() == 12
    # 12 months averaged: B has tasks in every month of 2025, so its average is below March's.
    assert {line.name for line in year.lines} == {"区财政局", "区住房城乡建设局"}
    leader = factories.make_leader("leader_a_scores", w.a)
    client.force_login(leader)
    shown = client.get(reverse("score_ranking"), {"period": "2025-03"}).context["table"].lines
    assert [(line.name, line.rank) for line in shown] == [("区财政局", 1)]


def test_supervisor_saves_a_new_rules_version(supervisor_client):
    today = timezone.localdate()
    data = {
        "valid_from": f"{today:%Y-%m}",
        "base_score": "100",
        "on_time_points": "2",
        "bonus_cap": "10",
        "overdue_task_points": "3",
        "overdue_day_points": "0.2",
        "missed_report_points": "0.5",
        "returned_points": "1",
        "deduction_cap": "40",
        "note": "加大逾期扣分",
    }
    assert supervisor_client.get(reverse("scoring_rules")).status_code == 200
    response = supervisor_client.post(reverse("scoring_rules"), data)
    assert response.status_code == 302
    newest = ScoringRules.objects.order_by("-pk").first()
    assert newest.overdue_task_points == Decimal("3") and newest.valid_from == today.replace(day=1)
    assert ChangeLog.objects.filter(action="scoring_rules").count() == 1
    past = supervisor_client.post(reverse("scoring_rules"), {**data, "valid_from": "2025-03"})
    assert past.status_code == 400 and "不能早于本月" in past.content.decode()
    negative = supervisor_client.post(reverse("scoring_rules"), {**data, "overdue_task_points": "-1"})
    assert negative.status_code == 400 and "不能为负数" in negative.content.decode()
    assert ScoringRules.objects.count() == 2  # the default and the one saved


def test_dashboard_ranks_last_month_with_breakdowns(client, db):
    today = timezone.localdate()
    last = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    unit = factories.make_unit("区审计局")
    supervisor = factories.make_supervisor("dash_scores")
    plan = factories.make_plan("上月方案")
    long_ago = timezone.make_aware(
        datetime.datetime.combine(last - datetime.timedelta(days=40), datetime.time(9))
    )
    plan.published_at = long_ago
    plan.save()
    task = factories.make_task(plan, lead=[unit], deadline=last + datetime.timedelta(days=2))
    Task.objects.filter(pk=task.pk).update(created_at=long_ago)
    client.force_login(supervisor)
    html = client.get(reverse("dashboard")).content.decode()
    assert "考核得分排名" in html and "区审计局" in html
    assert "月末逾期任务1项，−2.00分" in html
    assert ScoreMonth.objects.filter(month=last).exists()  # kept: later requests only read it


def test_scheduled_bulletin_runs_once_and_tells_supervisors(score_world, settings):
    first = monthly_bulletin()
    assert first.startswith("bulletin ")
    assert monthly_bulletin() == "bulletin: already generated"
    bulletin = Bulletin.objects.get()
    last = Period.month_of(timezone.localdate()).previous()
    assert (bulletin.trigger, bulletin.period_start, bulletin.status) == ("scheduled", last.start, "done")
    assert ScoreMonth.objects.filter(month=last.start).exists()
    # The year's earlier months are stored too, so the dashboard only reads them.
    year = [datetime.date(last.start.year, n, 1) for n in range(1, last.start.month + 1)]
    assert sorted(ScoreMonth.objects.values_list("month", flat=True)) == year
    notice = Notification.objects.get(user=score_world.supervisor)
    assert notice.url == reverse("bulletin_download", args=[bulletin.pk])
    # Forced again (a supervisor asks for it): the same issue number, a second file.
    monthly_bulletin(force=True)
    assert Bulletin.objects.filter(issue=bulletin.issue).count() == 2


def test_command_writes_the_bulletin(score_world, tmp_path):
    out = tmp_path / "通报.docx"
    stdout = io.StringIO()
    call_command(
        "export_bulletin", "--period", "2025-Q1", "--unit", "区财政局", "-o", str(out), stdout=stdout
    )
    assert "2025年第一季度督查通报" in stdout.getvalue()
    text = "\n".join(p.text for p in Document(out).paragraphs)
    assert "本期通报范围：单位：区财政局。" in text
    assert Bulletin.objects.get().trigger == "command"
