"""The demo loader: units, documented accounts that can log in, and the five seed plans, idempotently."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.http import HttpRequest

from obligations.devtools.demo import DEMO_ACCOUNTS
from obligations.models import Membership, Plan, Task, Unit
from obligations.roles import role_of

pytestmark = pytest.mark.django_db


def test_load_demo_twice(client):
    call_command("load_demo", stdout=StringIO(), stderr=StringIO())
    first = (Unit.objects.count(), Plan.objects.count(), Task.objects.count(), Membership.objects.count())
    assert first[1] == 17 and first[2] == 370
    assert not Plan.objects.exclude(status="published").exists()
    out = StringIO()
    call_command("load_demo", stdout=out, stderr=StringIO())
    assert out.getvalue().count("已导入过") == 5
    assert (
        Unit.objects.count(),
        Plan.objects.count(),
        Task.objects.count(),
        Membership.objects.count(),
    ) == first

    for account in DEMO_ACCOUNTS:
        # django-axes needs the request to count failures per address: client.login() passes one.
        assert client.login(request=HttpRequest(), username=account.username, password=account.password), (
            account.username
        )
        client.logout()
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.all()}
    assert role_of(users["duchashi"]) == "supervisor" and users["duchashi"].is_staff
    assert role_of(users["caizheng"]) == "liaison" and role_of(users["lingdao"]) == "leader"
    # The liaisons' units take part in the 淄博市 seed plans, so the demo shows them work.
    finance = Task.objects.visible_to(users["caizheng"])
    assert finance.count() >= 10
    assert set(finance.values_list("plan__jurisdiction", flat=True)) == {"淄博市"}
    assert Task.objects.visible_to(users["dashuju"]).count() >= 10
    group = Unit.objects.get(jurisdiction="淄博市", name="各区县政府")
    assert group.is_group and group.members.count() == 11
