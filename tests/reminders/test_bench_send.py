"""``bench --only seed,reminders`` on a small world: the sweep and the send pass over every channel,
with the mock vendors in a process of their own, on the database the suite runs on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent.parent


def test_bench_sends_every_reminder_once_on_every_channel(tmp_path):
    env = {**os.environ, "DEBUG": "true", "TRACKER_VAR_DIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    suite = urlsplit(env.get("DATABASE_URL", ""))
    if suite.scheme.startswith("postgres"):
        # bench makes "test_" + the database's name: a sibling of the suite's, never the suite's own.
        env["DATABASE_URL"] = urlunsplit(suite._replace(path="/tracker_bench_send"))
    out = tmp_path / "bench.json"
    command = ["manage.py", "bench", "--tasks", "600", "--units", "12", "--only", "seed,reminders"]
    result = subprocess.run(
        [sys.executable, *command, "--json", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(out.read_text(encoding="utf-8"))["reminders"]["figures"]
    created, people = figures["reminders_created"], figures["digests_sent"]
    assert created > 0 and people > 0
    assert figures["reminders_sent"] == created  # every row went out, none twice
    assert figures["emails"] == people and figures["digest_rows"] == people
    assert figures["notifications"] == people  # in-app: one notice per person and day
    # Each person's 企业微信 and SMS message, each unit's two robots: all taken by the vendors.
    messages = figures["channel_messages"]
    assert messages["wecom_app"] == messages["sms"] == people
    assert messages["wecom_robot"] == messages["dingtalk"] == figures["units_with_robots"]
    assert figures["channel_failed"] == 0
    assert figures["messages_total"] == people + sum(messages.values())
    assert figures["second_sweep_created"] == 0
    expected_threads = 3 if figures["database"] == "postgresql" else 1
    assert figures["send_threads"] == expected_threads
