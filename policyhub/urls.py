from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from review.views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The language can be switched on the login page, before signing in.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("policies/", include("policies.urls")),
    path("calendar/", include("workdays.urls")),
    path("documents/", include("documents.urls")),
    path("notifications/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("", include("review.urls")),
]
