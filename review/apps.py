from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = _("Standardization review")

    def ready(self):
        # Registers the review codes of the policy history and the reminder sentences.
        from . import archive, history, reminders  # noqa: F401
