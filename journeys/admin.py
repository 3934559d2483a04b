"""Administrators configure; they do not browse case records. Families and people are listed
for housekeeping only, without contacts or assessments."""

from django.contrib import admin

from .models import Family


@admin.register(Family)
class FamilyAdmin(admin.ModelAdmin):
    list_display = ["reference", "label", "created_at"]
    search_fields = ["reference"]
