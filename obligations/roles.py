"""Roles: who sees which tasks and who may do what. The only place that decides it.

The rest of the app asks here: querysets apply a user's ``TaskScope`` (``Task.objects.visible_to``,
``editable_by``), views and templates ask ``capabilities(user)`` (``can.supervise`` …), never a role
name. This module imports no model of the app (it reaches a user's units through the user's own
``memberships``), so the models can ask it without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.db.models import QuerySet

if TYPE_CHECKING:
    from .models import Assignment, Task, Unit

SUPERVISOR_GROUP = "督查员"
LIAISON_GROUP = "联络员"
LEADER_GROUP = "领导"

# A user's role; the membership roles of a unit use the same words for liaisons and leaders.
SUPERVISOR = "supervisor"
LIAISON = "liaison"
LEADER = "leader"

# Model permissions each group gets (app label obligations); supervisors get all of the app's.
_LIAISON_PERMISSIONS = [
    "view_task",
    "view_plan",
    "view_unit",
    "add_progressreport",
    "view_progressreport",
    "add_completionrequest",
    "view_completionrequest",
    "add_extensionrequest",
    "view_extensionrequest",
    "add_evidence",
    "view_evidence",
]
_LEADER_PERMISSIONS = [
    "view_task",
    "view_plan",
    "view_unit",
    "view_progressreport",
    "view_completionrequest",
    "view_extensionrequest",
    "view_evidence",
]

User = AbstractBaseUser | AnonymousUser


# django-axes' login records in the admin: supervisors read them and delete attempts (= unlock).
_SUPERVISOR_AXES_PERMISSIONS = [
    "view_accessattempt",
    "delete_accessattempt",
    "view_accesslog",
    "view_accessfailurelog",
]


def ensure_groups() -> None:
    """Create the three groups and their permissions; safe to run any number of times."""
    app_permissions = Permission.objects.filter(content_type__app_label="obligations")
    axes_permissions = Permission.objects.filter(
        content_type__app_label="axes", codename__in=_SUPERVISOR_AXES_PERMISSIONS
    )
    supervisor, _ = Group.objects.get_or_create(name=SUPERVISOR_GROUP)
    supervisor.permissions.set(app_permissions | axes_permissions)
    liaison, _ = Group.objects.get_or_create(name=LIAISON_GROUP)
    liaison.permissions.set(app_permissions.filter(codename__in=_LIAISON_PERMISSIONS))
    leader, _ = Group.objects.get_or_create(name=LEADER_GROUP)
    leader.permissions.set(app_permissions.filter(codename__in=_LEADER_PERMISSIONS))


def _group_names(user: User) -> set[str]:
    cached = getattr(user, "_tracker_group_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
        user._tracker_group_names = cached
    return cached


def role_of(user: User) -> str | None:
    """The user's main role: supervisor, liaison, leader, or None."""
    if not user.is_authenticated or not user.is_active:
        return None
    groups = _group_names(user)
    if user.is_superuser or SUPERVISOR_GROUP in groups:
        return SUPERVISOR
    if LIAISON_GROUP in groups:
        return LIAISON
    if LEADER_GROUP in groups:
        return LEADER
    return None


def supervisors() -> QuerySet:
    """Active members of the 督查员 group: who hears about escalations and new ledgers."""
    return get_user_model().objects.filter(groups__name=SUPERVISOR_GROUP, is_active=True).distinct()


def member_unit_ids(user: User, roles: tuple[str, ...] | None = None) -> set[int]:
    """Units the user belongs to, plus the generic groups those units are members of (one query)."""
    if not user.is_authenticated:
        return set()
    memberships = user.memberships.all()
    if roles:
        memberships = memberships.filter(role__in=roles)
    ids: set[int] = set()
    for unit_id, group_id in memberships.values_list("unit_id", "unit__groups"):
        ids.add(unit_id)
        if group_id is not None:
            ids.add(group_id)
    return ids


# --- Which tasks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskScope:
    """Which tasks a user reaches, as decided here; ``TaskQuerySet.within`` turns it into a query.

    Everything (drafts too), every published task, the published tasks of some units, or nothing.
    """

    everything: bool = False
    all_published: bool = False
    unit_ids: frozenset[int] = frozenset()

    @property
    def sees_all_published(self) -> bool:
        return self.everything or self.all_published


EVERYTHING = TaskScope(everything=True)
ALL_PUBLISHED = TaskScope(all_published=True)
NOTHING = TaskScope()


def visible_scope(user: User) -> TaskScope:
    """Supervisors see everything; liaisons and unit leaders the published tasks of their units
    (and of the generic groups those belong to); a leader with no unit (e.g. a 分管副市长) every
    published task; anyone else nothing."""
    role = role_of(user)
    if role == SUPERVISOR:
        return EVERYTHING
    if role == LIAISON:
        return TaskScope(unit_ids=frozenset(member_unit_ids(user)))
    if role == LEADER:
        unit_ids = member_unit_ids(user)
        return TaskScope(unit_ids=frozenset(unit_ids)) if unit_ids else ALL_PUBLISHED
    return NOTHING


def editable_scope(user: User) -> TaskScope:
    """Who may report on or change tasks: supervisors all, liaisons their units' (as liaison)."""
    role = role_of(user)
    if role == SUPERVISOR:
        return EVERYTHING
    if role == LIAISON:
        return TaskScope(unit_ids=frozenset(member_unit_ids(user, roles=(LIAISON,))))
    return NOTHING


def sees_all_published(user: User) -> bool:
    """Whether the user's visible tasks include every published task (supervisors, unit-less leaders)."""
    return visible_scope(user).sees_all_published


def acting_assignment(user: User, task: Task) -> Assignment | None:
    """The assignment a liaison acts through on this task: their own unit's, or that of a generic
    group their unit belongs to (lead first, then in the document's order)."""
    unit_ids = member_unit_ids(user, roles=(LIAISON,))
    if not unit_ids:
        return None
    return (
        task.assignments.filter(unit_id__in=unit_ids)
        .select_related("unit")
        .order_by("role", "position")
        .first()
    )


def acting_unit(user: User, task: Task, assignment: Assignment | None = None) -> Unit | None:
    """The unit a liaison acts for on this task: their own unit assigned to it (lead first). Through
    a generic group, their own member unit, so reports say who actually reported."""
    assignment = assignment or acting_assignment(user, task)
    if assignment is None:
        return None
    unit = assignment.unit
    if unit.is_group:
        own = user.memberships.filter(unit__groups=unit, role=LIAISON).select_related("unit").first()
        return own.unit if own else unit
    return unit


@dataclass(frozen=True)
class TaskRights:
    """What a user may do on one task (``task_rights``); templates ask these flags.

    Every assigned unit's liaison reports its progress and marks its own part done (本单位已完成);
    only the unit that answers for the task (牵头单位, see ``Task.answering_assignments``) asks for
    办结 of the whole task, and supervisors may ask on its behalf (e.g. from paper materials).
    """

    assignment: Assignment | None = None  # the assignment a liaison acts through
    unit: Unit | None = None  # the unit named on what they submit
    report: bool = False  # progress reports, 本单位已完成 and its undo, 延期申请
    answers: bool = False  # the acting unit answers for the task (牵头单位)
    request_completion: bool = False  # 申请办结 of the whole task
    on_behalf: bool = False  # a supervisor asking for 办结 in the lead unit's name


def task_rights(user: User, task: Task) -> TaskRights:
    role = role_of(user)
    if role == SUPERVISOR:
        return TaskRights(request_completion=True, on_behalf=True)
    if role != LIAISON:
        return TaskRights()
    assignment = acting_assignment(user, task)
    if assignment is None:
        return TaskRights()
    answers = any(a.pk == assignment.pk for a in task.answering_assignments())
    return TaskRights(
        assignment=assignment,
        unit=acting_unit(user, task, assignment),
        report=True,
        answers=answers,
        request_completion=answers,
    )


# --- What a user may do ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Capabilities:
    """What a user may do, as views and templates ask it (``{% if can.supervise %}``)."""

    supervise: bool = False  # import and review plans, decide requests, 催办, edit, the reminder policy
    overview: bool = False  # the dashboard (督办总览), read-only unless also supervising
    export_ledgers: bool = False  # 进展台账: export and download
    report: bool = False  # report progress, ask to close or extend their units' tasks (liaisons)
    admin_site: bool = False  # the Django admin
    unlock_logins: bool = False  # see and lift login lockouts (django-axes) early
    operations: bool = False  # /healthz details, backups, the holiday table (节假日设置)
    issue_bulletins: bool = False  # 督查通报: generate (numbered, official) and edit 下一步要求
    read_bulletins: bool = False  # 督查通报: list and download
    view_scores: bool = False  # 考核得分: rankings and their breakdowns
    edit_scoring: bool = False  # 考核规则: save a new version


def capabilities(user: User) -> Capabilities:
    cached = getattr(user, "_tracker_capabilities", None)
    if cached is not None:
        return cached
    role = role_of(user)
    can = Capabilities(
        supervise=role == SUPERVISOR,
        overview=role in (SUPERVISOR, LEADER),
        # Liaisons report on their tasks instead; their ledger pages are a 404.
        export_ledgers=role in (SUPERVISOR, LEADER),
        report=role == LIAISON,
        admin_site=role == SUPERVISOR and bool(getattr(user, "is_staff", False)),
        unlock_logins=role == SUPERVISOR,
        operations=role == SUPERVISOR,
        issue_bulletins=role == SUPERVISOR,
        # Liaisons report; bulletins and scores rank units against each other: a 404 for them.
        read_bulletins=role in (SUPERVISOR, LEADER),
        view_scores=role in (SUPERVISOR, LEADER),
        edit_scoring=role == SUPERVISOR,
    )
    if user.is_authenticated:
        user._tracker_capabilities = can
    return can


def ledger_exports_seen(user: User) -> str:
    """Which stored ledgers the user may list: "all", "own" (the ones they made) or "none".

    Every ledger holds published tasks only, so whoever sees all published tasks sees them all; a
    unit's leader made theirs limited to their units, and sees only those.
    """
    if not capabilities(user).export_ledgers:
        return "none"
    return "all" if sees_all_published(user) else "own"


def bulletins_seen(user: User) -> str | frozenset[int] | None:
    """Which stored bulletins the user may list: "all", those limited to some units (a unit's
    leader: bulletins whose unit filter is within their units), or None (liaisons, no role)."""
    if not capabilities(user).read_bulletins:
        return None
    scope = visible_scope(user)
    return "all" if scope.sees_all_published else scope.unit_ids


def score_units_seen(user: User) -> frozenset[int] | None:
    """Whose 考核 scores the user sees: None for every unit (supervisors, leaders of no unit), else
    the units of a unit's leader. Callers check ``capabilities(user).view_scores`` first."""
    scope = visible_scope(user)
    return None if scope.sees_all_published else scope.unit_ids
