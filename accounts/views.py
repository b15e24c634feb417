"""The notification centre: a user's own notifications, newest first."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from .models import Notification
from .notifications import describe

PAGE_SIZE = 25


def _back(request):
    """Return the posted `next` page if it is on this site, else the notification list."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("accounts:notifications")


def notification_list(request):
    notifications = Notification.objects.filter(user=request.user).order_by("-created_at", "-id")
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"notification": notification, "text": describe(notification)} for notification in page]
    return render(request, "accounts/notifications.html", {"page": page, "rows": rows})


@require_POST
def mark_read(request, pk):
    notifications = Notification.objects.filter(pk=pk, user=request.user)
    if not notifications.filter(read_at__isnull=True).update(read_at=timezone.now()) and not notifications.exists():
        # Another user's notification gets the same 404 as a missing one.
        raise Http404
    return redirect(_back(request))


@require_POST
def mark_all_read(request):
    count = Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)s notification marked as read.", "%(count)s notifications marked as read.", count
            )
            % {"count": count},
        )
    return redirect(_back(request))
