from django.contrib import admin

from .models import Assignment


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["advocate", "family", "started", "ended", "lead"]
    list_filter = ["lead"]
    raw_id_fields = ["family"]
