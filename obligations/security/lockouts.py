"""Login lockouts (django-axes): who is locked, until when, and a supervisor's unlock.

django-axes counts failed logins per account and per client address (AXES_LOCKOUT_PARAMETERS) in
``AccessAttempt`` rows, one per (username, address, browser), each with its failure count and the
time of its latest failure. A group of rows (one account, or one address) is locked while the
failures of its rows seen within the cool-off reach the limit; so the lock ends when enough of
them have aged out. This module turns the rows into that end time, for the lockout page and for
the supervisors' list, and unlocks through axes with an audit entry.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from ..workflow import audit

USERNAME = "username"
ADDRESS = "ip_address"
KIND_LABELS = {USERNAME: "账号", ADDRESS: "地址"}


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind TRACKER_TRUSTED_PROXIES reverse proxies (nginx) it is the entry
    that many places from the right of X-Forwarded-For, which the proxies append to; the rest of
    that header is the client's own word and is never trusted. Without proxies: REMOTE_ADDR."""
    proxies = settings.TRACKER_TRUSTED_PROXIES
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def cool_off() -> datetime.timedelta:
    value = get_cool_off()
    if value is None:  # settings require one; without it a lock would never end by itself
        raise ValueError("AXES_COOLOFF_TIME must be set")
    return value


def failure_limit() -> int:
    return get_failure_limit(None, None)


def lock_ends(
    attempts: Iterable[tuple[datetime.datetime, int]], *, limit: int, cool_off: datetime.timedelta
) -> datetime.datetime | None:
    """When a group of attempt rows (latest failure time, failures) stops being locked, or None when
    it is not locked. Rows count until their latest failure is older than the cool-off."""
    total = 0
    for when, failures in sorted(attempts, key=lambda row: row[0], reverse=True):
        total += failures
        if total >= limit:
            # Locked until this row ages out: then the newer rows alone stay below the limit.
            return when + cool_off
    return None


def _recent(now: datetime.datetime | None = None):
    now = now or timezone.now()
    return AccessAttempt.objects.filter(attempt_time__gte=now - cool_off())


def retry_at(username: str | None, address: str | None) -> datetime.datetime | None:
    """When this account and address may try again (the later of their two locks), or None."""
    limit, delay = failure_limit(), cool_off()
    ends = []
    for field, value in ((USERNAME, username), (ADDRESS, address)):
        if not value or "\x00" in value:
            continue
        rows = _recent().filter(**{field: value}).values_list("attempt_time", "failures_since_start")
        end = lock_ends(rows, limit=limit, cool_off=delay)
        if end is not None:
            ends.append(end)
    return max(ends, default=None)


@dataclass(frozen=True)
class Lock:
    kind: str  # USERNAME or ADDRESS
    value: str
    failures: int
    last_failure: datetime.datetime
    until: datetime.datetime

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


def current_locks(now: datetime.datetime | None = None) -> list[Lock]:
    """Every account and every address locked right now, the longest-locked first."""
    limit, delay = failure_limit(), cool_off()
    groups: dict[tuple[str, str], list[tuple[datetime.datetime, int]]] = {}
    rows = _recent(now).values_list("username", "ip_address", "attempt_time", "failures_since_start")
    for username, address, when, failures in rows:
        for kind, value in ((USERNAME, username), (ADDRESS, address)):
            if value:
                groups.setdefault((kind, value), []).append((when, failures))
    locks = []
    for (kind, value), attempts in groups.items():
        until = lock_ends(attempts, limit=limit, cool_off=delay)
        if until is not None:
            locks.append(
                Lock(
                    kind=kind,
                    value=value,
                    failures=sum(failures for _, failures in attempts),
                    last_failure=max(when for when, _ in attempts),
                    until=until,
                )
            )
    return sorted(locks, key=lambda lock: (lock.until, lock.kind, lock.value), reverse=True)


def unlock(kind: str, value: str, *, user) -> int:
    """Forget the failed logins of an account or an address (all of its rows); audited. Returns how
    many attempt rows were removed (0: nothing was locked, nothing recorded)."""
    if kind not in KIND_LABELS:
        raise ValueError(kind)
    if not AccessAttempt.objects.filter(**{kind: value}).exists():
        return 0
    removed = reset(username=value) if kind == USERNAME else reset(ip=value)
    audit.record(
        user,
        "login.unlock",
        f"解除登录锁定：{KIND_LABELS[kind]} {value}",
        changes={kind: [value, None]},
    )
    return removed
