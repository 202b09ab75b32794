"""/healthz: JSON for monitoring, 200 when every check passes and 503 otherwise.

Anonymous callers learn only {"status": "ok"|"fail"}: no counts, names, hosts or versions. The
details come with the monitoring token (settings.TRACKER_HEALTH_TOKEN, sent as
"Authorization: Bearer <token>") or a session whose user may see operations (roles.py).
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from ..ops.health import run_checks
from ..roles import capabilities


def _has_token(request: HttpRequest) -> bool:
    expected = settings.TRACKER_HEALTH_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return bool(expected) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), expected)


def _may_see_details(request: HttpRequest) -> bool:
    if _has_token(request):
        return True
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False  # no session to look up: the database is not asked on the monitor's behalf
    try:
        return capabilities(request.user).operations
    except Exception:  # the database is down: the checks say so; the caller is treated as anonymous
        return False


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    ok, checks = run_checks()
    body: dict = {"status": "ok" if ok else "fail"}
    if _may_see_details(request):
        body["time"] = timezone.localtime().isoformat(timespec="seconds")
        body["checks"] = checks
    return JsonResponse(body, status=200 if ok else 503, json_dumps_params={"ensure_ascii": False})
