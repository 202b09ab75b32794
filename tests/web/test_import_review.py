"""Import review in the browser's terms: upload, checks, correct rows, map units, publish."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from obligations.models import Assignment, ChangeLog, Plan, SourceDocument, Task, Unit, UnitAlias
from obligations.plans.unit_directory import UnitDirectory

from ..factories import make_liaison, make_unit
from .conftest import PDF_BYTES, docx_bytes, upload

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
SMALL = DATA / "small_plan.txt"
SEED = Path(__file__).resolve().parents[2] / "fixtures" / "plans" / "000_00f7338b1488e55e.txt"


@pytest.fixture
def registered(db):
    """The registered units of 测试区 and a liaison of its finance bureau."""
    finance = make_unit("区财政局", jurisdiction="测试区")
    tax = make_unit("区税务局", jurisdiction="测试区")
    make_unit("区市场监管局", jurisdiction="测试区")
    make_unit("区大数据局", jurisdiction="测试区")
    return {"finance": finance, "tax": tax, "liaison": make_liaison("finance_liaison", finance)}


def post_file(client, path: Path, name: str | None = None, **extra):
    return client.post(
        reverse("import_list"), {"file": upload(name or path.name, path.read_bytes()), **extra}
    )


def source_of(response) -> SourceDocument:
    match = re.match(r"/imports/(\d+)/", response["Location"])
    return SourceDocument.objects.get(pk=int(match.group(1)))


def test_upload_creates_a_draft_invisible_to_liaisons(world, registered, as_user):
    client = as_user(world.supervisor)
    response = post_file(client, SMALL)
    assert response.status_code == 302
    source = source_of(response)
    plan = source.plans.get()
    assert (plan.status, plan.number, plan.jurisdiction) == ("draft", "测政办发〔2021〕5号", "测试区")
    assert plan.tasks.count() == 4
    finance_task = plan.tasks.get(order=1)
    assert [a.unit.name for a in finance_task.assignments.order_by("role")] == ["区财政局", "区税务局"]
    assert not Task.objects.visible_to(registered["liaison"]).filter(plan=plan).exists()
    page = client.get(response["Location"]).content.decode()
    assert "已导入“small_plan.txt”：1 个方案，4 项任务" in page
    # The row the engine flagged (an impossible date) is highlighted with the engine's note.
    flagged = Task.objects.get(plan=plan, order=4)
    assert flagged.needs_review
    row = re.search(rf'<tr id="row-{flagged.pk}" class="([^"]*)"', page).group(1)
    assert "flagged" in row
    assert "11月只有30天" in page
    assert "2021年11月31日前" in page  # the raw phrase, next to the date
    # 区大数据中心 and 区自然资源局 are unknown: offered for mapping, 大数据局 suggested.
    units = page[page.index('id="units"') :]
    assert "区大数据中心" in units and "区自然资源局" in units
    assert "→ 区大数据局" in units


def test_reupload_is_recognised(world, registered, as_user):
    client = as_user(world.supervisor)
    first = source_of(post_file(client, SMALL))
    before = (Plan.objects.count(), Task.objects.count())
    response = post_file(client, SMALL, name="换了个名字.txt")
    assert source_of(response) == first
    page = client.get(response["Location"]).content.decode()
    assert "该文件此前已导入" in page and "small_plan.txt" in page
    assert (Plan.objects.count(), Task.objects.count()) == before


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("plan.exe", b"MZ\x90\x00binary", "不支持的文件类型"),
        ("plan.docx", "这其实是文本".encode(), "不是有效的Word文件"),
        ("plan.xlsx", docx_bytes(), "不是有效的Excel文件"),
        ("plan.pdf", b"<html><body>not a pdf</body></html>", "不是有效的PDF文件"),
        ("plan.txt", b"\x00\x01\x02\x03" * 50, "不是有效的文本文件"),
        ("plan.txt", "普通的一段话，没有任何任务。".encode(), "未在“plan.txt”中识别到任何"),
    ],
)
def test_bad_files_are_refused_with_a_chinese_message_and_nothing_stored(world, as_user, name, data, message):
    client = as_user(world.supervisor)
    response = client.post(reverse("import_list"), {"file": upload(name, data)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SourceDocument.objects.exists()


def test_size_limit(world, as_user, settings):
    settings.TRACKER_MAX_IMPORT_BYTES = 100
    response = as_user(world.supervisor).post(
        reverse("import_list"), {"file": upload("p.pdf", PDF_BYTES * 3)}
    )
    assert response.status_code == 400
    assert "文件过大" in response.content.decode()
    assert not SourceDocument.objects.exists()


def test_fix_a_row_units_and_deadline(world, registered, as_user):
    client = as_user(world.supervisor)
    source = source_of(post_file(client, SMALL))
    task = Task.objects.get(plan__source=source, order=4)
    response = client.post(
        reverse("review_row_save", args=[task.pk]),
        {
            "version": task.version,
            "text": task.text,
            "lead_units": "区财政局、区税务局",
            "responsible_units": "",
            "responsible_person": "张三",
            "deadline": "2021-11-30",
            "deadline_kind": "date",
            "deadline_raw": task.deadline_raw,
        },
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#row-{task.pk}")
    task.refresh_from_db()
    assert (task.responsible_person, task.needs_review) == ("张三", False)
    assert [a.unit for a in task.assignments.order_by("position")] == [
        registered["finance"],
        registered["tax"],
    ]
    log = ChangeLog.objects.filter(task=task, action="task.edit").get()
    assert log.changes["lead_units"] == ["区自然资源局", "区财政局、区税务局"]
    assert log.changes["needs_review"] == [True, False]
    # The same form again is stale: refused, the input kept, nothing changed.
    response = client.post(
        reverse("review_row_save", args=[task.pk]),
        {
            "version": task.version - 1,
            "text": "过时的内容",
            "lead_units": "区财政局",
            "deadline_kind": "none",
        },
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "已被他人修改" in page and "过时的内容" in page
    task.refresh_from_db()
    assert task.text != "过时的内容"


def test_merge_split_and_drop(world, registered, as_user):
    client = as_user(world.supervisor)
    source = source_of(post_file(client, SMALL))
    plan = source.plans.get()
    first, second, third, fourth = plan.tasks.order_by("order")
    response = client.post(
        reverse("review_rows", args=[source.pk]), {"action": "merge", "selected": [first.pk, second.pk]}
    )
    assert response.status_code == 302
    merged = Task.objects.get(pk=first.pk)
    assert merged.text == first.text + second.text
    names = {a.unit.name for a in merged.assignments.all()}
    assert names == {"区财政局", "区税务局", "区市场监管局", "区大数据中心"}
    assert merged.needs_review  # the two deadlines differed
    assert not Task.objects.filter(pk=second.pk).exists()
    assert list(plan.tasks.order_by("order").values_list("order", flat=True)) == [1, 2, 3]

    response = client.post(
        reverse("review_split", args=[third.pk]), {"parts": "建立健全长效机制。\n定期开展督导检查。"}
    )
    assert response.status_code == 302
    texts = list(plan.tasks.order_by("order").values_list("text", flat=True))
    assert texts[1:3] == ["建立健全长效机制。", "定期开展督导检查。"]
    clone = plan.tasks.get(text="定期开展督导检查。")
    assert [a.unit.name for a in clone.assignments.all()] == ["区财政局"]
    assert clone.deadline_kind == "ongoing"
    response = client.post(reverse("review_split", args=[third.pk]), {"parts": "只有一行"})
    assert response.status_code == 400 and "至少应有两项" in response.content.decode()

    response = client.post(
        reverse("review_rows", args=[source.pk]), {"action": "drop", "selected": [fourth.pk]}
    )
    assert response.status_code == 302
    assert plan.tasks.count() == 3
    assert ChangeLog.objects.filter(plan=plan, action="review.drop").exists()


def test_map_confirm_and_publish(world, registered, as_user):
    client = as_user(world.supervisor)
    source = source_of(post_file(client, SMALL))
    plan = source.plans.get()
    response = client.post(reverse("plan_publish", args=[plan.pk]))
    page = client.get(response["Location"]).content.decode()
    assert "尚未确认或映射" in page and "区大数据中心" in page
    assert Plan.objects.get(pk=plan.pk).status == "draft"

    center = Unit.objects.get(jurisdiction="测试区", name="区大数据中心")
    assert center.confirmed is False
    big_data = Unit.objects.get(jurisdiction="测试区", name="区大数据局")
    response = client.post(
        reverse("unit_map", args=[center.pk]), {"source": source.pk, "target": "区大数据局"}
    )
    assert response.status_code == 302
    assert not Unit.objects.filter(pk=center.pk).exists()
    assert Assignment.objects.filter(unit=big_data, task__plan=plan).count() == 1
    assert UnitAlias.objects.filter(unit=big_data, name="区大数据中心").exists()
    assert UnitDirectory("测试区").resolve("区大数据中心") == big_data  # next import matches

    response = client.post(
        reverse("unit_map", args=[Unit.objects.get(name="区自然资源局").pk]),
        {"source": source.pk, "target": "不存在的单位"},
    )
    assert "未找到名为“不存在的单位”的已登记单位" in client.get(response["Location"]).content.decode()
    client.post(reverse("units_confirm_all", args=[source.pk]))
    assert Unit.objects.get(jurisdiction="测试区", name="区自然资源局").confirmed

    response = client.post(reverse("plan_publish", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == "published" and plan.published_by == world.supervisor
    assert Task.objects.visible_to(registered["liaison"]).filter(plan=plan).count() == 2  # tasks 1 and 3
    assert ChangeLog.objects.filter(plan=plan, action="plan.publish").exists()
    # Published plans can no longer be merged or split.
    first = plan.tasks.order_by("order").first()
    response = client.post(
        reverse("review_rows", args=[source.pk]), {"action": "drop", "selected": [first.pk]}
    )
    assert "已发布" in client.get(response["Location"]).content.decode()
    assert Task.objects.filter(pk=first.pk).exists()


def test_discard_an_unpublished_import(world, registered, as_user, django_capture_on_commit_callbacks):
    client = as_user(world.supervisor)
    source = source_of(post_file(client, SMALL))
    stored = Path(source.file.path)
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the deletion commits
        response = client.post(reverse("import_discard", args=[source.pk]))
    assert response.status_code == 302
    assert not SourceDocument.objects.exists() and not Plan.objects.filter(source_id=source.pk).exists()
    assert not Unit.objects.filter(name="区大数据中心").exists()  # the units it created went too
    assert not stored.exists()
    # And the same file can now be imported afresh.
    assert post_file(client, SMALL).status_code == 302


def test_seed_gazette_through_the_web(world, as_user):
    from obligations.devtools.demo import load_units

    load_units()
    client = as_user(world.supervisor)
    source = source_of(post_file(client, SEED))
    assert source.plans.count() == 3
    assert Task.objects.filter(plan__source=source).count() == 33
    page = client.get(reverse("import_review", args=[source.pk])).content.decode()
    assert "淄博市建立政务服务“好差评”制度工作方案" in page
    assert page.count('class="grid review-table"') == 3
