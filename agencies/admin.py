"""The administrator's admin: configuration only (DESIGN.md, "Who uses it, and for what").
Agencies, staff, contact types, unit costs, the question bank and assessment types are
configured here. No person, family, contact, assessment, grant, token or log is registered
anywhere in the admin: case records change only through the services, which check the policy
and record audit events."""

from collections import defaultdict

from django.contrib import admin
from django.contrib.admin.utils import model_ngettext
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import PROTECT, RESTRICT, Q
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from consent import policy

from .models import Agency, AssessmentType, ContactType, Question, StaffMembership, UnitCost

# API tokens are credentials, not configuration: nobody reads or makes one in the admin.
admin.site.unregister(AuthToken)
# Nor second factors: their secrets are credentials, and a lost one is reset by information
# governance on its page, audited and told to the person.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


def records_in_the_way(model, objs) -> list[str]:
    """How many records of each kind refer to `objs` and forbid deleting them, e.g. "3 contacts".

    Counted in the database rather than loaded, and never named: a record's name would be case
    content, and an agency's records can run to millions."""
    refs = defaultdict(Q)
    for rel in model._meta.get_fields(include_hidden=True):
        if rel.auto_created and not rel.concrete and getattr(rel, "on_delete", None) in (PROTECT, RESTRICT):
            refs[rel.related_model] |= Q(**{f"{rel.field.name}__in": objs})
    counts = [(related._meta, related._base_manager.filter(q).count()) for related, q in refs.items()]
    return [f"{n} {model_ngettext(opts, n)}" for opts, n in sorted(counts, key=lambda c: c[0].label) if n]


class RefusesDeletingWhatRecordsUse:
    """Deleting configuration that records still use is refused on the confirmation page, which
    says how many records of each kind are in the way. The relations that protect them are
    direct; cascades from configuration only reach configuration (unit costs, staff places)."""

    def get_deleted_objects(self, objs, request):
        in_the_way = records_in_the_way(self.model, objs)
        if in_the_way:
            return [], {}, set(), in_the_way
        return super().get_deleted_objects(objs, request)


@admin.register(Agency)
class AgencyAdmin(RefusesDeletingWhatRecordsUse, admin.ModelAdmin):
    list_display = ["name", "code", "sector"]
    list_filter = ["sector"]
    search_fields = ["name", "code"]


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role", "partnership_reviewer"]
    list_filter = ["role", "agency"]
    autocomplete_fields = ["user", "agency"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = policy.administered_accounts(get_user_model().objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ContactType)
class ContactTypeAdmin(RefusesDeletingWhatRecordsUse, admin.ModelAdmin):
    list_display = ["label", "code", "sector"]
    list_filter = ["sector"]
    search_fields = ["label", "code"]


@admin.register(Question)
class QuestionAdmin(RefusesDeletingWhatRecordsUse, admin.ModelAdmin):
    list_display = ["code", "text", "domain"]
    list_filter = ["domain"]
    search_fields = ["code", "text"]


@admin.register(AssessmentType)
class AssessmentTypeAdmin(RefusesDeletingWhatRecordsUse, admin.ModelAdmin):
    list_display = ["name", "agency", "level"]
    list_filter = ["agency", "level"]
    filter_horizontal = ["questions"]


@admin.register(UnitCost)
class UnitCostAdmin(admin.ModelAdmin):
    list_display = ["__str__", "contact_type", "assessment_type", "agency", "source"]
    list_filter = ["price_year"]


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class AccountAdmin(RefusesDeletingWhatRecordsUse, UserAdmin):
    """Staff and other administered accounts. A citizen's account is not listed, and its change
    and password pages answer as if it did not exist, so the admin can neither reset its
    password nor make it a superuser (policy.administered_accounts)."""

    def get_queryset(self, request):
        return policy.administered_accounts(super().get_queryset(request))
