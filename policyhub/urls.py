from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from review.views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("policies/", include("policies.urls")),
    path("calendar/", include("workdays.urls")),
    path("documents/", include("documents.urls")),
    path("notifications/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("", include("review.urls")),
]
