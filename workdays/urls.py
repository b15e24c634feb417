from django.urls import path

from workdays import views

app_name = "workdays"

urlpatterns = [
    path("", views.year_list, name="year_list"),
    path("import/", views.import_notices, name="import"),
    path("<int:year>/", views.year_detail, name="year_detail"),
    path("<int:year>/notice/", views.notice_form, name="notice_form"),
]
