"""On PostgreSQL a ledger reads its next chunk of tasks, and counts the month's scores, on
connections of their own while it writes; the file must be the one written reading in turn."""

from __future__ import annotations

import io
import threading
import zipfile

import pytest
from django.db import connection, transaction
from openpyxl.worksheet._writer import ALL_TEMP_FILES

from obligations.ledger import LedgerFilters, build_ledger, storage
from obligations.ledger.rows import LedgerQuery

from .conftest import MONTH, TODAY

pytestmark = pytest.mark.django_db(transaction=True)  # other connections see the rows


def _sheets(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/")}


def _build() -> bytes:
    buffer = io.BytesIO()
    build_ledger(buffer, LedgerFilters.build(MONTH, {}), day=TODAY)
    return buffer.getvalue()


def test_chunks_and_scores_are_read_beside_and_the_file_is_the_same(ledger_world, monkeypatch):
    threads: dict[str, set[str]] = {"chunks": set(), "scores": set()}
    chunk, month_table = LedgerQuery._chunk, storage.month_table

    def spied_chunk(self, batch):
        threads["chunks"].add(threading.current_thread().name)
        return chunk(self, batch)

    def spied_scores(*args, **kwargs):
        threads["scores"].add(threading.current_thread().name)
        return month_table(*args, **kwargs)

    monkeypatch.setattr(LedgerQuery, "_chunk", spied_chunk)
    monkeypatch.setattr(storage, "month_table", spied_scores)
    monkeypatch.setattr("obligations.ledger.rows.CHUNK_SIZE", 3)  # three chunks of the eight tasks

    beside = _build()
    here = threading.current_thread().name
    if connection.vendor == "postgresql":
        assert threads == {"chunks": {"ledger-rows"}, "scores": {"ledger-scores"}}
    else:  # SQLite: one connection, in turn
        assert threads == {"chunks": {here}, "scores": {here}}

    threads["chunks"].clear()
    threads["scores"].clear()
    with transaction.atomic():  # inside a transaction everything stays on this connection
        in_turn = _build()
    assert threads == {"chunks": {here}, "scores": {here}}

    assert _sheets(beside) == _sheets(in_turn)
    ledger = _sheets(in_turn)["xl/worksheets/sheet2.xml"]
    assert ledger.count(b"<row ") == 2 + 8  # title, header, the month's eight tasks
    assert "已完成系统对接".encode() in ledger and "剩余事项3月底前完成".encode() in ledger


def test_a_write_that_fails_leaves_no_reading_thread_behind(ledger_world, monkeypatch):
    from obligations.ledger import workbook

    written = []

    def full_disk(values, capacities):
        written.append(values)
        if len(written) == 4:
            raise OSError(28, "No space left on device")
        return workbook.MIN_ROW_HEIGHT

    monkeypatch.setattr(workbook, "row_height", full_disk)
    monkeypatch.setattr("obligations.ledger.rows.CHUNK_SIZE", 2)  # chunks still to come
    temp_files = set(ALL_TEMP_FILES)
    with pytest.raises(OSError, match="No space left"):
        _build()
    assert len(written) == 4
    assert set(ALL_TEMP_FILES) == temp_files  # the sheets' temporary files are gone
    side = [t.name for t in threading.enumerate() if t.name in ("ledger-rows", "ledger-scores")]
    assert side == []
