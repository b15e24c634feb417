from django.urls import path

from . import views

app_name = "review"

urlpatterns = [
    path("", views.home, name="home"),
    path("policies/", views.policy_list, name="policy_list"),
    path("policies/<int:pk>/", views.policy_detail, name="policy_detail"),
    path("policies/<int:pk>/submit/", views.submit, name="submit"),
    path("review/queue/", views.queue, name="queue"),
    path("review/cases/<int:pk>/accept/", views.accept, name="accept"),
    path("review/cases/<int:pk>/request-materials/", views.request_materials, name="request_materials"),
    path("review/cases/<int:pk>/preliminary/", views.pass_preliminary, name="pass_preliminary"),
    path("review/cases/<int:pk>/opinion/", views.issue_opinion, name="issue_opinion"),
]
