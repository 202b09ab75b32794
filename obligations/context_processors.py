from django.http import HttpRequest

from .roles import role_of


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_role": None, "unread_count": 0}
    return {
        "user_role": role_of(user),
        "unread_count": user.notifications.filter(read_at__isnull=True).count(),
    }
