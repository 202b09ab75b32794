"""The nginx site passes ``nginx -t`` (inside a wrapper config, with a self-signed certificate made
here) and agrees with the application's settings: body size, proxy headers, timeouts, static root."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from tracker import gunicorn_conf

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "duban.conf"
TEXT = SITE.read_text(encoding="utf-8")


def _directive(name: str) -> list[str]:
    return [value.strip() for value in re.findall(rf"^\s*{name}\s+([^;]+);", TEXT, re.MULTILINE)]


def _size(value: str) -> int:
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    match = re.fullmatch(r"(\d+)([kmg]?)", value.lower())
    return int(match.group(1)) * units.get(match.group(2), 1)


def _seconds(value: str) -> int:
    match = re.fullmatch(r"(\d+)(s|m)?", value)
    return int(match.group(1)) * (60 if match.group(2) == "m" else 1)


def _env_template() -> dict[str, str]:
    values = {}
    for line in (ROOT / "deploy" / "tracker.env").read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.startswith("#"):
            values[key] = value.strip('"')
    return values


def test_nginx_accepts_the_site(tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.fail("nginx is missing (Debian package nginx-light; .ci/system-deps.sh installs it)")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=duban.example.gov.cn",
         "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    (tmp_path / "static").mkdir()
    site = (
        TEXT.replace("/etc/ssl/duban/fullchain.pem", str(tmp_path / "cert.pem"))
        .replace("/etc/ssl/duban/privkey.pem", str(tmp_path / "key.pem"))
        .replace("/var/log/nginx/", f"{tmp_path}/")
        .replace("/var/lib/duban/static/", f"{tmp_path}/static/")
    )
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  access_log {tmp_path}/access.log;\n"
        f"  client_body_temp_path {tmp_path}/body;\n  proxy_temp_path {tmp_path}/proxy;\n"
        f"  include {tmp_path}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [nginx, "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    # Guard: a broken site is refused by the same check.
    (tmp_path / "site.conf").write_text(site.replace("proxy_pass", "proxy_passs"), encoding="utf-8")
    broken = subprocess.run([nginx, "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert broken.returncode != 0


def test_body_limit_is_the_largest_body_django_accepts():
    (limit,) = _directive("client_max_body_size")
    largest = max(settings.TRACKER_MAX_BODY_BYTES.values())
    # Django must answer a too-large upload (its Chinese 413), so nginx lets through at least that
    # much, and not more than a megabyte beyond it.
    assert largest <= _size(limit) < largest + 1024**2, (limit, largest)


def test_proxy_headers_match_the_settings_of_the_template():
    env = _env_template()
    assert env["SECURE_PROXY_SSL_HEADER"] == "true"  # settings read X-Forwarded-Proto = https
    assert "X-Forwarded-Proto $scheme" in _directive("proxy_set_header")
    assert env["TRACKER_TRUSTED_PROXIES"] == "1"  # one proxy appends the client address once
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in _directive("proxy_set_header")
    assert "Host $host" in _directive("proxy_set_header")
    (upstream,) = re.findall(r"server\s+(127\.0\.0\.1:\d+)", TEXT)
    assert env["GUNICORN_BIND"] == upstream


def test_timeouts_outlast_gunicorn_and_static_files_come_from_static_root():
    assert _seconds(_directive("proxy_read_timeout")[0]) > gunicorn_conf.timeout
    assert _seconds(_directive("proxy_send_timeout")[0]) > gunicorn_conf.timeout
    env = _env_template()
    (alias,) = _directive("alias")
    assert alias.rstrip("/") == f"{env['TRACKER_VAR_DIR']}/static"  # settings: STATIC_ROOT = VAR_DIR/static
    assert Path(settings.STATIC_ROOT).name == "static" and Path(settings.STATIC_ROOT).parent == Path(
        settings.VAR_DIR
    )
    assert "ssl_certificate" in TEXT and re.search(r"listen\s+443\s+ssl", TEXT)
