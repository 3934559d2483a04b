from django.apps import AppConfig


class JourneysConfig(AppConfig):
    name = "journeys"
    verbose_name = "Families and their journeys"

    def ready(self):
        from . import lookups  # noqa: F401  (registers the __any lookup)
