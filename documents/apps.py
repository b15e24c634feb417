from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "documents"
    verbose_name = _("Documents and review ledger")

    def ready(self):
        from review.archive import ARCHIVE_DOCUMENT_PROVIDERS

        from .archiving import archive_documents

        if archive_documents not in ARCHIVE_DOCUMENT_PROVIDERS:
            ARCHIVE_DOCUMENT_PROVIDERS.append(archive_documents)
