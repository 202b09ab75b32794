"""The admin's Task page follows the workflow: a save from a stale page is refused (a liaison's
report in between is not undone), an allowed change is audited, workflow state is read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from obligations import workflow as workflows
from obligations.admin_tasks import TaskAdminForm
from obligations.models import ChangeLog, Task

pytestmark = pytest.mark.django_db


def _change_url(task: Task) -> str:
    return reverse("admin:obligations_task_change", args=[task.pk])


def _form_data(response, **values) -> dict:
    """What the change page would post: its form's initial values, the inlines' management forms,
    and the given changes."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or value is False:
            continue
        data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(key): value for key, value in management.initial.items()})
    data.update(values)
    return data


def test_stale_admin_save_is_refused_and_the_report_survives(world, as_user):
    admin = as_user(world.supervisor)
    task = world.task_a
    page = admin.get(_change_url(task))
    assert page.status_code == 200
    data = _form_data(page, text="督查员在后台改写的任务内容")
    assert data["expected_version"] == 1

    # Meanwhile the liaison reports progress (an append: no version change, status 推进中) and
    # another supervisor changes the task on the site (version 2).
    workflows.report_progress(task, user=world.liaison_a, unit=world.unit_a, text="本月进展")
    workflows.edit_task(task, user=world.supervisor, version=1, values={"responsible_person": "王五"})

    response = admin.post(_change_url(task), data)
    assert response.status_code == 200
    assert "保存失败：您打开本页面后，该任务已被他人修改" in response.content.decode()
    task.refresh_from_db()
    assert task.text != "督查员在后台改写的任务内容"
    assert (task.version, task.status, task.responsible_person) == (2, Task.Status.IN_PROGRESS, "王五")
    assert task.reports.get().text == "本月进展"
    assert ChangeLog.objects.filter(action="task.edit").count() == 1  # the site's edit only


def test_allowed_admin_change_is_audited(world, as_user):
    admin = as_user(world.supervisor)
    task = world.task_a
    old_text = task.text
    page = admin.get(_change_url(task))
    response = admin.post(
        _change_url(task), _form_data(page, text="改正后的任务内容", responsible_person="张三")
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.text, task.responsible_person, task.version) == ("改正后的任务内容", "张三", 2)
    entry = ChangeLog.objects.get(action="task.edit", task=task)
    assert entry.actor == world.supervisor
    assert entry.changes == {"text": [old_text, "改正后的任务内容"], "responsible_person": ["", "张三"]}


def test_workflow_state_cannot_be_set_in_the_admin(world, as_user):
    admin = as_user(world.supervisor)
    task = world.task_a
    page = admin.get(_change_url(task))
    content = page.content.decode()
    for name in ("status", "completed_at", "version", "original_deadline", "recurrence"):
        assert f'name="{name}"' not in content, name
    assert 'name="assignments-0-unit"' not in content  # units change on the site's edit form
    response = admin.post(
        _change_url(task), _form_data(page, status="done", version="99", completed_at="2026-01-01 00:00:00")
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.version, task.completed_at) == (Task.Status.NOT_STARTED, 1, None)


def test_change_slipping_in_after_the_check_is_refused_too(world, as_user, monkeypatch):
    """The version is checked again by the save itself (a conditional UPDATE)."""
    admin = as_user(world.supervisor)
    task = world.task_a
    page = admin.get(_change_url(task))
    data = _form_data(page, text="后台修改")
    workflows.edit_task(task, user=world.supervisor, version=1, values={"responsible_person": "王五"})
    monkeypatch.setattr(TaskAdminForm, "clean", lambda form: form.cleaned_data)  # the check is passed
    response = admin.post(_change_url(task), data)
    assert response.status_code == 302 and response["Location"] == _change_url(task)
    task.refresh_from_db()
    assert task.text != "后台修改" and task.version == 2
    assert ChangeLog.objects.filter(action="task.edit").count() == 1  # the site's edit only
    page = admin.get(response["Location"])
    assert "保存失败" in page.content.decode()


def test_no_task_is_added_in_the_admin_and_plan_lists_are_read_only(world, as_user):
    admin = as_user(world.supervisor)
    assert admin.get(reverse("admin:obligations_task_add")).status_code == 403
    page = admin.get(reverse("admin:obligations_plan_change", args=[world.plan.pk])).content.decode()
    assert world.task_a.text in page
    assert 'name="tasks-0-status"' not in page and 'name="tasks-0-deadline"' not in page
