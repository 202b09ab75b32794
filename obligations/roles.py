"""Roles and who may see which tasks. Every view asks here; nothing else decides visibility."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.db.models import QuerySet

from .models import Assignment, Membership, Plan, Task, Unit

SUPERVISOR_GROUP = "督查员"
LIAISON_GROUP = "联络员"
LEADER_GROUP = "领导"

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


def is_supervisor(user: User) -> bool:
    return role_of(user) == SUPERVISOR


def may_unlock_logins(user: User) -> bool:
    """Who may lift a login lockout (django-axes) early: supervisors."""
    return role_of(user) == SUPERVISOR


def member_unit_ids(user: User, roles: tuple[str, ...] | None = None) -> set[int]:
    """Units the user belongs to, plus the generic groups those units are members of."""
    if not user.is_authenticated:
        return set()
    memberships = Membership.objects.filter(user=user)
    if roles:
        memberships = memberships.filter(role__in=roles)
    own = set(memberships.values_list("unit_id", flat=True))
    if not own:
        return set()
    groups = set(
        Unit.members.through.objects.filter(to_unit_id__in=own).values_list("from_unit_id", flat=True)
    )
    return own | groups


def published_tasks() -> QuerySet[Task]:
    """Tasks of published plans, as "plan_id IN (published plans)" rather than a join on plans: with a
    join SQLite's planner may walk every plan first, which is slow once there are 100,000 tasks."""
    return Task.objects.filter(plan_id__in=Plan.objects.filter(status=Plan.Status.PUBLISHED).values("pk"))


def _tasks_of_units(unit_ids: set[int]) -> QuerySet[Task]:
    # "id IN (tasks of these units)" lets the database start from the units' assignments (an index
    # range) instead of probing every task with EXISTS: a liaison's list stays fast at 100,000 tasks.
    assigned = Assignment.objects.filter(unit_id__in=unit_ids).values("task_id")
    return published_tasks().filter(pk__in=assigned)


def visible_tasks(user: User) -> QuerySet[Task]:
    """Tasks the user may see. Liaisons and unit leaders: published tasks of their units only."""
    role = role_of(user)
    if role == SUPERVISOR:
        return Task.objects.all()
    if role == LIAISON:
        return _tasks_of_units(member_unit_ids(user))
    if role == LEADER:
        unit_ids = member_unit_ids(user)
        if unit_ids:
            return _tasks_of_units(unit_ids)
        # A leader attached to no unit reads the whole jurisdiction (e.g. a 分管副市长).
        return published_tasks()
    return Task.objects.none()


def sees_all_published(user: User) -> bool:
    """Whether visible_tasks(user) includes every published task (supervisors, unit-less leaders)."""
    role = role_of(user)
    return role == SUPERVISOR or (role == LEADER and not member_unit_ids(user))


def editable_tasks(user: User) -> QuerySet[Task]:
    """Tasks the user may report on or change: supervisors all, liaisons their units', leaders none."""
    role = role_of(user)
    if role == SUPERVISOR:
        return Task.objects.all()
    if role == LIAISON:
        return _tasks_of_units(member_unit_ids(user, roles=(Membership.Role.LIAISON,)))
    return Task.objects.none()


def acting_unit(user: User, task: Task) -> Unit | None:
    """The unit a liaison acts for on this task: their own unit assigned to it (lead first)."""
    unit_ids = member_unit_ids(user, roles=(Membership.Role.LIAISON,))
    assignment = (
        task.assignments.filter(unit_id__in=unit_ids)
        .select_related("unit")
        .order_by("role", "position")
        .first()
    )
    if assignment is None:
        return None
    unit = assignment.unit
    if unit.is_group:
        # Act as the member unit, not the group, so reports say who actually reported.
        own = Membership.objects.filter(
            user=user, unit__groups=unit, role=Membership.Role.LIAISON
        ).select_related("unit")
        first = own.first()
        return first.unit if first else unit
    return unit
