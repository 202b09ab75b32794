"""Login brute force: a locked account or address is refused (even with the right password) with a
Chinese page saying when to retry, on the site's and the admin's login; supervisors can unlock."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from obligations.models import ChangeLog
from obligations.security.lockouts import client_ip, current_locks, lock_ends

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db

LIMIT = 3
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)


def _login(client: Client, username: str, password: str, url: str = "", **extra):
    return client.post(url or reverse("login"), {"username": username, "password": password}, **extra)


def _retry_text(when: datetime.datetime) -> str:
    local = timezone.localtime(when)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def _expected_retry(**lookup) -> datetime.datetime:
    latest = AccessAttempt.objects.filter(**lookup).order_by("-attempt_time").first()
    return latest.attempt_time + datetime.timedelta(minutes=15)


def test_account_is_locked_after_the_limit_even_with_the_right_password(world):
    client = Client(REMOTE_ADDR="198.51.100.7")
    for attempt in range(1, LIMIT):
        response = _login(client, "liaison_a", "wrong")
        assert response.status_code == 200, attempt
        assert "用户名或密码不正确" in response.content.decode()
    response = _login(client, "liaison_a", "wrong")
    assert response.status_code == 429
    page = response.content.decode()
    assert "登录已被暂时锁定" in page and 'lang="zh-hans"' in page
    assert _retry_text(_expected_retry(username="liaison_a")) in page
    assert "约 15 分钟后" in page

    # The right password from a fresh address: the account itself is locked.
    other = Client(REMOTE_ADDR="198.51.100.8")
    response = _login(other, "liaison_a", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in other.session
    # Someone else from that fresh address is not affected.
    assert _login(other, "liaison_b", PASSWORD).status_code == 302


def test_address_is_locked_for_every_account(world):
    attacker = Client(REMOTE_ADDR="203.0.113.50")
    for name in ("guess1", "guess2", "guess3"):
        _login(attacker, name, "wrong")
    response = _login(attacker, "liaison_b", PASSWORD)
    assert response.status_code == 429
    assert _retry_text(_expected_retry(ip_address="203.0.113.50")) in response.content.decode()
    # liaison_b itself is not locked: from another address the same password works.
    assert _login(Client(REMOTE_ADDR="203.0.113.51"), "liaison_b", PASSWORD).status_code == 302


def test_failures_while_locked_do_not_move_the_retry_time(world):
    client = Client(REMOTE_ADDR="198.51.100.9")
    for _ in range(LIMIT):
        _login(client, "liaison_a", "wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=5))
    before = _expected_retry(username="liaison_a")
    response = _login(client, "liaison_a", "wrong")
    assert response.status_code == 429
    assert _expected_retry(username="liaison_a") == before
    assert _retry_text(before) in response.content.decode()


def test_lock_ends_after_the_cool_off(world):
    client = Client(REMOTE_ADDR="198.51.100.10")
    for _ in range(LIMIT):
        _login(client, "liaison_a", "wrong")
    assert _login(client, "liaison_a", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=15, seconds=1))
    assert _login(client, "liaison_a", PASSWORD).status_code == 302


def test_admin_login_is_throttled_too(world):
    client = Client(REMOTE_ADDR="198.51.100.11")
    url = reverse("admin:login")
    for _ in range(LIMIT - 1):
        response = _login(client, "supervisor", "wrong", url)
        assert response.status_code == 200
    response = _login(client, "supervisor", "wrong", url)
    assert response.status_code == 429
    assert "登录已被暂时锁定" in response.content.decode()
    assert _login(client, "supervisor", PASSWORD, url).status_code == 429
    assert _login(Client(REMOTE_ADDR="198.51.100.12"), "supervisor", PASSWORD, url).status_code == 429


def test_supervisor_lists_and_unlocks(world, as_user):
    for address in ("198.51.100.20", "198.51.100.21", "198.51.100.22"):
        _login(Client(REMOTE_ADDR=address), "liaison_a", "wrong")
    for name in ("x1", "x2", "x3"):
        _login(Client(REMOTE_ADDR="203.0.113.60"), name, "wrong")
    locks = {(lock.kind, lock.value) for lock in current_locks()}
    assert locks == {("username", "liaison_a"), ("ip_address", "203.0.113.60")}

    supervisor = as_user(world.supervisor)
    page = supervisor.get(reverse("lockout_list")).content.decode()
    assert "登录锁定" in page and "liaison_a" in page and "203.0.113.60" in page
    assert page.count("解除锁定</button>") == 2
    until = timezone.localtime(_expected_retry(username="liaison_a"))
    assert f"{until:%Y-%m-%d %H:%M}" in page

    response = supervisor.post(reverse("lockout_unlock"), {"kind": "username", "value": "liaison_a"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="liaison_a").exists()
    entry = ChangeLog.objects.get(action="login.unlock")
    assert entry.actor == world.supervisor and "liaison_a" in entry.summary
    assert _login(Client(REMOTE_ADDR="198.51.100.23"), "liaison_a", PASSWORD).status_code == 302

    response = supervisor.post(reverse("lockout_unlock"), {"kind": "ip_address", "value": "203.0.113.60"})
    assert response.status_code == 302
    assert current_locks() == []
    assert _login(Client(REMOTE_ADDR="203.0.113.60"), "liaison_b", PASSWORD).status_code == 302
    # Nothing locked any more: a second unlock records nothing.
    supervisor.post(reverse("lockout_unlock"), {"kind": "username", "value": "liaison_a"})
    assert ChangeLog.objects.filter(action="login.unlock").count() == 2


@pytest.mark.parametrize("value", ["not-an-ip", "999.1.1.1", "\x00", "1" * 300])
def test_unlock_refuses_a_malformed_address(world, as_user, value):
    response = as_user(world.supervisor).post(
        reverse("lockout_unlock"), {"kind": "ip_address", "value": value}
    )
    assert response.status_code == 400
    assert "解除锁定的请求无效" in response.content.decode()


def test_lock_ends_counts_the_newest_rows_first():
    now = timezone.now()
    minute = datetime.timedelta(minutes=1)
    cool_off = datetime.timedelta(minutes=15)
    rows = [(now - 10 * minute, 2), (now - 2 * minute, 1), (now - 5 * minute, 2)]
    # Newest first: 1 (at -2), then 2 more (at -5) reach 3: locked until the -5 row ages out.
    assert lock_ends(rows, limit=3, cool_off=cool_off) == now - 5 * minute + cool_off
    assert lock_ends(rows, limit=5, cool_off=cool_off) == now - 10 * minute + cool_off
    assert lock_ends(rows, limit=6, cool_off=cool_off) is None


def test_client_address_behind_trusted_proxies(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.30")
    settings.TRACKER_TRUSTED_PROXIES = 0
    assert client_ip(request) == "10.0.0.1"  # no proxy configured: the header is not trusted
    settings.TRACKER_TRUSTED_PROXIES = 1
    assert client_ip(request) == "198.51.100.30"  # what nginx appended, not what the client claimed
    settings.TRACKER_TRUSTED_PROXIES = 3
    assert client_ip(request) == "10.0.0.1"  # fewer entries than proxies: fall back to the peer


def test_limits_come_from_the_environment(tmp_path):
    probe = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({'limit': settings.AXES_FAILURE_LIMIT, "
        "'cool_off': settings.AXES_COOLOFF_TIME.total_seconds(), 'proxies': settings.TRACKER_TRUSTED_PROXIES, "
        "'params': settings.AXES_LOCKOUT_PARAMETERS}))"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env.update(
        DJANGO_SETTINGS_MODULE="tracker.settings",
        TRACKER_VAR_DIR=str(tmp_path),
        DEBUG="true",
        LOGIN_FAILURE_LIMIT="7",
        LOGIN_COOLOFF_MINUTES="30",
        TRACKER_TRUSTED_PROXIES="1",
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data == {"limit": 7, "cool_off": 1800.0, "proxies": 1, "params": ["username", "ip_address"]}


@pytest.mark.parametrize("url_name", ["login", "admin:login"])
def test_over_long_user_name_is_refused_before_authenticating(world, url_name):
    response = _login(Client(REMOTE_ADDR="198.51.100.40"), "長" * 5000, "wrong", reverse(url_name))
    assert response.status_code == 200
    assert not AccessAttempt.objects.exists()  # axes never saw it (its column holds 255 characters)


def test_supervisors_read_and_clear_attempts_in_the_axes_admin(world, as_user):
    _login(Client(REMOTE_ADDR="198.51.100.41"), "liaison_a", "wrong")
    admin = as_user(world.supervisor)
    page = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert page.status_code == 200 and "liaison_a" in page.content.decode()
    assert world.supervisor.has_perm("axes.delete_accessattempt")
    assert not world.liaison_a.has_perm("axes.view_accessattempt")
