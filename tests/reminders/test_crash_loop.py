"""A day of crashes: real qclusters sending to a real SMTP server and to loopback chat and SMS vendors
(企业微信 application and group robots, 钉钉 robots, an SMS gateway: every channel on), killed -9
again and again (mid-sweep, mid-send on SMTP and on HTTP, one and two clusters at once) and
restarted until the outbox settles.

Every due digest must reach the server; a try is counted only if it reached the server (so
nothing is marked failed that was not really tried, and a refused address gets exactly the
policy's number of tries); nobody gets two different digests for the day; and the only duplicates
are the documented window: a message the server took just before the sender died is sent again,
once, with the same Message-ID. The same holds on every chat and SMS channel (the vendors see the
same X-Tracker-Message-Id again), and each person and each unit's robots get the day's digest once
per channel.

Kills land on observable states, never on timers: a sweep's rows half written, or the SMTP
server holding the reply to a message (``smtp.Trap``) while every live worker is in that state
(one worker per cluster, each cluster life with its own envelope sender so the server can tell
them apart). Timeouts are compressed through the environment.
"""

from __future__ import annotations

import datetime
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pytest
from django.db import close_old_connections, connection
from django.db.models import Q
from django.utils import timezone
from django_q.models import OrmQ
from django_q.tasks import async_task

from obligations.devtools import mock_vendors
from obligations.devtools.mock_vendors import MockVendors
from obligations.models import (
    Contact,
    Delivery,
    DigestEmail,
    Notification,
    Reminder,
    ReminderPolicy,
    Robot,
    SmsGateway,
    SweepRun,
    UnitChannels,
    WecomApp,
)
from obligations.reminders.manual import remind_tasks

from .cluster import Cluster, cluster_env, kill9
from .smtp import Recorder, SMTPServer, Trap
from .test_cluster import SWEEP, World, fire_now

pytestmark = [pytest.mark.cluster, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LIAISONS = 180  # + the supervisor: 181 digests, nineteen claims of 10
BATCH = 10  # digests (and chat/SMS messages per channel) claimed together
BUDGET = 260  # seconds from the first start to the settled outbox
REFUSED = "cluster_liaison_7@example.gov.cn"
REFUSAL = "550 5.1.1 <cluster_liaison_7@example.gov.cn>: Recipient address rejected: User unknown"
MANUAL = 8  # 催办 made on the web while the day's digests go out
CLAIM_TIMEOUT = 10  # seconds; a trapped sender is killed long before another may take its claim
SMTP, HTTP = "smtp", "http"
# (clusters, trap, where) for each kill while sending, after two kills mid-sweep: at the SMTP
# server or at the chat/SMS vendors. The first is the cluster that finished the sweep; two
# clusters start together, right after a kill.
ROBOTS = {"wecom_robot", "dingtalk"}
SEND_KILLS = [
    (1, Trap.ACCEPT, SMTP),
    (2, Trap.HOLD, HTTP),
    (1, Trap.ACCEPT, HTTP, {"dingtalk"}),
    (1, Trap.HOLD, SMTP),
    (2, Trap.ACCEPT, SMTP),
    (1, Trap.HOLD, HTTP, {"wecom_robot"}),
    (2, Trap.ACCEPT, HTTP),
    (1, Trap.ACCEPT, SMTP),
    (2, Trap.HOLD, SMTP),
    (1, Trap.ACCEPT, HTTP),
    (1, Trap.HOLD, SMTP),
    (1, Trap.HOLD, HTTP),
]
HTTP_TRAP = {Trap.ACCEPT: mock_vendors.Trap.ACCEPT, Trap.HOLD: mock_vendors.Trap.HOLD}
MESSAGE_ID = re.compile(r"<tracker-(digest|reminder|delivery)-(\d+)@duban\.example\.gov\.cn>")


def message_id(kind: str, pk: int) -> str:
    return f"<tracker-{kind}-{pk}@duban.example.gov.cn>"


def item(mid: str) -> DigestEmail | Reminder | Delivery:
    kind, pk = MESSAGE_ID.fullmatch(mid).groups()
    return {"digest": DigestEmail, "reminder": Reminder, "delivery": Delivery}[kind].objects.get(pk=int(pk))


def started_unfinished() -> set[str]:
    """Messages whose try is counted and not yet concluded: in flight, or left by a dead sender."""
    sending = {"status": "sending", "attempt_started_at__isnull": False}
    return (
        {
            message_id("digest", pk)
            for pk in DigestEmail.objects.filter(**sending).values_list("pk", flat=True)
        }
        | {
            message_id("reminder", pk)
            for pk in Reminder.objects.filter(kind="manual", **sending).values_list("pk", flat=True)
        }
        | {
            message_id("delivery", pk)
            for pk in Delivery.objects.filter(**sending).values_list("pk", flat=True)
        }
    )


def claimed_untried() -> set[tuple[str, object]]:
    """Claims (item, claim time) that never started a try."""
    untried = {"status": "sending", "attempt_started_at__isnull": True}
    return (
        {
            (message_id("digest", pk), at)
            for pk, at in DigestEmail.objects.filter(**untried).values_list("pk", "claimed_at")
        }
        | {
            (message_id("reminder", pk), at)
            for pk, at in Reminder.objects.filter(kind="manual", **untried).values_list("pk", "claimed_at")
        }
        | {
            (message_id("delivery", pk), at)
            for pk, at in Delivery.objects.filter(**untried).values_list("pk", "claimed_at")
        }
    )


def claimable(where: str, channels: set[str] | None) -> int:
    """Messages a sender starting now could claim on the trapped lane: queued and due, or held by a
    claim that has expired (a starting sender reclaims those first)."""
    now = timezone.now()
    ready = Q(status="pending") & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    expired = Q(status="sending", claimed_at__lt=now - datetime.timedelta(seconds=CLAIM_TIMEOUT))
    if where == SMTP:
        return DigestEmail.objects.filter(ready | expired).count()
    queue = Delivery.objects.filter(due_at__lte=now)
    if channels:
        queue = queue.filter(channel__in=channels)
    return queue.filter(ready | expired).count()


def enough_work(where: str, channels: set[str] | None, least: int) -> bool:
    return claimable(where, channels) >= least


def every_channel_on(world: World, vendors: MockVendors) -> None:
    """企业微信 application and SMS on for every unit, both robots for every unit, an account and a
    mobile for everyone: each reminder goes out on all six channels."""
    app = WecomApp.current()
    app.enabled, app.corp_id, app.agent_id, app.secret = True, "wwcorp", 1000002, vendors.state.corp_secret
    app.save()
    gateway = SmsGateway.current()
    gateway.enabled, gateway.url = True, f"{vendors.url}/sms/send"
    gateway.params = '{"mobile": "{mobile}", "content": "{text}", "ref": "{message_id}"}'
    gateway.success_json_path, gateway.success_json_value = "code", "0"
    gateway.save()
    for n, user in enumerate(world.users):
        Contact.objects.create(user=user, wecom_userid=f"user{n}", mobile=f"139{n:08d}")
        for membership in user.memberships.all():
            unit = membership.unit
            UnitChannels.objects.create(unit=unit, wecom_app=True, sms=True)
            wecom = Robot.objects.create(unit=unit, kind="wecom", key=f"wecom-key-{unit.pk:06d}")
            ding = Robot.objects.create(
                unit=unit, kind="dingtalk", key=f"ding-token-{unit.pk:06d}", secret=f"SECding{unit.pk:08d}"
            )
            vendors.state.wecom_keys.add(wecom.key)
            vendors.state.dingtalk[ding.key] = ding.secret


@dataclass
class Kill:
    phase: str
    clusters: int
    caught: list = field(default_factory=list)  # smtp.Trapped or mock_vendors.Trapped
    unsent: int = 0  # digests not yet sent right after the kill
    where: str = SMTP


class Day:
    """The clusters of the day, the test's stand-in for cron (a sender run whenever none is
    queued, at most every half second: production runs one a minute), and the time budget."""

    def __init__(self, env: dict[str, str], logs: Path, server: Recorder, vendors: MockVendors) -> None:
        self.env = env
        self.server = server
        self.vendors = vendors
        self.logs = logs
        self.deadline = time.monotonic() + BUDGET
        self.running: list[Cluster] = []
        self.senders: list[str] = []  # the envelope sender of each running cluster
        self.lives = 0
        self.fed = 0.0

    def ensure(self, count: int) -> None:
        while len(self.running) < count:
            sender = f"noreply+life{self.lives}@localhost"
            env = {**self.env, "DEFAULT_FROM_EMAIL": f"督办台账 <{sender}>"}
            self.running.append(Cluster(env, self.logs / f"qcluster-{self.lives}.log").start())
            self.senders.append(sender)
            self.lives += 1

    def kill(self) -> None:
        kill9(*self.running)
        self.running = []
        self.senders = []

    def stop(self) -> None:
        for cluster in self.running:
            cluster.stop()
        self.running = []
        self.senders = []

    def feed(self) -> None:
        if not self.running or time.monotonic() - self.fed < 0.5:
            return
        self.fed = time.monotonic()
        if not OrmQ.objects.filter(lock__lte=timezone.now()).exists():
            async_task("obligations.reminders.jobs.send_reminders")

    def until(
        self, predicate: Callable[[], object], what: str, timeout: float = 60, pause: float = 0.05
    ) -> object:
        deadline = min(self.deadline, time.monotonic() + timeout)
        while True:
            close_old_connections()
            value = predicate()
            if value:
                return value
            for cluster in self.running:
                if cluster.proc.poll() is not None:
                    raise AssertionError(f"a qcluster exited waiting for {what}:\n{cluster.log()}")
            if time.monotonic() > deadline:
                logs = "\n---\n".join(cluster.log(3000) for cluster in self.running)
                digests = Counter(DigestEmail.objects.values_list("status", flat=True))
                rows = Counter(
                    (status, kind, digest, attempts, started is None, error)
                    for status, kind, digest, attempts, started, error in Reminder.objects.exclude(
                        status="sent"
                    ).values_list(
                        "status", "kind", "digest__status", "attempts", "attempt_started_at", "last_error"
                    )
                )
                deliveries = Counter(Delivery.objects.values_list("channel", "status"))
                raise AssertionError(
                    f"timed out waiting for {what} (digests {digests}, rows {rows}, deliveries {deliveries}, "
                    f"taken by the server from {self.server.accepted_from}):\n{logs}"
                )
            self.feed()
            time.sleep(pause)


def invented(expected: set[tuple], manual: list[Reminder]) -> list[tuple]:
    """Outbox rows that are neither the day's reminders nor the 催办 made (none may appear)."""
    known = expected | {(r.task_id, r.unit_id, r.kind, r.stage, r.deadline, r.recipient_id) for r in manual}
    fields = ("task_id", "unit_id", "kind", "stage", "deadline", "recipient_id")
    return [
        row
        for row in Reminder.objects.values_list(*fields, "status", "created_at", "digest_id")
        if row[:6] not in known
    ]


def sweep_past(day, attempt: int, low: float, expected: int) -> bool:
    run = SweepRun.objects.filter(day=day, status="running", attempts=attempt).first()
    return run is not None and Reminder.objects.count() >= low * expected


@contextmanager
def outbox_writes_held() -> Iterator[None]:
    """Hold the outbox against writers until the block ends: a sweep seen past a point stays
    there (its next batch waits for the lock) however fast the machine writes its batches."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("BEGIN IMMEDIATE")
        else:
            cursor.execute("BEGIN")
            cursor.execute("LOCK TABLE obligations_reminder IN SHARE ROW EXCLUSIVE MODE")
        try:
            yield
        finally:
            cursor.execute("ROLLBACK")


def test_a_day_of_kill_9_loses_no_reminder_and_counts_only_real_tries(tmp_path):
    world = World(liaisons=LIAISONS)
    tries = ReminderPolicy.current().max_send_attempts
    assert tries == 5  # the policy's default
    good = {user.email for user in world.users} - {REFUSED}
    assert len(good) == LIAISONS
    kills: list[Kill] = []
    untried: set[tuple[str, object]] = set()  # claims a kill left behind without a try

    with SMTPServer(refuse={REFUSED: REFUSAL}, delay=0.02) as smtp, MockVendors() as vendors:
        server = smtp.recorder
        vendors.state.delay = 0.01  # a vendor at work
        every_channel_on(world, vendors)
        env = cluster_env(
            tmp_path / "no-mail",
            WECOM_BASE_URL=vendors.url,
            DINGTALK_BASE_URL=vendors.url,
            EMAIL_BACKEND="smtp",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp.port),
            EMAIL_TIMEOUT="20",
            Q_WORKERS="1",  # one sender per cluster: when it is trapped, nothing else is sending
            # ... and one lane at a time in it (on PostgreSQL a sender runs its e-mail, chat and
            # robot lanes side by side): a kill then lands on the trapped message alone, so each
            # try counted is one a server saw. A real crash may catch another lane mid-try too;
            # that try is counted, as any crash after "try started" is (attempts module).
            REMINDER_SEND_THREADS="1",
            Q_TIMEOUT="60",
            Q_RETRY="90",  # killed tasks come back late; the catch-up and the feed carry the day
            Q_POLL="0.1",
            REMINDER_CLAIM_TIMEOUT_SECONDS=str(CLAIM_TIMEOUT),
            REMINDER_RETRY_BASE_SECONDS="1",  # the refused address: retries after 1, 2, 4, 8 s
            REMINDER_DIGEST_BATCH=str(BATCH),
            # One task a batch: the database writes each batch in one statement, so only many small
            # batches keep the sweep slow enough to be seen (and killed) half way.
            REMINDER_SWEEP_BATCH="1",
            REMINDER_SWEEP_STALE_SECONDS="6",
        )
        day = Day(env, tmp_path, server, vendors)
        try:
            # --- mid-sweep: the day's rows half written, twice ------------------------------------
            fire_now(SWEEP)
            expected = len(world.expected)
            for attempt, low in enumerate([0.15, 0.55], start=1):
                day.ensure(1)
                day.until(
                    partial(sweep_past, world.today, attempt, low, expected),
                    f"sweep run {attempt} past {low:.0%}",
                    pause=0.005,  # a fast machine writes the 360 batches in well under a second
                )
                # Seen under way, held there (its next batch waits), and killed in that state.
                with outbox_writes_held():
                    assert low * expected <= Reminder.objects.count() < expected
                    day.kill()
                assert SweepRun.objects.get(day=world.today).status == "running"
                assert Reminder.objects.count() < expected
                # Digests wait for the sweep, on every channel.
                assert not started_unfinished() and not server.data and not vendors.data
                kills.append(Kill("sweep", 1))
            day.ensure(1)  # the sender's catch-up resumes the stale sweep
            day.until(
                lambda: SweepRun.objects.filter(day=world.today, status="done").exists(), "the resumed sweep"
            )
            assert SweepRun.objects.get(day=world.today).attempts == 3
            assert world.outbox() == world.expected

            # --- 催办 from the web while the digests go out --------------------------------------
            pairs = []
            for user in world.users[1 : MANUAL + 2]:
                if user.email == REFUSED:
                    continue
                unit = user.memberships.get().unit
                pairs.append((unit.tasks.order_by("pk").first(), [unit]))
            manual = remind_tasks(pairs[:MANUAL], world.supervisor, "请于今日报送进展")
            assert len(manual) == MANUAL
            # Each person's wecom + SMS digest, each unit's two robots; each 催办 the same.
            planned = Delivery.objects.count()
            assert planned == 2 * len(world.users) + 2 * LIAISONS + 2 * MANUAL + 2 * MANUAL

            # --- mid-send: every live sender caught with a message at the server ------------------
            waits: list[float] = []
            for number, (clusters, trap, where, *only) in enumerate(SEND_KILLS):
                if clusters > 1:
                    # Every sender must find its own work on the trapped lane: one left idle would
                    # wait for expired claims, as long as the trapped one's claim lasts. Nothing runs
                    # between kills, so this count only grows (claims expire) until the start.
                    day.until(
                        partial(enough_work, where, only[0] if only else None, 2 * clusters * BATCH),
                        f"kill {number}: work for {clusters} senders",
                    )
                day.ensure(clusters)
                # Each live sender is caught after a few more messages, in the middle of a batch
                # (the first one caught waits for the other: they start together).
                if where == SMTP:
                    before = server.arm(day.senders, trap, more=1 + number % 3)
                    caught_now = partial(server.caught, before, clusters)
                else:
                    channels = only[0] if only else None
                    before = vendors.arm(
                        HTTP_TRAP[trap], more=1 + number % 3, count=clusters, channels=channels
                    )
                    caught_now = partial(vendors.caught, before, clusters)
                caught = day.until(caught_now, f"kill {number}: {clusters} message(s) in flight at {where}")
                # The try was counted and committed before the hand-over.
                seen = server.data if where == SMTP else vendors.data
                for trapped in caught:
                    held = item(trapped.message_id)
                    state = (held.status, held.attempt_started_at is not None, held.attempts)
                    assert state == ("sending", True, seen[trapped.message_id]), (trapped, vars(held))
                held_for = time.monotonic() - min(t.at for t in caught)
                waits.append(held_for)
                assert held_for < CLAIM_TIMEOUT - 1, f"a trapped sender waited {held_for:.1f} s for the kill"
                day.kill()
                in_flight = started_unfinished()
                earlier = {t.message_id for k in kills for t in k.caught}
                # Nothing else was between "try started" and the server: only the caught ones (and
                # ones caught at earlier kills whose claims have not expired yet) are open tries.
                assert {t.message_id for t in caught} <= in_flight <= {t.message_id for t in caught} | earlier
                assert invented(world.expected, manual) == []
                untried |= claimed_untried()
                unsent = DigestEmail.objects.exclude(status="sent").count()
                kills.append(Kill("send", clusters, caught, unsent, where))
                server.release()
                vendors.release()

            # --- the rest of the day -------------------------------------------------------------
            day.ensure(1)
            rows = expected + MANUAL

            def settled() -> bool:
                return (
                    DigestEmail.objects.filter(status__in=["sent", "failed"]).count() == len(world.users)
                    and Reminder.objects.filter(status__in=["sent", "failed"]).count() == rows
                    and Delivery.objects.filter(status__in=["sent", "failed"]).count() == planned
                )

            day.until(settled, "the outbox to settle", timeout=BUDGET)
            assert invented(world.expected, manual) == []
            day.stop()
        finally:
            server.release()
            vendors.release()
            day.stop()

        # --- what the server saw ---------------------------------------------------------------
        accepted = Counter(mid for _, mid in server.accepted)
        digests_to: dict[str, set[str]] = defaultdict(set)
        for rcpt, mid in server.accepted:
            if "-digest-" in mid:
                digests_to[rcpt].add(mid)
        refused = DigestEmail.objects.get(recipient__email=REFUSED)
        caught = [t for k in kills for t in k.caught if k.where == SMTP]
        times_caught = Counter(t.message_id for t in caught)
        window = Counter(t.message_id for t in caught if t.trap is Trap.ACCEPT)
        resends = {mid: n - 1 for mid, n in accepted.items() if n > 1}
        http_caught = [t for k in kills for t in k.caught if k.where == HTTP]
        http_times = Counter(t.message_id for t in http_caught)
        http_window = Counter(t.message_id for t in http_caught if t.trap is mock_vendors.Trap.ACCEPT)
        http_accepted = Counter(vendors.accepted)
        http_data = Counter(vendors.data)
        delivered = list(vendors.delivered)

    # Every due digest reached the server, one per recipient and day; the refused address none.
    assert set(digests_to) == good
    assert all(len(mids) == 1 for mids in digests_to.values()), {
        r: m for r, m in digests_to.items() if len(m) > 1
    }
    for digest in DigestEmail.objects.exclude(pk=refused.pk).select_related("recipient"):
        assert digests_to[digest.recipient.email] == {message_id("digest", digest.pk)}
    # Duplicates only through the documented window: each time the server took a message and its
    # sender died before hearing so, it went out once more, same Message-ID; nothing else twice.
    assert resends == dict(window)
    assert sum(resends.values()) <= sum(k.clusters for k in kills)  # at most one per killed sender
    # Each try counted is a try the server saw, no more, no less: the crashes charged nothing
    # untried, and every try of a good address was either caught at a kill or went through.
    for digest in DigestEmail.objects.exclude(pk=refused.pk):
        mid = message_id("digest", digest.pk)
        expected_tries = times_caught[mid] + 1
        assert (digest.status, digest.attempts, server.data[mid]) == (
            "sent",
            expected_tries,
            expected_tries,
        ), mid
        assert set(digest.reminders.values_list("status", "attempts")) == {("sent", digest.attempts)}
    for row in Reminder.objects.filter(kind="manual"):
        mid = message_id("reminder", row.pk)
        expected_tries = times_caught[mid] + 1
        assert (row.status, row.attempts, server.data[mid]) == ("sent", expected_tries, expected_tries), mid
        assert accepted[mid] == window[mid] + 1
    # Failed means really failed: only the refused address, after exactly the policy's tries.
    assert server.rcpt[REFUSED] == tries
    assert (refused.status, refused.attempts, refused.next_attempt_at) == ("failed", tries, None)
    assert "550" in refused.last_error and "Recipient address rejected: User unknown" in refused.last_error
    assert set(refused.reminders.values_list("status", "attempts", "last_error")) == {
        ("failed", tries, refused.last_error)
    }
    assert set(Reminder.objects.filter(status="failed").values_list("recipient__email", flat=True)) == {
        REFUSED
    }
    # In-app: each person's day once and each 催办 once per person, whatever the crashes.
    notices = Counter(Notification.objects.exclude(reminder__kind="manual").values_list("user_id", flat=True))
    assert notices == Counter(DigestEmail.objects.values_list("recipient_id", flat=True))
    asked = Reminder.objects.filter(kind="manual").values_list("stage", "recipient_id").distinct()
    assert Notification.objects.filter(reminder__kind="manual").count() == len(set(asked))

    # Every chat and SMS message reached its vendor, once, but for the same window: a message the
    # vendor took as its sender died goes out once more (same X-Tracker-Message-Id), nothing else
    # twice; each try counted is a request the vendor saw. The refused e-mail address gets its
    # messages on the other channels all the same.
    deliveries = list(Delivery.objects.all())
    assert len(deliveries) == planned
    for delivery in deliveries:
        mid = message_id("delivery", delivery.pk)
        tries = http_times[mid] + 1
        assert (delivery.status, delivery.attempts, http_data[mid]) == ("sent", tries, tries), mid
        assert http_accepted[mid] == http_window[mid] + 1, mid
    assert sum(http_accepted.values()) == planned + sum(http_window.values())
    # One digest per person and per robot per channel for the day.
    digests_seen = Counter()
    for request in delivered:
        body = request.body if isinstance(request.body, dict) else {}
        text = str(
            (body.get("markdown") or {}).get("content")
            or (body.get("markdown") or {}).get("text")
            or body.get("content")
            or ""
        )
        if "催办" in text:
            continue
        target = (
            body.get("touser")
            or body.get("mobile")
            or request.query.get("key")
            or request.query.get("access_token")
        )
        digests_seen[(request.channel, target)] += 1
    assert len(digests_seen) == 2 * len(world.users) + 2 * LIAISONS
    # More than one only through the window (a resend may itself be caught by a later kill).
    assert sum(n - 1 for n in digests_seen.values()) <= sum(http_window.values())

    # The day really was the one described.
    assert len(kills) == 14 and sum(k.clusters for k in kills) == 18
    assert window and len(caught) > sum(window.values()) and len(untried) >= 25
    assert http_window and len(http_caught) > sum(http_window.values())
    assert {t.channel for t in http_caught} >= {"wecom_app", "sms", "wecom_robot", "dingtalk"}
    print(
        f"\ncrash loop: {len(kills)} kills ({sum(k.clusters for k in kills)} cluster kills, "
        f"{sum(k.phase == 'sweep' for k in kills)} mid-sweep), {len(world.users)} digests + {MANUAL} 催办, "
        f"{len(untried)} claims untried at the kills (not charged), {len(caught)} caught mid-send, "
        f"{sum(resends.values())} resent through the window, {server.rcpt[REFUSED]} tries at the refused address, "
        f"{kills[-1].unsent} digests unsent at the last kill; chat and SMS: {planned} messages, "
        f"{len(http_caught)} caught mid-send on {sorted({t.channel for t in http_caught})}, "
        f"{sum(http_window.values())} resent through the window; the longest a trapped sender waited "
        f"for its kill: {max(waits):.1f} s"
    )
