"""Loopback stand-ins for the chat and SMS vendors, for tests and ``bench`` (never the product).

One ``http.server`` in a thread answers as the vendors document (see the channel modules'
docstrings): 企业微信 gettoken / message/send (token expiry, invalid users, 2048-byte markdown) and
群机器人 webhook/send (unknown key 93000, 4096 bytes, 20 a minute → 45009); 钉钉 robot/send
(HmacSHA256 signature and timestamp checked → 310000, unknown token 300001, 20 a minute →
130101); an SMS gateway answering ``{"code": 0}``. Every request is recorded as it arrived
(method, path, query, headers, JSON body); faults are scripted per path (``fail_next``), and
``trap`` holds the next message requests so a test can kill the sender at a known point.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import json
import multiprocessing
import threading
import time
import uuid
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from urllib.parse import parse_qs, urlsplit

MESSAGE_PATHS = ("/cgi-bin/message/send", "/cgi-bin/webhook/send", "/robot/send", "/sms/send")
CHANNEL_OF_PATH = {
    "/cgi-bin/message/send": "wecom_app",
    "/cgi-bin/webhook/send": "wecom_robot",
    "/robot/send": "dingtalk",
    "/sms/send": "sms",
}


class Trap(enum.Enum):
    ACCEPT = "accept"  # taken (delivered), then the answer is held: the sender dies not knowing
    HOLD = "hold"  # held before it is taken: the sender dies, nothing was delivered


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: object
    raw: bytes
    at: float
    answer: dict | str = ""
    status: int = 200

    @property
    def channel(self) -> str:
        return CHANNEL_OF_PATH.get(self.path, "")

    @property
    def message_id(self) -> str:
        return self.headers.get("x-tracker-message-id", "")


@dataclass
class Trapped:
    trap: Trap
    channel: str
    message_id: str
    at: float


@dataclass
class State:
    corp_id: str = "wwcorp"
    corp_secret: str = "app-secret-0123456789"  # noqa: S105 - the mock vendor's own test value
    tokens: dict[str, float] = field(default_factory=dict)  # token -> expiry (monotonic)
    token_ttl: int = 7200
    wecom_users: set[str] | None = None  # None: every user id exists
    wecom_keys: set[str] = field(default_factory=set)
    dingtalk: dict[str, str] = field(default_factory=dict)  # access_token -> secret ("" = no signing)
    sms_answer: dict = field(default_factory=lambda: {"code": 0, "msg": "success"})
    per_minute: int = 20
    delay: float = 0.0  # seconds before each (untrapped) answer


class MockVendors:
    """The vendors on one loopback port; base URLs: ``url`` for 企业微信 and 钉钉 alike."""

    def __init__(self) -> None:
        self.state = State()
        self.lock = threading.Lock()
        self.requests: list[Seen] = []
        self.accepted: Counter[str] = Counter()  # message id -> messages taken
        self.delivered: list[Seen] = []  # message requests the vendor took, in order
        self.data: Counter[str] = Counter()  # message id -> message requests received in full
        self._faults: dict[str, deque] = defaultdict(deque)
        self._sent_at: dict[str, deque] = defaultdict(deque)  # robot key/token -> recent send times
        # trap, how many more to let through first, channels, how many to trap
        self._armed: tuple[Trap, int, set[str], int] | None = None
        self._trap_count = 0
        self._released = 0
        self.trapped: list[Trapped] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> MockVendors:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()

    # --- set-up and faults -------------------------------------------------------------------------

    def fail_next(self, path: str, *answers: object) -> None:
        """Answer the next requests to ``path`` with these, in order: (status, body) pairs, or
        ("sleep", seconds) to answer only after that long (a timeout for the client)."""
        with self.lock:
            self._faults[path].extend(answers)

    def expire_tokens(self) -> None:
        with self.lock:
            self.state.tokens = {token: 0.0 for token in self.state.tokens}

    def of(self, path: str) -> list[Seen]:
        with self.lock:
            return [seen for seen in self.requests if seen.path == path]

    # --- traps (fault tests) -------------------------------------------------------------------------

    def arm(self, trap: Trap, more: int = 0, count: int = 1, channels: set[str] | None = None) -> int:
        """Trap the next ``count`` message requests of ``channels`` (all) once ``more`` further ones
        went through; each trapped request holds its sender (a sender has one request in flight, so
        ``count`` trapped requests are ``count`` senders). Returns how many were trapped before."""
        with self.lock:
            self._armed = (trap, more, set(channels or CHANNEL_OF_PATH.values()), count)
            return len(self.trapped)

    def release(self) -> None:
        with self.lock:
            self._armed = None
            self._released = self._trap_count

    def caught(self, before: int, count: int) -> list[Trapped] | None:
        with self.lock:
            return self.trapped[before:] if len(self.trapped) >= before + count else None

    # --- the vendors ---------------------------------------------------------------------------------

    def _rate_ok(self, key: str) -> bool:
        window = self._sent_at[key]
        now = time.monotonic()
        while window and window[0] < now - 60:
            window.popleft()
        if len(window) >= self.state.per_minute:
            return False
        window.append(now)
        return True

    def _answer(self, seen: Seen) -> tuple[int, dict | str]:
        state = self.state
        q = seen.query
        if seen.path == "/cgi-bin/gettoken":
            if q.get("corpid") != state.corp_id or q.get("corpsecret") != state.corp_secret:
                return 200, {"errcode": 40001, "errmsg": "invalid credential"}
            token = uuid.uuid4().hex
            state.tokens[token] = time.monotonic() + state.token_ttl
            return 200, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": state.token_ttl}
        body = seen.body if isinstance(seen.body, dict) else {}
        if seen.path == "/cgi-bin/message/send":
            token = q.get("access_token", "")
            if token not in state.tokens:
                return 200, {"errcode": 40014, "errmsg": "invalid access_token"}
            if state.tokens[token] < time.monotonic():
                return 200, {"errcode": 42001, "errmsg": "access_token expired"}
            content = (body.get("markdown") or {}).get("content", "")
            if len(content.encode("utf-8")) > 2048:
                return 200, {"errcode": 40058, "errmsg": "markdown.content exceed max length 2048"}
            user = body.get("touser", "")
            if state.wecom_users is not None and user not in state.wecom_users:
                return 200, {
                    "errcode": 81013,
                    "errmsg": "user & party & tag all invalid",
                    "invaliduser": user,
                }
            return 200, {"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": uuid.uuid4().hex}
        if seen.path == "/cgi-bin/webhook/send":
            key = q.get("key", "")
            if key not in state.wecom_keys:
                return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
            content = (body.get("markdown") or {}).get("content", "")
            if len(content.encode("utf-8")) > 4096:
                return 200, {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}
            if not self._rate_ok(key):
                return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}
            return 200, {"errcode": 0, "errmsg": "ok"}
        if seen.path == "/robot/send":
            token = q.get("access_token", "")
            if token not in state.dingtalk:
                return 200, {"errcode": 300001, "errmsg": "token is not exist"}
            secret = state.dingtalk[token]
            if secret:
                stamp = q.get("timestamp", "")
                expected = base64.b64encode(
                    hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
                ).decode()
                fresh = stamp.isdigit() and abs(int(stamp) - time.time() * 1000) < 3600 * 1000
                if not fresh or not hmac.compare_digest(q.get("sign", ""), expected):
                    return 200, {"errcode": 310000, "errmsg": "sign not match"}
            if not self._rate_ok(token):
                return 200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
            return 200, {"errcode": 0, "errmsg": "ok"}
        if seen.path == "/sms/send":
            return 200, dict(state.sms_answer)
        return 404, {"error": "not found"}

    def _handler(self):
        vendors = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: without TCP_NODELAY the body waits for the
            # client's delayed ACK (about 40 ms a request), which the bench would count as ours.
            disable_nagle_algorithm = True

            def log_message(self, format, *args):  # quiet
                pass

            def do_GET(self):
                self._handle()

            def do_POST(self):
                self._handle()

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                content_type = self.headers.get("Content-Type", "")
                if "json" in content_type:
                    try:
                        body: object = json.loads(raw.decode("utf-8"))
                    except ValueError:
                        body = None
                elif "form" in content_type:
                    body = {
                        k: v[-1] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()
                    }
                else:
                    body = raw.decode("utf-8", errors="replace")
                seen = Seen(
                    self.command,
                    parts.path,
                    query,
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                    raw,
                    time.monotonic(),
                )
                message = parts.path in MESSAGE_PATHS
                trap = None
                with vendors.lock:
                    vendors.requests.append(seen)
                    if message:
                        vendors.data[seen.message_id] += 1
                    fault = vendors._faults[parts.path].popleft() if vendors._faults[parts.path] else None
                    armed = vendors._armed
                    if message and fault is None and armed and seen.channel in armed[2]:
                        if armed[1] > 0:
                            vendors._armed = (armed[0], armed[1] - 1, armed[2], armed[3])
                        else:
                            left = armed[3] - 1
                            vendors._armed = (armed[0], 0, armed[2], left) if left else None
                            trap = armed[0]
                            vendors._trap_count += 1
                            number = vendors._trap_count
                            vendors.trapped.append(
                                Trapped(trap, seen.channel, seen.message_id, time.monotonic())
                            )
                    if trap is Trap.ACCEPT:
                        status, answer = vendors._answer(seen)
                        vendors._take(seen, status, answer)
                if trap is not None:
                    while vendors._released < number:
                        time.sleep(0.01)
                    self._reply(503, {"errcode": -1, "errmsg": "trap released"})
                    return
                if fault is not None:
                    if fault[0] == "sleep":
                        time.sleep(fault[1])
                        status, answer = 503, {"errcode": -1, "errmsg": "slept"}
                    else:
                        status, answer = fault
                    seen.status, seen.answer = status, answer
                    self._reply(status, answer)
                    return
                if vendors.state.delay:
                    time.sleep(vendors.state.delay)
                with vendors.lock:
                    status, answer = vendors._answer(seen)
                    if message:
                        vendors._take(seen, status, answer)
                seen.status, seen.answer = status, answer
                self._reply(status, answer)

            def _reply(self, status: int, answer: dict | str) -> None:
                data = (
                    json.dumps(answer, ensure_ascii=False) if isinstance(answer, dict) else answer
                ).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client is gone (killed while we held the answer)
                    pass

        return Handler

    def _take(self, seen: Seen, status: int, answer: dict | str) -> None:
        """Count a message the vendor accepted (errcode 0 / the SMS gateway's success)."""
        ok = status == 200 and isinstance(answer, dict) and answer.get("errcode", answer.get("code", 0)) == 0
        if ok:
            self.accepted[seen.message_id] += 1
            self.delivered.append(seen)


def _serve_apart(conn: Connection, per_minute: int) -> None:
    """The body of VendorsApart's process: serve until told to stop, then report what was taken."""
    with MockVendors() as vendors:
        vendors.state.per_minute = per_minute
        conn.send((vendors.url, vendors.state.corp_id, vendors.state.corp_secret))
        while (command := conn.recv())[0] == "robots":
            _, wecom_keys, dingtalk = command
            with vendors.lock:
                vendors.state.wecom_keys.update(wecom_keys)
                vendors.state.dingtalk.update(dingtalk)
            conn.send("ok")
        with vendors.lock:
            conn.send(dict(Counter(seen.channel for seen in vendors.delivered)))


class VendorsApart:
    """MockVendors in a process of its own, for ``bench``: in production the vendors answer from
    elsewhere, so their parsing and answering must not take the measured sender's CPU (one Python
    process runs one thread at a time). Set-up and results go over a pipe."""

    START_SECONDS = 30

    def __init__(self, per_minute: int = 20) -> None:
        context = multiprocessing.get_context("spawn")  # no copy of the parent's database sockets
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve_apart, args=(child, per_minute), daemon=True)
        self.url = self.corp_id = self.corp_secret = ""
        self._stopped: dict[str, int] | None = None

    def __enter__(self) -> VendorsApart:
        self._process.start()
        if not self._conn.poll(self.START_SECONDS):
            self._process.kill()
            raise RuntimeError("模拟厂商服务未能启动。")
        self.url, self.corp_id, self.corp_secret = self._conn.recv()
        return self

    def add_robots(self, wecom_keys: set[str], dingtalk: dict[str, str]) -> None:
        self._conn.send(("robots", wecom_keys, dingtalk))
        self._conn.recv()

    def delivered_by_channel(self) -> dict[str, int]:
        """Message requests the vendors took, by channel (stops the vendors)."""
        if self._stopped is None:
            self._conn.send(("stop",))
            self._stopped = self._conn.recv()
        return self._stopped

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self._process.is_alive():
                self.delivered_by_channel()
        finally:
            self._process.join(10)
            if self._process.is_alive():
                self._process.kill()
