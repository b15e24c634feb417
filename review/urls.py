from django.urls import path

from . import views

app_name = "review"

urlpatterns = [
    path("", views.home, name="home"),
    path("policies/", views.policy_list, name="policy_list"),
    path("policies/<int:pk>/", views.policy_detail, name="policy_detail"),
    path("policies/<int:pk>/submit/", views.submit, name="submit"),
    path("policies/<int:pk>/change/", views.apply_change, name="apply_change"),
    path("policies/<int:pk>/prepare-adjustment/", views.prepare_adjustment, name="prepare_adjustment"),
    path("review/queue/", views.queue, name="queue"),
    path("review/inbox/", views.inbox, name="inbox"),
    path("review/cases/<int:pk>/findings/", views.findings, name="findings"),
    path("review/cases/<int:pk>/compare/", views.compare, name="compare"),
    path("review/cases/<int:pk>/<slug:name>/", views.case_action, name="action"),
    path("review/clocks/<int:pk>/", views.clock_explanation, name="clock"),
    path("review/archives/<int:pk>/", views.archive_download, name="archive_download"),
]
