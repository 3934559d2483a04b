from django.contrib import admin

from .models import Agency, AssessmentType, ContactType, Question, StaffMembership, UnitCost


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "sector"]
    list_filter = ["sector"]
    search_fields = ["name", "code"]


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role", "partnership_reviewer"]
    list_filter = ["role", "agency"]
    autocomplete_fields = ["user", "agency"]


@admin.register(ContactType)
class ContactTypeAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "sector"]
    list_filter = ["sector"]
    search_fields = ["label", "code"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["code", "text", "domain"]
    list_filter = ["domain"]
    search_fields = ["code", "text"]


@admin.register(AssessmentType)
class AssessmentTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "agency", "level"]
    list_filter = ["agency", "level"]
    filter_horizontal = ["questions"]


@admin.register(UnitCost)
class UnitCostAdmin(admin.ModelAdmin):
    list_display = ["__str__", "contact_type", "assessment_type", "agency", "source"]
    list_filter = ["price_year"]
