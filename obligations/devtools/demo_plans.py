"""Demo plans dated relative to the day they are loaded, so the demo looks like today.

Two plans of 淄博市, issued a few months ago, whose tasks cover every light (red, yellow, green,
ongoing, done), shared tasks with each unit's own state (a co-operating unit that finished its
part, a lead still reporting), months of progress reports, a pending 办结 request with the units'
states beside it, a pending and an approved 延期, and a recurring obligation. Everything goes
through the real workflow (obligations.workflow), so the audit log, the timelines and the ledger
read as they would in use; the rows are then dated back to when the story has them happen.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from .. import workflow
from ..holidays import get_calendar
from ..models import (
    Assignment,
    ChangeLog,
    CompletionRequest,
    ExtensionRequest,
    Plan,
    ProgressReport,
    Task,
    Unit,
)
from ..reminders.recurrence import refresh_recurring

JURISDICTION = "淄博市"
MARKER = "demo.plans"  # the audit action that says the demo plans are loaded (load once)
OLDEST_PLAN_DAYS = 150  # the first plan was issued this long ago; its year names the plans


@dataclass
class Step:
    """Something a unit or the 督查室 does on a task, ``days`` before today (negative: ago)."""

    days: int
    kind: str  # report, part, complete, approve, extend, approve_extension
    unit: str = ""
    text: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class DemoTask:
    text: str
    lead: list[str]
    responsible: list[str] = field(default_factory=list)
    due: Callable[[datetime.date], datetime.date] | None = None  # from today
    raw: Callable[[datetime.date], str] | str = ""
    kind: str = Task.DeadlineKind.DATE
    recurrence: str = ""
    person: str = ""
    steps: list[Step] = field(default_factory=list)


@dataclass
class DemoPlan:
    title: str
    number: str
    issued_days_ago: int
    tasks: list[DemoTask]


def _date_raw(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日前"


def _month_raw(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月底前"


def _monthly(unit: str, texts: list[str], start: int) -> list[Step]:
    """A unit's monthly reports, the last one ``start`` days ago and a month apart before it."""
    return [Step(start - 30 * index, "report", unit, text) for index, text in enumerate(reversed(texts))][
        ::-1
    ]


def _workdays(count: int) -> Callable[[datetime.date], datetime.date]:
    return lambda today: get_calendar().add_workdays(today, count)


def _days(count: int) -> Callable[[datetime.date], datetime.date]:
    return lambda today: today + datetime.timedelta(days=count)


def _each_month_before_the_5th(today: datetime.date, since_days: int) -> list[Step]:
    """Reports sent two days before each 5th since the plan was issued: a recurring obligation
    (每月5日前报送) kept up with, so its next occurrence is the one ahead."""
    steps = []
    day = (today - datetime.timedelta(days=since_days)).replace(day=5)
    while day <= today:
        ago = (day - today).days - 2
        if -since_days < ago <= 0:
            steps.append(
                Step(ago, "report", "市财政局", f"已报送{day.month - 1 or 12}月减税降费政策落实情况。")
            )
        day = (day + datetime.timedelta(days=31)).replace(day=5)
    return steps


def demo_plans(today: datetime.date) -> list[DemoPlan]:
    year = (today - datetime.timedelta(days=OLDEST_PLAN_DAYS)).year
    business = DemoPlan(
        title=f"关于印发淄博市{year}年优化营商环境重点任务分工方案的通知",
        number=f"淄政办字〔{year}〕27号",
        issued_days_ago=OLDEST_PLAN_DAYS,
        tasks=[
            DemoTask(
                "推进政务服务“一网通办”，高频政务服务事项全程网办率达到90%以上。",
                lead=["市大数据局"],
                responsible=["市行政审批服务局", "市财政局"],
                due=_days(-40),
                raw=_date_raw,
                person="张明",
                steps=[
                    *_monthly(
                        "市大数据局",
                        [
                            "已梳理高频事项326项，完成统一受理平台对接方案。",
                            "已完成210项事项的流程再造，全程网办率提升至68%。",
                            "剩余事项涉及省级系统对接，正在协调省大数据局推进。",
                        ],
                        start=-20,
                    ),
                    Step(-75, "report", "市行政审批服务局", "已完成窗口端受理系统改造，配合开展事项梳理。"),
                    Step(-50, "report", "市财政局", "非税收入电子缴款已接入统一支付平台。"),
                    Step(-48, "part", "市财政局", "统一支付平台对接已完成，本单位承担的部分已全部完成。"),
                ],
            ),
            DemoTask(
                "完成政府采购电子化交易平台升级改造，实现采购全流程电子化。",
                lead=["市财政局"],
                due=_days(-12),
                raw=_date_raw,
                steps=_monthly(
                    "市财政局",
                    ["完成平台升级需求调研和招标。", "平台主体功能开发完成，进入联调测试。"],
                    start=-15,
                ),
            ),
            DemoTask(
                "开展工程建设项目审批制度改革实施效果评估，形成评估报告。",
                lead=["市住房城乡建设局"],
                responsible=["市行政审批服务局"],
                due=_days(-3),
                raw=_date_raw,
            ),
            DemoTask(
                "建成企业开办“一窗通”平台2.0版，企业开办全程压缩至0.5个工作日。",
                lead=["市大数据局"],
                responsible=["市市场监管局"],
                due=_workdays(2),
                raw=_date_raw,
                steps=_monthly(
                    "市大数据局", ["完成2.0版功能设计。", "平台已上线试运行，正在收集企业意见。"], start=-10
                ),
            ),
            DemoTask(
                "落实减税降费政策，开展“政策直达快享”专项行动。",
                lead=["市税务局"],
                responsible=["市财政局"],
                due=_workdays(4),
                raw=_date_raw,
                steps=[
                    Step(-25, "report", "市财政局", "已向1.2万户市场主体推送政策清单，兑现资金3800万元。")
                ],
            ),
            DemoTask(
                "健全“免申即享”政策兑现机制，梳理公布第一批政策清单。",
                lead=["市发展改革委"],
                responsible=["市财政局", "市大数据局"],
                due=_days(45),
                raw=_month_raw,
                steps=[
                    Step(-30, "report", "市发展改革委", "已征集各部门政策事项86项，正在审核。"),
                    Step(-28, "report", "市大数据局", "政策兑现模块已完成数据接口开发。"),
                ],
            ),
            DemoTask(
                "推行“双随机、一公开”跨部门联合监管，联合抽查占比达到30%以上。",
                lead=["市市场监管局"],
                due=_days(120),
                raw=_month_raw,
            ),
            DemoTask(
                "持续开展营商环境评价，每季度通报评价结果。",
                lead=["市发展改革委"],
                responsible=["市有关部门"],
                kind=Task.DeadlineKind.ONGOING,
                raw="长期坚持",
                steps=[Step(-40, "report", "市发展改革委", "已完成第三季度评价并印发通报。")],
            ),
            DemoTask(
                "按月报送减税降费政策落实情况。",
                lead=["市财政局"],
                kind=Task.DeadlineKind.RECURRING,
                recurrence="FREQ=MONTHLY;BYMONTHDAY=5",
                raw="每月5日前报送",
                steps=_each_month_before_the_5th(today, OLDEST_PLAN_DAYS - 2),
            ),
            DemoTask(
                "制定政务数据共享开放管理办法。",
                lead=["市大数据局"],
                due=_days(-20),
                raw=_date_raw,
                steps=[
                    Step(-60, "report", "市大数据局", "办法初稿已完成，征求各部门意见。"),
                    Step(-26, "complete", "市大数据局", "《管理办法》已经市政府常务会议审议通过并印发。"),
                    Step(-24, "approve"),
                ],
            ),
            DemoTask(
                "建设“无证明城市”，公布取消证明事项清单。",
                lead=["市大数据局"],
                responsible=["市财政局", "市行政审批服务局"],
                due=_days(10),
                raw=_date_raw,
                steps=[
                    Step(-45, "report", "市行政审批服务局", "已梳理证明事项142项，拟取消97项。"),
                    Step(-12, "report", "市财政局", "财政领域证明事项已全部取消并公布。"),
                    Step(-8, "part", "市财政局", "本单位负责的11项证明事项已全部取消。"),
                    Step(-5, "report", "市大数据局", "电子证明共享核验系统已上线。"),
                    Step(
                        -2, "complete", "市大数据局", "取消证明事项清单已公布，核验系统运行正常，申请办结。"
                    ),
                ],
            ),
            DemoTask(
                "完成全市公共资源交易平台整合，实现交易全流程电子化。",
                lead=["市财政局"],
                due=_days(-2),
                raw=_date_raw,
                steps=[
                    Step(-35, "report", "市财政局", "已完成平台整合方案，正在进行数据迁移。"),
                    Step(
                        -1,
                        "extend",
                        "市财政局",
                        "省级平台接口调整，数据迁移需延后，申请延期一个月。",
                        {"days": 30},
                    ),
                ],
            ),
            DemoTask(
                "推进不动产登记“一网通办”，实现登记、缴税、缴费一次办结。",
                lead=["市住房城乡建设局"],
                responsible=["市大数据局"],
                due=_days(-60),
                raw=_month_raw,
                steps=[
                    Step(-70, "extend", "市住房城乡建设局", "税务系统对接延后，申请延期。", {"days": 80}),
                    Step(-68, "approve_extension"),
                    Step(-30, "report", "市住房城乡建设局", "已完成与税务系统对接测试。"),
                ],
            ),
        ],
    )
    digital = DemoPlan(
        title=f"淄博市{year}年数字政府建设工作要点",
        number=f"淄数字办发〔{year}〕3号",
        issued_days_ago=100,
        tasks=[
            DemoTask(
                "建成全市一体化大数据平台二期，各区县数据汇聚率达到95%。",
                lead=["市大数据局"],
                responsible=["各区县政府"],
                due=_days(60),
                raw=_month_raw,
                steps=_monthly("市大数据局", ["完成二期项目招标。", "已汇聚区县数据1.6亿条。"], start=-8),
            ),
            DemoTask(
                "完成政务云资源整合迁移，市级部门非涉密系统全部上云。",
                lead=["市大数据局"],
                due=_days(-25),
                raw=_date_raw,
                steps=_monthly(
                    "市大数据局", ["已迁移系统46个。", "剩余9个系统涉及改造，正在推进。"], start=-18
                ),
            ),
            DemoTask(
                "推进电子证照在政务服务中的应用，实现高频证照免提交。",
                lead=["市行政审批服务局"],
                responsible=["市大数据局"],
                due=_workdays(3),
                raw=_date_raw,
                steps=[Step(-14, "report", "市行政审批服务局", "已实现营业执照等32类证照免提交。")],
            ),
            DemoTask(
                "开展政务数据安全专项检查。",
                lead=["市公安局"],
                responsible=["市大数据局"],
                due=_days(90),
                raw=_month_raw,
            ),
        ],
    )
    return [business, digital]


# --- Loading ---------------------------------------------------------------------------------------


def _moment(today: datetime.date, days: int, hour: int = 10) -> datetime.datetime:
    day = today + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


class _Story:
    """Runs the steps through the workflow, then dates what each step wrote back to its day."""

    def __init__(self, today: datetime.date, liaisons: dict[str, Any], supervisor) -> None:
        self.today = today
        self.liaisons = liaisons
        self.supervisor = supervisor

    def _logs_since(self, mark: int):
        return ChangeLog.objects.filter(pk__gt=mark)

    def run(self, task: Task, step: Step) -> None:
        when = _moment(
            self.today, step.days, 10 if step.kind in ("report", "part", "extend", "complete") else 16
        )
        mark = ChangeLog.objects.aggregate(top=Max("pk"))["top"] or 0
        getattr(self, f"_{step.kind}")(Task.objects.select_related("plan").get(pk=task.pk), step, when)
        self._logs_since(mark).update(created_at=when)

    def _user_of(self, unit: Unit):
        return self.liaisons.get(unit.name)

    def _unit(self, name: str) -> Unit:
        return Unit.objects.get(jurisdiction=JURISDICTION, name=name)

    def _report(self, task: Task, step: Step, when: datetime.datetime) -> None:
        unit = self._unit(step.unit)
        report = workflow.report_progress(
            task, user=self._user_of(unit), unit=unit, text=step.text, period=when.date()
        )
        ProgressReport.objects.filter(pk=report.pk).update(created_at=when)

    def _part(self, task: Task, step: Step, when: datetime.datetime) -> None:
        unit = self._unit(step.unit)
        part = Assignment.objects.select_related("task", "unit").get(task=task, unit=unit)
        workflow.set_part_done(
            part, user=self._user_of(unit), done=True, version=part.version, note=step.text
        )
        Assignment.objects.filter(pk=part.pk).update(done_at=when)

    def _complete(self, task: Task, step: Step, when: datetime.datetime) -> None:
        unit = self._unit(step.unit)
        request = workflow.submit_completion(
            task, user=self._user_of(unit), unit=unit, summary=step.text, version=task.version
        )
        CompletionRequest.objects.filter(pk=request.pk).update(submitted_at=when)

    def _approve(self, task: Task, step: Step, when: datetime.datetime) -> None:
        request = task.completion_requests.get(status=CompletionRequest.Status.PENDING)
        workflow.decide_completion(
            request, user=self.supervisor, approve=True, comment="材料齐全，同意办结。", version=task.version
        )
        CompletionRequest.objects.filter(pk=request.pk).update(decided_at=when)
        Task.objects.filter(pk=task.pk).update(completed_at=when)
        Assignment.objects.filter(task=task, done_by=self.supervisor).update(done_at=when)

    def _extend(self, task: Task, step: Step, when: datetime.datetime) -> None:
        unit = self._unit(step.unit)
        request = workflow.request_extension(
            task,
            user=self._user_of(unit),
            unit=unit,
            new_deadline=task.deadline + datetime.timedelta(days=step.extra["days"]),
            reason=step.text,
            version=task.version,
        )
        ExtensionRequest.objects.filter(pk=request.pk).update(created_at=when)

    def _approve_extension(self, task: Task, step: Step, when: datetime.datetime) -> None:
        request = task.extension_requests.get(status=ExtensionRequest.Status.PENDING)
        workflow.decide_extension(
            request,
            user=self.supervisor,
            approve=True,
            comment="同意延期，请按新时限完成。",
            version=task.version,
        )
        ExtensionRequest.objects.filter(pk=request.pk).update(decided_at=when)


@transaction.atomic
def load_demo_plans(liaisons: dict[str, Any], supervisor, today: datetime.date | None = None) -> list[Plan]:
    """Create the demo plans once (an audit entry marks them loaded); [] when they already are.

    ``liaisons`` maps a unit name to the demo account reporting for it (None: the report has no
    author, as for a unit that reported on paper)."""
    if ChangeLog.objects.filter(action=MARKER).exists():
        return []
    today = today or timezone.localdate()
    plans: list[Plan] = []
    story = _Story(today, liaisons, supervisor)
    for spec in demo_plans(today):
        issued = today - datetime.timedelta(days=spec.issued_days_ago)
        published = _moment(today, -spec.issued_days_ago + 2, 9)
        plan = Plan.objects.create(
            title=spec.title,
            number=spec.number,
            issuer="淄博市人民政府办公室",
            issued=issued,
            year=issued.year,
            jurisdiction=JURISDICTION,
            status=Plan.Status.PUBLISHED,
            created_by=supervisor,
            published_by=supervisor,
            published_at=published,
        )
        tasks = []
        for order, item in enumerate(spec.tasks, start=1):
            deadline = item.due(today) if item.due else None
            raw = item.raw(deadline) if callable(item.raw) else item.raw
            kind = item.kind
            if kind == Task.DeadlineKind.RECURRING:
                deadline = None
            task = Task.objects.create(
                plan=plan,
                order=order,
                section_path=["二、重点任务"],
                item_label=f"（{order}）",
                text=item.text,
                deadline=deadline,
                deadline_kind=kind,
                deadline_raw=raw,
                recurrence=item.recurrence,
                responsible_person=item.person,
            )
            position = {"lead": 0, "responsible": 0}
            for role, names in (("lead", item.lead), ("responsible", item.responsible)):
                for name in names:
                    Assignment.objects.create(
                        task=task,
                        unit=Unit.objects.get(jurisdiction=JURISDICTION, name=name),
                        role=role,
                        position=position[role],
                    )
                    position[role] += 1
            tasks.append((task, item))
        Task.objects.filter(plan=plan).update(created_at=published, updated_at=published)
        log = ChangeLog.objects.create(
            actor=supervisor,
            action="plan.publish",
            summary=f"发布《{plan.title}》，共 {len(tasks)} 项任务",
            plan=plan,
            changes={"status": [str(Plan.Status.DRAFT.label), str(Plan.Status.PUBLISHED.label)]},
        )
        ChangeLog.objects.filter(pk=log.pk).update(created_at=published)
        for task, item in tasks:
            for step in sorted(item.steps, key=lambda step: step.days):
                story.run(task, step)
        plans.append(plan)
    refresh_recurring(today)
    ChangeLog.objects.create(
        actor=supervisor,
        action=MARKER,
        summary=f"载入演示方案 {len(plans)} 个（按{today:%Y年%m月%d日}生成日期）",
    )
    return plans


def demo_accounts_by_unit() -> dict[str, Any]:
    """The demo liaisons by their unit's name."""
    users = get_user_model().objects.filter(memberships__unit__jurisdiction=JURISDICTION).distinct()
    result: dict[str, Any] = {}
    for user in users.prefetch_related("memberships__unit"):
        for membership in user.memberships.all():
            result.setdefault(membership.unit.name, user)
    return result
