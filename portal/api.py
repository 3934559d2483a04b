"""The signed-in citizen's own data over the API: me/record/, me/consents/, me/access-log/.

A parent may pass `?person=<id>` for a child they hold parental responsibility for; any other
id answers 404, the same as a missing one."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from consent import policy
from consent.models import AccessLog, ConsentGrant
from consent.selectors import grant_state
from journeys.api import AssessmentOutputSerializer, PersonSerializer, RecordContactSerializer

from . import selectors as portal_selectors

PERSON_PARAM = OpenApiParameter(
    "person", int, description="A child's id, for a parent; default: yourself.", required=False
)


class IsCitizen(permissions.BasePermission):
    message = "Only people signed in to see their own record may use this."

    def has_permission(self, request, view):
        return policy.uses_portal(policy.viewer_for(request.user))


class MeMixin:
    permission_classes = [permissions.IsAuthenticated, IsCitizen]

    def person(self):
        return portal_selectors.my_person(
            user=self.request.user, person_id=self.request.query_params.get("person")
        )


class MePersonSerializer(PersonSerializer):
    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "phone", "email", "address"]


class ChildSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MeRecordSerializer(serializers.Serializer):
    """Documents the answer of me/record/."""

    person = MePersonSerializer()
    contacts = RecordContactSerializer(many=True)
    assessments = AssessmentOutputSerializer(many=True)
    withheld_count = serializers.IntegerField(help_text="Records kept back from you that you may know exist.")
    children = ChildSerializer(many=True)


class MeRecordView(MeMixin, APIView):
    @extend_schema(
        parameters=[PERSON_PARAM],
        responses={200: MeRecordSerializer},
        description="Your joined-up record (or your child's), without records withheld from you.",
    )
    def get(self, request):
        record = portal_selectors.my_record(user=request.user, person_id=self.person().pk)
        return Response(
            {
                "person": MePersonSerializer(record.person).data,
                "contacts": RecordContactSerializer(record.contacts, many=True).data,
                "assessments": AssessmentOutputSerializer(record.assessments, many=True).data,
                "withheld_count": record.withheld_count,
                "children": [
                    {"id": p.pk, "name": p.full_name}
                    for p in portal_selectors.my_people(user=request.user)
                    if not p.is_me
                ],
            }
        )


class MeConsentSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    agency_id = serializers.IntegerField(read_only=True)
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    state = serializers.SerializerMethodField()
    lapsed = serializers.SerializerMethodField()

    class Meta:
        model = ConsentGrant
        fields = [
            "id",
            "subject",
            "agency",
            "agency_id",
            "agency_name",
            "categories",
            "labels",
            "method",
            "given_by",
            "valid_from",
            "expires_at",
            "revoked_at",
            "revoke_reason",
            "replaces",
            "state",
            "lapsed",
        ]

    def get_state(self, grant) -> str:
        return grant_state(grant, timezone.now())

    def get_lapsed(self, grant) -> str | None:
        """Why a parent's grant ended early (rule 4): "own_age" or "responsibility"."""
        return policy.lapse_of(grant)


@extend_schema(parameters=[PERSON_PARAM])
class MeConsentsView(MeMixin, ListAPIView):
    """Every consent about you (or your child), newest first."""

    serializer_class = MeConsentSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ConsentGrant.objects.none()
        return policy.with_activity(
            ConsentGrant.objects.filter(subject_id=self.person().pk)
            .select_related("agency", "subject")
            .order_by("-created_at", "-id")
        )


class MeAccessLogSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    agency_name = serializers.SerializerMethodField()
    who = serializers.CharField(source="user_label")
    role = serializers.CharField()
    why = serializers.SerializerMethodField()
    emergency = serializers.SerializerMethodField()

    class Meta:
        model = AccessLog
        fields = ["id", "at", "who", "role", "agency", "agency_name", "shown", "bases", "why", "emergency"]

    def get_agency_name(self, entry) -> str:
        return entry.agency.name if entry.agency_id else ""

    def get_why(self, entry) -> str:
        return portal_selectors.looked_entry(entry).why

    def get_emergency(self, entry) -> bool:
        return portal_selectors.looked_entry(entry).emergency


@extend_schema(parameters=[PERSON_PARAM])
class MeAccessLogView(MeMixin, ListAPIView):
    """Who looked at your record (or your child's), newest first."""

    serializer_class = MeAccessLogSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AccessLog.objects.none()
        person = self.person()
        _, log = portal_selectors.who_looked(user=self.request.user, person=person)
        return log
