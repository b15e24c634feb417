from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("notices/<int:pk>/", views.notice_document, name="notice"),
    path("opinions/<int:pk>/", views.opinion_document, name="opinion"),
    path("policies/<int:pk>/element-table/", views.element_table_document, name="element_table"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/export/", views.ledger_export, name="ledger_export"),
    path("exports/<int:pk>/", views.export_status, name="export_status"),
    path("exports/<int:pk>/progress/", views.export_progress, name="export_progress"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
]
