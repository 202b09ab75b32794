"""The supervisor's review of an imported plan before liaisons see it (导入审核).

Rows (draft tasks) can be merged, split or dropped; unknown unit names created by the import can
be mapped to registered units (with an alias so the next import matches) or confirmed as new;
then the plan is published. Every step is recorded with audit.record.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import F, ProtectedError, QuerySet
from django.utils import timezone

from ..models import Assignment, Plan, SourceDocument, Task, Unit, UnitAlias
from ..workflow import audit
from ..workflow.refusals import WorkflowError

# Orders are moved out of the way first so renumbering never collides with the unique (plan, order).
_ORDER_OFFSET = 1_000_000


def _require_draft(plan: Plan) -> None:
    if plan.status != Plan.Status.DRAFT:
        raise WorkflowError("该方案已发布，不能再合并、拆分或删除条目。")


def renumber(plan: Plan, ordered_ids: Sequence[int]) -> None:
    """Give the plan's tasks the orders 1..n in the given sequence, without unique collisions."""
    Task.objects.filter(plan=plan).update(order=F("order") + _ORDER_OFFSET)
    tasks = list(Task.objects.filter(pk__in=ordered_ids))
    by_id = {task.pk: task for task in tasks}
    for position, task_id in enumerate(ordered_ids, start=1):
        by_id[task_id].order = position
    Task.objects.bulk_update(tasks, ["order"])


def _task_ids_in_order(plan: Plan) -> list[int]:
    return list(plan.tasks.order_by("order", "pk").values_list("pk", flat=True))


def merge_tasks(tasks: Sequence[Task], *, user) -> Task:
    """Merge rows into the first one: texts joined, units and persons combined, others deleted."""
    tasks = sorted(tasks, key=lambda task: task.order)
    if len(tasks) < 2:
        raise WorkflowError("请至少勾选两项任务再合并。")
    plan = tasks[0].plan
    if any(task.plan_id != plan.pk for task in tasks):
        raise WorkflowError("只能合并同一方案中的任务。")
    _require_draft(plan)
    keep, others = tasks[0], tasks[1:]
    before = audit.snapshot(keep, ["text", "deadline", "deadline_raw", "responsible_person"])
    before["units"] = "、".join(
        a.unit.name for a in keep.assignments.select_related("unit").order_by("role", "position")
    )
    deadlines = {task.deadline for task in tasks if task.deadline}
    with transaction.atomic():
        keep.text = "".join(task.text.strip() for task in tasks)
        if keep.deadline is None and deadlines:
            donor = next(task for task in tasks if task.deadline)
            keep.deadline, keep.deadline_kind, keep.deadline_raw = (
                donor.deadline,
                donor.deadline_kind,
                donor.deadline_raw,
            )
        persons = [task.responsible_person for task in tasks if task.responsible_person]
        keep.responsible_person = "、".join(dict.fromkeys(persons))[:100]
        notes = [task.review_note for task in tasks if task.review_note]
        if len(deadlines) > 1:
            notes.append("合并的条目时限不同，已保留第一项的时限")
        keep.review_note = "；".join(dict.fromkeys(notes))[:500]
        keep.needs_review = any(task.needs_review for task in tasks) or len(deadlines) > 1
        keep.version += 1
        keep.save()
        existing = {a.unit_id: a for a in keep.assignments.all()}
        positions = {
            role: sum(1 for a in existing.values() if a.role == role) for role in Assignment.Role.values
        }
        new_rows = []
        for other in others:
            for assignment in other.assignments.order_by("role", "position"):
                if assignment.unit_id in existing:
                    continue
                row = Assignment(
                    task=keep,
                    unit_id=assignment.unit_id,
                    role=assignment.role,
                    position=positions[assignment.role],
                )
                positions[assignment.role] += 1
                existing[assignment.unit_id] = row
                new_rows.append(row)
        labels = "、".join(f"第 {task.order} 项" for task in tasks)
        Task.objects.filter(pk__in=[task.pk for task in others]).delete()
        Assignment.objects.bulk_create(new_rows)
        after = audit.snapshot(keep, ["text", "deadline", "deadline_raw", "responsible_person"])
        after["units"] = "、".join(
            a.unit.name for a in keep.assignments.select_related("unit").order_by("role", "position")
        )
        audit.record(user, "review.merge", f"合并{labels}", task=keep, changes=audit.diff(before, after))
        renumber(plan, _task_ids_in_order(plan))
    keep.refresh_from_db()
    return keep


def split_task(task: Task, parts: Sequence[str], *, user) -> list[Task]:
    """Split a row into several: the first part stays, the rest become new rows right after it."""
    parts = [part.strip() for part in parts if part.strip()]
    if len(parts) < 2:
        raise WorkflowError("拆分后至少应有两项任务：请把每项任务写成单独的一行。")
    plan = task.plan
    _require_draft(plan)
    assignments = list(task.assignments.order_by("role", "position"))
    with transaction.atomic():
        old_text = task.text
        task.text = parts[0]
        task.version += 1
        task.save()
        ids = _task_ids_in_order(plan)
        top = max(plan.tasks.values_list("order", flat=True)) + _ORDER_OFFSET * 2
        created = []
        for offset, text in enumerate(parts[1:], start=1):
            clone = Task(
                plan=plan,
                order=top + offset,
                section_path=task.section_path,
                item_label=task.item_label,
                text=text,
                deadline=task.deadline,
                deadline_kind=task.deadline_kind,
                deadline_raw=task.deadline_raw,
                recurrence=task.recurrence,
                needs_review=task.needs_review,
                review_note=task.review_note,
                responsible_person=task.responsible_person,
            )
            clone.save()
            Assignment.objects.bulk_create(
                Assignment(task=clone, unit_id=a.unit_id, role=a.role, position=a.position)
                for a in assignments
            )
            created.append(clone)
        where = ids.index(task.pk) + 1
        ids[where:where] = [clone.pk for clone in created]
        renumber(plan, ids)
        audit.record(
            user,
            "review.split",
            f"将第 {task.order} 项拆分为 {len(parts)} 项",
            task=task,
            changes={"text": [old_text, "\n".join(parts)]},
        )
    return [task, *created]


def drop_tasks(tasks: Sequence[Task], *, user) -> int:
    """Delete rows that are not tasks (headings, notes the engine took for tasks)."""
    if not tasks:
        raise WorkflowError("请先勾选要删除的任务。")
    plans = {task.plan_id: task.plan for task in tasks}
    for plan in plans.values():
        _require_draft(plan)
    with transaction.atomic():
        for task in tasks:
            # Recorded on the plan: the task's own log goes with it.
            audit.record(
                user,
                "review.drop",
                f"删除第 {task.order} 项：{task.text[:60]}",
                plan=task.plan,
                changes={"text": [task.text, None]},
            )
        Task.objects.filter(pk__in=[task.pk for task in tasks]).delete()
    return len(tasks)


# --- Units ---------------------------------------------------------------------------------------


def unconfirmed_units(plans: QuerySet[Plan] | Sequence[Plan]) -> QuerySet[Unit]:
    """Units the import created (not yet confirmed) that these plans' tasks use."""
    return Unit.objects.filter(confirmed=False, assignments__task__plan__in=plans).distinct().order_by("name")


def map_unit(unit: Unit, target: Unit, *, user) -> int:
    """Treat ``unit`` as another spelling of ``target``: move its assignments, remember the alias."""
    if unit.confirmed:
        raise WorkflowError(f"“{unit.name}”是已登记单位，不能映射。")
    if target.pk == unit.pk or not target.confirmed:
        raise WorkflowError("请选择一个已登记的单位。")
    with transaction.atomic():
        duplicate = Assignment.objects.filter(unit=unit, task__assignments__unit=target)
        affected_plans = list(Plan.objects.filter(tasks__assignments__unit=unit).distinct())
        duplicate_count = duplicate.count()
        Assignment.objects.filter(pk__in=list(duplicate.values_list("pk", flat=True))).delete()
        moved = Assignment.objects.filter(unit=unit).update(unit=target)
        taken = (
            UnitAlias.objects.filter(jurisdiction=target.jurisdiction, name=unit.name).exists()
            or Unit.objects.filter(jurisdiction=target.jurisdiction, name=unit.name)
            .exclude(pk=unit.pk)
            .exists()
        )
        if not taken:
            UnitAlias.objects.create(unit=target, name=unit.name, created_by=user)
        for plan in affected_plans:
            audit.record(
                user,
                "unit.map",
                f"将单位“{unit.name}”映射为已登记单位“{target.name}”",
                plan=plan,
                changes={"unit": [unit.name, target.name]},
            )
        try:
            with transaction.atomic():
                unit.delete()
        except ProtectedError:
            unit.is_active = False
            unit.save(update_fields=["is_active"])
    return moved + duplicate_count


def forget_alias(alias: UnitAlias, *, user) -> str:
    """Undo a remembered mapping: later imports no longer read this spelling as the unit. Tasks
    already mapped keep their unit (change them on the task page if they were wrong)."""
    name, target = alias.name, alias.unit
    with transaction.atomic():
        deleted, _ = UnitAlias.objects.filter(pk=alias.pk).delete()
        if not deleted:
            raise WorkflowError("该映射已被撤销。")
        audit.record(
            user,
            "alias.undo",
            f"撤销单位映射“{name}”→“{target.label_with_place}”",
            changes={"unit": [f"{name} → {target.label_with_place}", None]},
        )
    return name


def confirm_unit(unit: Unit, *, user) -> None:
    """Accept a unit the import created as a new registered unit."""
    if unit.confirmed:
        return
    unit.confirmed = True
    unit.save(update_fields=["confirmed"])
    for plan in Plan.objects.filter(tasks__assignments__unit=unit).distinct():
        audit.record(
            user,
            "unit.confirm",
            f"确认新单位“{unit.name}”",
            plan=plan,
            changes={"confirmed": [False, True]},
        )


# --- Publishing ----------------------------------------------------------------------------------


def publish_plan(plan: Plan, *, user) -> Plan:
    """Make a reviewed draft visible to liaisons. Refused while unknown units remain unmapped."""
    if plan.status != Plan.Status.DRAFT:
        raise WorkflowError("该方案已发布。")
    if not plan.tasks.exists():
        raise WorkflowError("该方案没有任务，无法发布。")
    pending = list(unconfirmed_units([plan]).values_list("name", flat=True))
    if pending:
        raise WorkflowError(
            "以下单位尚未确认或映射到已登记单位，请先处理后再发布："
            + "、".join(pending[:20])
            + ("等" if len(pending) > 20 else "")
        )
    with transaction.atomic():
        updated = Plan.objects.filter(pk=plan.pk, status=Plan.Status.DRAFT).update(
            status=Plan.Status.PUBLISHED, published_at=timezone.now(), published_by=user
        )
        if not updated:
            raise WorkflowError("该方案已发布。")
        plan.refresh_from_db()
        audit.record(
            user,
            "plan.publish",
            f"发布《{plan.title}》，共 {plan.tasks.count()} 项任务",
            plan=plan,
            changes={"status": [str(Plan.Status.DRAFT.label), str(Plan.Status.PUBLISHED.label)]},
        )
    return plan


def discard_source(source: SourceDocument, *, user) -> str:
    """Throw away an import that was never published (e.g. to fix the file and upload it again)."""
    if source.plans.exclude(status=Plan.Status.DRAFT).exists():
        raise WorkflowError("该文件中已有方案发布，不能删除。")
    name = source.original_name
    with transaction.atomic():
        created_units = list(unconfirmed_units(source.plans.all()))
        source.plans.all().delete()
        for unit in created_units:
            if not unit.assignments.exists():
                try:
                    with transaction.atomic():
                        unit.delete()
                except ProtectedError:
                    pass
        file = source.file
        source.delete()
        audit.record(user, "import.discard", f"删除未发布的导入文件“{name}”")
    if file:
        transaction.on_commit(lambda: file.storage.delete(file.name))
    return name
