from django.urls import path

from . import views

app_name = "policies"

urlpatterns = [
    path("new/", views.policy_create, name="create"),
    path("<int:pk>/edit/", views.policy_edit, name="edit"),
    path("<int:pk>/items/new/", views.item_edit, name="item_create"),
    path("<int:pk>/items/<int:item_pk>/", views.item_edit, name="item_edit"),
    path("<int:pk>/items/<int:item_pk>/delete/", views.item_delete, name="item_delete"),
    path("<int:pk>/materials/new/", views.material_upload, name="material_upload"),
    path("<int:pk>/element-table/", views.element_table, name="element_table"),
    path("<int:pk>/sharing/", views.sharing, name="sharing"),
    path("<int:pk>/sharing/<int:user_pk>/revoke/", views.sharing_revoke, name="sharing_revoke"),
    path("materials/<int:pk>/download/", views.material_download, name="material_download"),
    path("materials/<int:pk>/remove/", views.material_remove, name="material_remove"),
]
