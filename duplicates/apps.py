from django.apps import AppConfig


class DuplicatesConfig(AppConfig):
    name = "duplicates"
    verbose_name = "Duplicate assessments"

    def ready(self):
        from journeys import services

        from .tasks import enqueue_duplicate_check

        # Every recorded assessment is queued for a duplicate check with it.
        services.ON_ASSESSMENT_RECORDED.append(enqueue_duplicate_check)
