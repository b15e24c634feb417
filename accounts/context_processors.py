from django.urls import reverse

from .models import Role
from .notifications import unread_count


def navigation(request):
    """Return the header links the current user may follow, and the number of unread notifications (one query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": [], "unread_notifications": 0}
    links = []
    if user.role in (Role.DRAFTER, Role.DEPARTMENT_HEAD):
        links.append(("inbox", reverse("review:inbox")))
    if user.role in (Role.DRAFTER, Role.DEPARTMENT_HEAD, Role.CONSULTED, Role.SUPERVISOR) or user.is_reviewer:
        links.append(("policies", reverse("review:policy_list")))
    if user.is_reviewer:
        links.append(("queue", reverse("review:queue")))
    if user.is_reviewer or user.is_supervisor:
        links.append(("ledger", reverse("documents:ledger")))
    if user.is_calendar_admin:
        links.append(("calendar", reverse("workdays:year_list")))
    return {"nav_links": links, "unread_notifications": unread_count(user)}
