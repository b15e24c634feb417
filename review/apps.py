from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = _("Standardization review")

    def ready(self):
        from . import history  # noqa: F401  (adds the review codes to the policy history)
