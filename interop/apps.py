from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "interop"
    verbose_name = "The record outside the portal: FHIR, SMART apps, passport, downloads"
    default_auto_field = "django.db.models.BigAutoField"
