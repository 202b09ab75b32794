"""Who sees what: supervisors everything, liaisons their units' published tasks, others a 404."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.urls import reverse

from obligations.models import Task
from obligations.roles import (
    LEADER,
    LEADER_GROUP,
    LIAISON,
    LIAISON_GROUP,
    SUPERVISOR,
    SUPERVISOR_GROUP,
    acting_unit,
    role_of,
)

from .factories import PASSWORD, make_liaison, make_task, make_unit

pytestmark = pytest.mark.django_db


def login(client, user):
    # django-axes needs the request to count failures per address: client.login() passes one.
    assert client.login(request=HttpRequest(), username=user.username, password=PASSWORD)
    return client


def test_groups_exist_with_their_permissions(db):
    supervisor = Group.objects.get(name=SUPERVISOR_GROUP)
    liaison = Group.objects.get(name=LIAISON_GROUP)
    leader = Group.objects.get(name=LEADER_GROUP)
    assert supervisor.permissions.filter(codename="change_task").exists()
    assert liaison.permissions.filter(codename="add_progressreport").exists()
    assert not liaison.permissions.filter(codename="change_task").exists()
    assert set(leader.permissions.values_list("codename", flat=True)) >= {"view_task", "view_plan"}
    assert not leader.permissions.exclude(codename__startswith="view_").exists()


def test_roles(world):
    assert role_of(world.supervisor) == SUPERVISOR
    assert role_of(world.liaison_a) == LIAISON
    assert role_of(world.leader_a) == LEADER


def test_visible_tasks_per_role(world):
    assert set(Task.objects.visible_to(world.liaison_a)) == {world.task_a, world.task_b}
    assert set(Task.objects.visible_to(world.liaison_b)) == {world.task_b, world.task_b_only}
    assert set(Task.objects.visible_to(world.leader_a)) == {world.task_a, world.task_b}
    assert set(Task.objects.visible_to(world.supervisor)) == {
        world.task_a,
        world.task_b,
        world.task_b_only,
        world.draft_task,
    }
    assert not Task.objects.editable_by(world.leader_a).exists()
    assert set(Task.objects.editable_by(world.liaison_a)) == {world.task_a, world.task_b}


def test_anonymous_is_sent_to_login(client, world):
    for url in (reverse("task_list"), reverse("task_detail", args=[world.task_a.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_liaison_gets_404_for_another_units_task(client, world):
    login(client, world.liaison_a)
    assert client.get(reverse("task_detail", args=[world.task_a.pk])).status_code == 200
    assert client.get(reverse("task_detail", args=[world.task_b.pk])).status_code == 200
    assert client.get(reverse("task_detail", args=[world.task_b_only.pk])).status_code == 404
    # Unpublished plans are invisible to liaisons even for their own unit.
    assert client.get(reverse("task_detail", args=[world.draft_task.pk])).status_code == 404


def test_task_list_shows_only_own_units_tasks(client, world):
    world.task_b_only.text = "仅属于大数据局的任务"
    world.task_b_only.save()
    login(client, world.liaison_a)
    content = client.get(reverse("task_list")).content.decode()
    assert world.task_a.text in content
    assert "仅属于大数据局的任务" not in content


def test_supervisor_sees_every_task(client, world):
    login(client, world.supervisor)
    for task in (world.task_a, world.task_b_only, world.draft_task):
        assert client.get(reverse("task_detail", args=[task.pk])).status_code == 200


def test_liaison_of_a_group_member_sees_the_groups_tasks(world):
    group = make_unit("各区县政府", is_group=True)
    member = make_unit("张店区政府")
    group.members.add(member)
    liaison = make_liaison("zhangdian", member)
    task = make_task(world.plan, lead=[world.unit_a], responsible=[group])
    assert task in Task.objects.visible_to(liaison)
    assert acting_unit(liaison, task) == member


def test_liaison_cannot_enter_admin(client, world):
    login(client, world.liaison_a)
    response = client.get(reverse("admin:obligations_task_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_supervisor_uses_admin_with_search(client, world):
    login(client, world.supervisor)
    response = client.get(reverse("admin:obligations_task_changelist"), {"q": world.task_a.text})
    assert response.status_code == 200
    assert world.task_a.text in response.content.decode()


def test_login_page_is_chinese_and_reports_bad_password(client, world):
    page = client.get(reverse("login")).content.decode()
    assert "登录督办台账" in page
    assert 'lang="zh-hans"' in page
    response = client.post(reverse("login"), {"username": "liaison_a", "password": "wrong"})
    assert "用户名或密码不正确" in response.content.decode()
    response = client.post(reverse("login"), {"username": "liaison_a", "password": PASSWORD})
    assert response.status_code == 302


def test_logout_requires_post_and_ends_session(client, world):
    login(client, world.liaison_a)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("task_list")).status_code == 302


def test_csrf_is_enforced(world):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("login"), {"username": "liaison_a", "password": PASSWORD})
    assert response.status_code == 403
