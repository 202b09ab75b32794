"""Units with the same name in different jurisdictions are never identical choices in the admin:
its unit pickers, its autocomplete results and a task's units read 名称（辖区）."""

from __future__ import annotations

import pytest
from django.urls import reverse

from obligations.models import Assignment, Membership, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def namesakes():
    return [
        Unit.objects.create(name="区交通运输局", jurisdiction=place, confirmed=True)
        for place in ("张店区", "淄川区", "博山区")
    ]


def test_autocomplete_results_name_the_jurisdiction(world, as_user, namesakes):
    admin = as_user(world.supervisor)
    response = admin.get(
        reverse("admin:autocomplete"),
        {
            "term": "区交通运输局",
            "app_label": "obligations",
            "model_name": "membership",
            "field_name": "unit",
        },
    )
    assert response.status_code == 200
    texts = sorted(result["text"] for result in response.json()["results"])
    assert texts == ["区交通运输局（博山区）", "区交通运输局（张店区）", "区交通运输局（淄川区）"]


def test_a_chosen_unit_and_a_tasks_units_show_the_jurisdiction(world, as_user, namesakes):
    admin = as_user(world.supervisor)
    membership = Membership.objects.create(user=world.liaison_b, unit=namesakes[1], role="liaison")
    page = admin.get(reverse("admin:obligations_membership_change", args=[membership.pk])).content.decode()
    assert f'<option value="{namesakes[1].pk}" selected>区交通运输局（淄川区）</option>' in page

    Assignment.objects.create(task=world.task_a, unit=namesakes[2], role="responsible", position=5)
    page = admin.get(reverse("admin:obligations_task_change", args=[world.task_a.pk])).content.decode()
    assert "区交通运输局（博山区）" in page
