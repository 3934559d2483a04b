from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "Agencies and configuration"

    def ready(self):
        from . import signals  # noqa: F401 (connects the receivers)
