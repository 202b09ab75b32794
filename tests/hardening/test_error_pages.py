"""Refusals in Chinese, in the site's layout, with a way back: 400, 403, 404 (under DEBUG too, where
Django would list every URL), the CSRF failure, and a 500 that renders with the database down."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from obligations.models import Unit

pytestmark = pytest.mark.django_db


def assert_layout(page: str) -> None:
    assert 'lang="zh-hans"' in page
    assert '<header class="topbar">' in page and '<a class="brand" href="/">督办台账</a>' in page
    assert '<a href="/">返回首页</a>' in page
    assert "/static/obligations/app.css" in page


@pytest.mark.parametrize("debug", [False, True])
def test_unknown_url_is_the_chinese_404(client, settings, debug):
    settings.DEBUG = debug
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page and "错误代码 404" in page
    assert_layout(page)
    assert "URLconf" not in page and "tasks/&lt;int:pk&gt;" not in page


@pytest.mark.parametrize("debug", [False, True])
def test_another_units_task_is_the_chinese_404(world, as_user, settings, debug):
    settings.DEBUG = debug
    response = as_user(world.liaison_b).get(reverse("task_detail", args=[world.task_a.pk]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page and "退出" in page  # the signed-in layout, with its navigation
    assert_layout(page)
    assert "No Task matches" not in page and "Traceback" not in page


def test_append_slash_still_redirects(client, settings):
    settings.DEBUG = True
    response = client.get("/accounts/login")
    assert response.status_code == 301 and response["Location"] == "/accounts/login/"


def test_way_back_only_to_this_site(world, as_user):
    client = as_user(world.liaison_b)
    url = reverse("task_detail", args=[world.task_a.pk])
    page = client.get(url, HTTP_REFERER="http://testserver/tasks/?page=2").content.decode()
    assert '<a href="http://testserver/tasks/?page=2">返回上一页</a>' in page
    page = client.get(url, HTTP_REFERER="https://evil.example/").content.decode()
    assert "返回上一页" not in page and "evil.example" not in page


def test_forbidden_is_chinese_with_the_reason(world, as_user):
    response = as_user(world.liaison_a).post(reverse("plan_publish", args=[world.draft_plan.pk]))
    assert response.status_code == 403
    page = response.content.decode()
    assert "无权访问" in page and "仅督查员可以执行此操作。" in page
    assert_layout(page)
    assert "403 Forbidden" not in page


@pytest.mark.parametrize("debug", [False, True])
def test_bad_request_is_chinese_with_the_reason(world, as_user, settings, debug):
    settings.DEBUG = debug
    unit = Unit.objects.create(jurisdiction="测试市", name="新单位", confirmed=False)
    response = as_user(world.supervisor).post(reverse("unit_confirm", args=[unit.pk]), {"source": "abc"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "请求无效" in page and "“abc”不是有效的编号。" in page
    assert_layout(page)


def test_csrf_failure_is_chinese(world):
    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "a", "password": "b"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "页面已过期" in page and "请刷新页面后重新提交" in page
    assert_layout(page)
    assert "CSRF verification failed" not in page


@pytest.mark.urls("tests.hardening.urls_broken")
def test_500_renders_with_the_database_down(world, settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(world.supervisor)
    queries = []

    def database_down(execute, sql, params, many, context):
        queries.append(sql)
        raise OperationalError("the database server is unreachable")

    with connection.execute_wrapper(database_down):
        response = client.get("/needs-database/", HTTP_REFERER="http://testserver/dashboard/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "系统出错了" in page and "错误代码 500" in page
    assert '<a href="http://testserver/dashboard/">返回上一页</a>' in page
    assert_layout(page)
    # Only the view reached for the database; the error page itself never did.
    assert len(queries) == 1 and "obligations_task" in queries[0]
