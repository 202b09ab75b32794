"""gunicorn settings for production (systemd's duban-web.service, ``manage.py serve`` with DEBUG off,
the scale-out test and ``bench``'s load section): ``gunicorn -c python:tracker.gunicorn_conf tracker.wsgi``.

Sync workers: every request holds one worker, so a slow client is nginx's problem (it buffers
request bodies and responses) and a crash of one worker loses only its own request. The timeout
sits above the slowest request the site serves (a 100,000-row ledger export takes ~25 s).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then, so a slow leak in a library never grows into an outage.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# nginx on the same machine is the only proxy whose X-Forwarded-* gunicorn believes; Django decides
# https from SECURE_PROXY_SSL_HEADER and the client's address from TRACKER_TRUSTED_PROXIES.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "duban-web"
