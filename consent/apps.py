from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = "Consent and access"

    def ready(self):
        from . import checks  # noqa: F401 (registers the system checks)
