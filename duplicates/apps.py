from django.apps import AppConfig


class DuplicatesConfig(AppConfig):
    name = "duplicates"
    verbose_name = "Duplicate assessments"

    def ready(self):
        from journeys import services

        from .tasks import enqueue_duplicate_check

        # Every recorded assessment is checked for duplicates once it is committed.
        services.ON_ASSESSMENT_COMMITTED.append(enqueue_duplicate_check)
