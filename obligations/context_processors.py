from django.http import HttpRequest

from .roles import Capabilities, capabilities


def navigation(request: HttpRequest) -> dict:
    """``can`` (what the user may do, from roles.py) and the unread notifications, on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"can": Capabilities(), "unread_count": 0}
    return {
        "can": capabilities(user),
        "unread_count": user.notifications.filter(read_at__isnull=True).count(),
    }
