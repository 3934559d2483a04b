from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Shared helpers"

    def ready(self):
        from . import lookups  # noqa: F401  (registers the __any lookup)
