"""Demo data, loaded idempotently: registered units, demo accounts, the five seed gazettes (closed as
the 2018–2021 history they are), demo plans dated relative to today, and last month's ledger."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from ..dates import previous_month
from ..extract import ExtractionError
from ..ledger.monthly import run_monthly_ledger
from ..models import LedgerExport, Membership, Plan, Unit, UnitAlias
from ..plans.importing import ImportOutcome, import_path
from ..roles import LEADER_GROUP, LIAISON_GROUP, SUPERVISOR_GROUP
from .demo_history import close_historical_plans
from .demo_plans import demo_accounts_by_unit, load_demo_plans

FIXTURES = Path(settings.BASE_DIR) / "fixtures"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    full_name: str
    group: str
    unit: str | None = None
    staff: bool = False


# Documented in README.md; for the demo only.
DEMO_ACCOUNTS = [
    DemoAccount("duchashi", "Duban#2026", "督查室 王督查", SUPERVISOR_GROUP, staff=True),
    DemoAccount("caizheng", "Lianluo#2026", "市财政局 李联络", LIAISON_GROUP, unit="市财政局"),
    DemoAccount("dashuju", "Lianluo#2026", "市大数据局 张联络", LIAISON_GROUP, unit="市大数据局"),
    DemoAccount("shenpi", "Lianluo#2026", "市行政审批服务局 刘联络", LIAISON_GROUP, unit="市行政审批服务局"),
    DemoAccount("zhujian", "Lianluo#2026", "市住房城乡建设局 陈联络", LIAISON_GROUP, unit="市住房城乡建设局"),
    DemoAccount("lingdao", "Lingdao#2026", "分管领导 赵领导", LEADER_GROUP),
]


def load_units(path: Path = FIXTURES / "demo_units.json") -> int:
    data = json.loads(path.read_text(encoding="utf-8"))
    jurisdiction = data["jurisdiction"]
    with transaction.atomic():
        by_name: dict[str, Unit] = {}
        for entry in data["units"]:
            unit, _ = Unit.objects.update_or_create(
                jurisdiction=jurisdiction,
                name=entry["name"],
                defaults={
                    "kind": entry.get("kind", Unit.Kind.DEPARTMENT),
                    "is_group": entry.get("is_group", False),
                },
            )
            by_name[unit.name] = unit
            for alias in entry.get("aliases", []):
                UnitAlias.objects.get_or_create(unit=unit, jurisdiction=jurisdiction, name=alias)
        for entry in data["units"]:
            if entry.get("members"):
                by_name[entry["name"]].members.set([by_name[name] for name in entry["members"]])
    return len(by_name)


def load_accounts(jurisdiction: str = "淄博市") -> list[DemoAccount]:
    user_model = get_user_model()
    for account in DEMO_ACCOUNTS:
        user, created = user_model.objects.get_or_create(username=account.username)
        if created:
            user.set_password(account.password)
        user.first_name = account.full_name
        user.email = f"{account.username}@example.gov.cn"
        user.is_staff = account.staff
        user.save()
        user.groups.add(Group.objects.get(name=account.group))
        if account.unit:
            unit = Unit.objects.get(jurisdiction=jurisdiction, name=account.unit)
            Membership.objects.get_or_create(user=user, unit=unit, defaults={"role": Membership.Role.LIAISON})
    return DEMO_ACCOUNTS


def import_seed_plans(publish: bool = True) -> list[tuple[Path, ImportOutcome | str]]:
    results: list[tuple[Path, ImportOutcome | str]] = []
    supervisor = get_user_model().objects.filter(username=DEMO_ACCOUNTS[0].username).first()
    for path in sorted((FIXTURES / "plans").iterdir()):
        if path.name.startswith("."):
            continue
        try:
            results.append((path, import_path(path, user=supervisor, publish=publish)))
        except ExtractionError as exc:
            results.append((path, str(exc)))
    return results


def close_seed_history(outcomes: list[tuple[Path, ImportOutcome | str]]) -> int:
    """The seed gazettes imported just now are 2018–2021 plans: close their tasks as history."""
    plans = [
        plan
        for _, outcome in outcomes
        if isinstance(outcome, ImportOutcome) and outcome.created
        for plan in outcome.plans
    ]
    return close_historical_plans(plans, _supervisor())


def load_today_plans() -> list[Plan]:
    """The demo plans dated relative to today (once)."""
    return load_demo_plans(demo_accounts_by_unit(), _supervisor())


def last_months_ledger() -> LedgerExport | None:
    """Last month's ledger, as the 1st-of-the-month schedule would have written it (once)."""
    return run_monthly_ledger(previous_month(timezone.localdate()))


def _supervisor():
    return get_user_model().objects.filter(username=DEMO_ACCOUNTS[0].username).first()
