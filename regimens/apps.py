from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegimensConfig(AppConfig):
    name = "regimens"
    verbose_name = _("Regimens")
