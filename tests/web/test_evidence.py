"""Evidence files: real-type and size checks, random storage names, downloads only for who may see."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse

from obligations import workflow as workflows
from obligations.filetypes import FileTypeError, check_upload
from obligations.models import Evidence
from obligations.workflow.evidence import MAX_NAME_CHARS, safe_filename

from .conftest import PDF_BYTES, PNG_BYTES, docx_bytes, upload

pytestmark = pytest.mark.django_db


def ofd_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("OFD.xml", "<ofd:OFD/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name,data,ok",
    [
        ("a.pdf", PDF_BYTES, True),
        ("a.PDF", b"\n\n" + PDF_BYTES, True),
        ("照片.png", PNG_BYTES, True),
        ("照片.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20, True),
        ("报告.docx", docx_bytes(), True),
        ("报告.ofd", ofd_bytes(), True),
        ("旧报告.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20, True),
        ("a.pdf", b"<html><script>alert(1)</script></html>", False),
        ("a.png", PDF_BYTES, False),
        ("a.docx", ofd_bytes(), False),  # a zip, but not a Word document
        ("a.html", b"<html></html>", False),
        ("a.svg", b"<svg onload=alert(1)>", False),
        ("a.zip", docx_bytes(), False),
        ("noextension", PDF_BYTES, False),
    ],
)
def test_type_is_checked_by_content(name, data, ok):
    from obligations.workflow.evidence import ALLOWED_EVIDENCE

    if ok:
        assert check_upload(name, io.BytesIO(data), ALLOWED_EVIDENCE)
    else:
        with pytest.raises(FileTypeError):
            check_upload(name, io.BytesIO(data), ALLOWED_EVIDENCE)


def test_safe_filename():
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("C:\\Users\\张三\\会议纪要.pdf") == "会议纪要.pdf"
    assert safe_filename('a"b\r\nContent-Type: x.pdf') == "a_b_Content-Type_ x.pdf"
    assert safe_filename("...") == "佐证材料"


def test_size_limit_through_the_form(world, as_user, settings):
    settings.TRACKER_MAX_EVIDENCE_BYTES = 50
    response = as_user(world.liaison_a).post(
        reverse("task_report", args=[world.task_a.pk]),
        {"version": 1, "text": "进展", "files": [upload("大文件.pdf", PDF_BYTES * 3)]},
    )
    assert response.status_code == 400
    assert "过大" in response.content.decode()
    assert not Evidence.objects.exists()


def test_too_many_files(world, as_user):
    files = [upload(f"{i}.pdf", PDF_BYTES) for i in range(11)]
    response = as_user(world.liaison_a).post(
        reverse("task_report", args=[world.task_a.pk]), {"version": 1, "text": "进展", "files": files}
    )
    assert "一次最多上传 10 个文件" in response.content.decode()


def test_download_is_an_attachment_for_those_who_see_the_task(world, as_user, settings, tmp_path):
    report = workflows.report_progress(
        world.task_b,
        user=world.liaison_b,
        unit=world.unit_b,
        text="见附件",
        files=[upload("整改 报告<1>.pdf", PDF_BYTES)],
    )
    evidence = report.evidence.get()
    assert evidence.original_name == "整改 报告_1_.pdf"
    assert str(settings.MEDIA_ROOT) in evidence.file.path
    assert evidence.file.name.startswith(f"evidence/{world.task_b.pk}/") and not evidence.file.name.endswith(
        ".pdf"
    )
    url = reverse("evidence_download", args=[evidence.pk])
    for user in (world.liaison_a, world.liaison_b, world.leader_a, world.supervisor):
        response = as_user(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF_BYTES
        assert response["Content-Disposition"].startswith("attachment;")
        assert "filename*=utf-8''" in response["Content-Disposition"]
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
    # Someone who cannot see task_b (a liaison of a third unit) gets a 404, as for a missing file.
    from ..factories import make_liaison, make_unit

    outsider = make_liaison("outsider", make_unit("市商务局"))
    assert as_user(outsider).get(url).status_code == 404
    assert as_user(None).get(url).status_code == 302
    # MEDIA_ROOT itself is not served.
    assert as_user(world.supervisor).get("/media/" + evidence.file.name).status_code == 404


def test_evidence_of_a_draft_task_is_hidden_from_liaisons(world, as_user):
    report = workflows.report_progress(
        world.draft_task,
        user=world.supervisor,
        unit=world.unit_a,
        text="x",
        files=[upload("a.pdf", PDF_BYTES)],
    )
    url = reverse("evidence_download", args=[report.evidence.get().pk])
    assert as_user(world.liaison_a).get(url).status_code == 404
    assert as_user(world.supervisor).get(url).status_code == 200


def test_completion_with_evidence_shows_in_review_queue(world, as_user):
    response = as_user(world.liaison_a).post(
        reverse("task_complete", args=[world.task_a.pk]),
        {
            "version": 1,
            "summary": "已全部完成",
            "files": [upload("验收报告.pdf", PDF_BYTES), upload("现场.png", PNG_BYTES)],
        },
    )
    assert response.status_code == 302
    page = as_user(world.supervisor).get(reverse("review_queue")).content.decode()
    assert "验收报告.pdf" in page and "现场.png" in page


def test_long_file_name_keeps_its_extension():
    name = safe_filename("整改报告" * 75 + ".pdf")  # 300 characters before the extension
    assert len(name) == MAX_NAME_CHARS and name.endswith(".pdf")
    assert name[:-4] == ("整改报告" * 75)[: MAX_NAME_CHARS - 4]
    assert safe_filename("a" * 300 + ".docx") == "a" * (MAX_NAME_CHARS - 5) + ".docx"
    # A cut that lands on a space or dot does not leave it before the extension.
    assert safe_filename("a" * 144 + " .  " + "b" * 10 + ".pdf") == "a" * 144 + ".pdf"
    # Something that only looks like an extension is cut like the rest of the name.
    assert safe_filename("a" * 140 + "." + "b" * 200) == "a" * 140 + "." + "b" * 9
    assert safe_filename("会议纪要.PDF") == "会议纪要.PDF"


def test_long_file_name_survives_upload_and_download(world, as_user):
    long_name = "关于" + "推进政务服务事项" * 40 + "的佐证材料.pdf"
    response = as_user(world.liaison_a).post(
        reverse("task_report", args=[world.task_a.pk]),
        {"version": 1, "text": "进展", "files": [upload(long_name, PDF_BYTES)]},
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.original_name.endswith(".pdf") and len(evidence.original_name) == MAX_NAME_CHARS
    download = as_user(world.liaison_a).get(reverse("evidence_download", args=[evidence.pk]))
    assert download["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert download["Content-Disposition"].endswith(".pdf")
