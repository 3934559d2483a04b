"""REST endpoints for people, families, contacts and assessments: thin adapters over the
services (writes) and selectors (reads)."""

from django.db import transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import Throttled
from rest_framework.response import Response

from agencies.api_auth import ClientScopes
from agencies.models import Agency, ApiScope, AssessmentType, ContactType, Level
from consent.policy import (
    access_person,
    family_label,
    own_agency_records,
    uses_staff_pages,
    viewer_for,
    visible_persons,
)
from core import dates, limits

from . import selectors, services
from .models import (
    Assessment,
    Channel,
    Contact,
    DemandType,
    Family,
    IdentifierScheme,
    Person,
    Relationship,
    Sensitivity,
)
from .tell_us_once import reusable_answers, tell_us_once


class IsAgencyStaff(permissions.BasePermission):
    """Agency staff, managers and advocates; citizens and unattached users are refused."""

    message = "Only agency staff may use this."

    def has_permission(self, request, view):
        return uses_staff_pages(viewer_for(request.user))


class VisiblePersonField(serializers.PrimaryKeyRelatedField):
    """A person id the caller may know of; anyone else reads as 'does not exist'."""

    def get_queryset(self):
        return visible_persons(viewer_for(self.context["request"].user))


class VisibleFamilyField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return selectors.families_visible(user=self.context["request"].user)


# People -------------------------------------------------------------------------------


class IdentifierSerializer(serializers.Serializer):
    scheme = serializers.ChoiceField(choices=IdentifierScheme.choices)
    value = serializers.CharField(max_length=40)


class PersonInputSerializer(serializers.Serializer):
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField(validators=[dates.DATE_OF_BIRTH])
    family = VisibleFamilyField(required=False, allow_null=True)
    relationship = serializers.ChoiceField(choices=Relationship.choices, required=False, default="other")
    parental_responsibility = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Recorded only by agencies of the sectors the setting names; 400 otherwise.",
    )
    identifiers = IdentifierSerializer(many=True, required=False, default=list)


class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "given_name", "family_name", "preferred_name", "date_of_birth"]


class ContactOutputSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="The agency the contact was with."
    )
    agency_id = serializers.IntegerField(read_only=True)
    recording_agency = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="The agency that recorded it."
    )
    recording_agency_id = serializers.IntegerField(read_only=True)
    contact_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    persons = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Contact
        fields = [*selectors.CONTACT_FIELDS, "persons"]


class RecordContactSerializer(ContactOutputSerializer):
    """A contact inside a record: the people it concerns are the record's person."""

    notes_shown = serializers.BooleanField(read_only=True)

    class Meta(ContactOutputSerializer.Meta):
        fields = [*selectors.CONTACT_FIELDS, "notes_shown"]


def record_contact_rows_json(rows: list[dict]) -> list[dict]:
    """The same fields as RecordContactSerializer, from the selector's contact rows
    (person_record(contact_rows=True)): a record can hold thousands of contacts, and a model
    instance and serializer per row cost more than the query that fetched them. The rows
    carry the fields already; occurred_at is written as DRF writes it: the current time zone,
    UTC as "Z"."""
    zone = timezone.get_current_timezone()
    for row in rows:
        text = row["occurred_at"].astimezone(zone).isoformat()
        row["occurred_at"] = text[:-6] + "Z" if text.endswith("+00:00") else text
    return rows


class AnswerOutputSerializer(serializers.Serializer):
    question = serializers.CharField(source="question.code")
    value = serializers.CharField()
    reused_from = serializers.IntegerField(source="reused_from_id", allow_null=True)


class AssessmentOutputSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    agency_id = serializers.IntegerField(read_only=True)
    answers = AnswerOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "assessment_type",
            "agency",
            "agency_id",
            "subject_person",
            "subject_family",
            "started_at",
            "completed_at",
            "sensitivity",
            "answers",
            "external_id",
        ]


@extend_schema_field(OpenApiTypes.INT)
class OwnAssessmentTypeField(serializers.PrimaryKeyRelatedField):
    """An assessment type of the caller's own agency; another agency's reads as 'does not exist'."""

    def get_queryset(self):
        viewer = viewer_for(self.context["request"].user)
        return AssessmentType.objects.filter(agency_id=viewer.agency_id)


class ReusableAnswersQuerySerializer(serializers.Serializer):
    assessment_type = OwnAssessmentTypeField(help_text="An assessment type of your agency, about one person.")

    def validate_assessment_type(self, value):
        if value.level != Level.PERSON:
            raise serializers.ValidationError("Choose an assessment type about one person.")
        return value


class ReusableAnswerSerializer(serializers.Serializer):
    """One earlier answer that may be reused (tell us once)."""

    id = serializers.IntegerField(source="answer_id")
    question = serializers.CharField(source="question_code")
    value = serializers.CharField()
    agency = serializers.CharField(source="agency_code")
    agency_id = serializers.IntegerField()
    agency_name = serializers.CharField()
    answered_at = serializers.DateTimeField(source="completed_at")
    sensitivity = serializers.ChoiceField(choices=Sensitivity.choices)


class RecordPersonSerializer(PersonSerializer):
    phone = serializers.CharField(required=False, help_text="Only where contact details are shown to you.")
    email = serializers.CharField(required=False, help_text="Only where contact details are shown to you.")
    address = serializers.CharField(required=False, help_text="Only where contact details are shown to you.")

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "phone", "email", "address"]


class PersonRecordSerializer(serializers.Serializer):
    """Documents the answer of persons/{id}/record/."""

    person = RecordPersonSerializer()
    shown = serializers.CharField(help_text="In plain words, what you are shown and on what basis.")
    basis = serializers.ListField(child=serializers.CharField())
    contacts = RecordContactSerializer(many=True)
    assessments = AssessmentOutputSerializer(many=True)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="A name, or an exact identifier (logged, rate-limited)")
        ],
        responses={
            200: PersonSerializer(many=True),
            429: OpenApiResponse(description="Too many identifier searches this minute: see Retry-After."),
        },
    )
)
class PersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """People the caller may know of; `?q=` searches names or an exact identifier."""

    serializer_class = PersonSerializer
    client_scopes = {
        "list": ApiScope.PERSONS_READ,
        "retrieve": ApiScope.PERSONS_READ,
        "create": ApiScope.PERSONS_WRITE,
        "record": ApiScope.RECORD_READ,
        "reusable_answers": ApiScope.RECORD_READ,
    }

    def get_queryset(self):
        try:
            return selectors.person_search(user=self.request.user, q=self.request.query_params.get("q", ""))
        except selectors.SearchRateLimited as exc:
            raise Throttled(wait=exc.retry_after) from None

    def get_permissions(self):
        return [permissions.IsAuthenticated(), IsAgencyStaff(), ClientScopes()]

    def create(self, request):
        data = self._validated(PersonInputSerializer)
        viewer = viewer_for(request.user)
        try:
            person = services.person_create(
                actor=request.user,
                agency=Agency.objects.get(pk=viewer.agency_id),
                **data,
            )
        except selectors.SearchRateLimited as exc:  # its identifiers are checked as a search is
            raise Throttled(wait=exc.retry_after) from None
        return Response(PersonSerializer(person).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=PersonRecordSerializer)
    @action(detail=True, methods=["get"])
    def record(self, request, pk=None):
        """The joined-up record as the caller may see it; each item names its agency."""
        record = selectors.person_record(user=request.user, person_id=pk, contact_rows=True)
        person = PersonSerializer(record.person).data
        if record.contact_details_shown:
            person.update(phone=record.person.phone, email=record.person.email, address=record.person.address)
        return Response(
            {
                "person": person,
                "shown": record.scope.describe(),
                "basis": sorted(str(b) for b in record.bases),
                "contacts": record_contact_rows_json(record.contacts),
                "assessments": AssessmentOutputSerializer(record.assessments, many=True).data,
            }
        )

    @extend_schema(
        parameters=[ReusableAnswersQuerySerializer],
        responses={
            200: ReusableAnswerSerializer(many=True),
            400: OpenApiResponse(description="No assessment type, or not one of your agency's for a person."),
            404: OpenApiResponse(description="No such person, or one you may not know of."),
        },
    )
    @action(detail=True, methods=["get"], url_path="reusable-answers", pagination_class=None)
    def reusable_answers(self, request, pk=None):
        """Tell us once: for each question of the assessment type, the latest recent answer
        open to you, not withheld from the person; reuse one with
        `"answers": [{"question", "reused_from": id}]`. Showing other agencies' answers is logged."""
        person, _ = access_person(request.user, pk)
        query = ReusableAnswersQuerySerializer(
            data=request.query_params, context=self.get_serializer_context()
        )
        query.is_valid(raise_exception=True)
        assessment_type = query.validated_data["assessment_type"]
        earlier = tell_us_once(
            user=request.user, question_ids=[q.pk for q in assessment_type.questions.all()], person=person
        )
        return Response(ReusableAnswerSerializer(earlier.values(), many=True).data)

    def _validated(self, serializer_class):
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


# Families -----------------------------------------------------------------------------


class FamilyInputSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=40, required=False, allow_blank=True)
    label = serializers.CharField(max_length=200)


class MemberSerializer(serializers.Serializer):
    person = PersonSerializer()
    relationship = serializers.CharField()
    parental_responsibility = serializers.BooleanField()
    started = serializers.DateField()


class FamilySerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField(
        help_text="For an advocate, only once a member agrees to share."
    )
    members = serializers.SerializerMethodField()
    members_not_sharing = serializers.SerializerMethodField(
        help_text="Members an advocate may not name: they have not agreed to share."
    )

    class Meta:
        model = Family
        fields = ["id", "reference", "label", "members", "members_not_sharing"]

    def get_label(self, family) -> str:
        return family_label(family)

    def get_members_not_sharing(self, family) -> int | None:
        return getattr(family, "unshared_members", None)

    @extend_schema_field(MemberSerializer(many=True, allow_null=True))
    def get_members(self, family):
        """Listed on a family's own page (families/{id}/); null in lists and answers to writes."""
        memberships = getattr(family, "visible_memberships", None)
        return MemberSerializer(memberships, many=True).data if memberships is not None else None


class FamilyViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = FamilySerializer
    permission_classes = [permissions.IsAuthenticated, IsAgencyStaff, ClientScopes]
    client_scopes = {"list": ApiScope.RECORD_READ, "retrieve": ApiScope.RECORD_READ}

    def get_queryset(self):
        return selectors.families_visible(user=self.request.user)

    def retrieve(self, request, pk=None):
        family = selectors.family_detail(user=request.user, family_id=pk)
        return Response(FamilySerializer(family).data)

    def create(self, request):
        serializer = FamilyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        family = services.family_create(
            actor=request.user,
            agency=Agency.objects.get(pk=viewer_for(request.user).agency_id),
            **serializer.validated_data,
        )
        return Response(FamilySerializer(family).data, status=status.HTTP_201_CREATED)


# Contacts -----------------------------------------------------------------------------


class ContactInputSerializer(serializers.Serializer):
    persons = serializers.ListField(child=VisiblePersonField(), min_length=1)
    agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.all(), required=False)
    family = VisibleFamilyField(required=False, allow_null=True)
    contact_type = serializers.SlugRelatedField(slug_field="code", queryset=ContactType.objects.all())
    occurred_at = serializers.DateTimeField(validators=[dates.HAPPENED])
    channel = serializers.ChoiceField(choices=Channel.choices)
    duration_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    summary = serializers.CharField(max_length=limits.LONG_TEXT)
    purpose = serializers.CharField(required=False, allow_blank=True, max_length=200)
    outcome = serializers.CharField(required=False, allow_blank=True, max_length=200)
    demand_type = serializers.ChoiceField(choices=DemandType.choices, required=False)
    sensitivity = serializers.ChoiceField(choices=Sensitivity.choices, required=False)
    external_id = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=100)


class ContactViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Contacts your agency recorded; POST one contact or a list (all or nothing)."""

    serializer_class = ContactOutputSerializer
    permission_classes = [permissions.IsAuthenticated, IsAgencyStaff, ClientScopes]
    client_scopes = {"list": ApiScope.RECORD_READ, "create": ApiScope.CONTACTS_WRITE}

    def get_queryset(self):
        viewer = viewer_for(self.request.user)
        return (
            own_agency_records(viewer, Contact.objects.all(), "persons")
            .select_related("agency", "recording_agency", "contact_type")
            .prefetch_related("persons")
            .order_by("-occurred_at", "-id")
        )

    def create(self, request):
        many = isinstance(request.data, list)
        if many and not request.data:
            raise serializers.ValidationError(
                {"non_field_errors": ["Send at least one contact: the list is empty."]}
            )
        serializer = ContactInputSerializer(
            data=request.data, many=many, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        items = serializer.validated_data if many else [serializer.validated_data]
        # Answered from inside the transaction: a failure before the answer is ready commits nothing.
        with transaction.atomic():
            results = services.contacts_record(
                items=[{**item, "recorded_by": request.user} for item in items], actor=request.user
            )
            body = ContactOutputSerializer([c for c, _ in results], many=True).data
        created = any(made for _, made in results)
        return Response(
            body if many else body[0], status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


# Assessments --------------------------------------------------------------------------


class AnswerInputSerializer(serializers.Serializer):
    question = serializers.CharField()
    value = serializers.CharField(allow_blank=True, required=False, max_length=limits.LONG_TEXT)
    reused_from = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="Tell us once: the id of an earlier answer to this question, open to you, to reuse "
        "instead of asking again; its value is used.",
    )

    def validate(self, data):
        if not data.get("reused_from") and "value" not in data:
            raise serializers.ValidationError({"value": ["Give a value, or reused_from."]})
        return data


class AssessmentInputSerializer(serializers.Serializer):
    assessment_type = serializers.PrimaryKeyRelatedField(queryset=AssessmentType.objects.all())
    subject_person = VisiblePersonField(required=False, allow_null=True)
    subject_family = VisibleFamilyField(required=False, allow_null=True)
    started_at = serializers.DateTimeField(required=False, allow_null=True, validators=[dates.HAPPENED])
    completed_at = serializers.DateTimeField(validators=[dates.HAPPENED])
    sensitivity = serializers.ChoiceField(choices=Sensitivity.choices, required=False)
    answers = AnswerInputSerializer(many=True, allow_empty=False)
    external_id = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=100,
        help_text="Your agency's own id: sending it again answers 200 with the stored assessment.",
    )

    def validate_assessment_type(self, value):
        viewer = viewer_for(self.context["request"].user)
        if value.agency_id != viewer.agency_id:
            raise serializers.ValidationError("Choose an assessment type of your own agency.")
        return value

    def validate(self, data):
        """Resolve reused answers: only those reusable-answers lists for this type and subject
        (recent, open to the caller, not withheld), each to its own question."""
        wanted = [a["reused_from"] for a in data["answers"] if a.get("reused_from")]
        if not wanted:
            return data
        sources = reusable_answers(
            user=self.context["request"].user,
            assessment_type=data["assessment_type"],
            answer_ids=wanted,
            person=data.get("subject_person"),
            family=data.get("subject_family"),
        )
        errors = [{} for _ in data["answers"]]
        for index, answer in enumerate(data["answers"]):
            if not answer.get("reused_from"):
                continue
            source = sources.get(answer["reused_from"])
            if source is None or source.question.code != answer["question"]:
                errors[index] = {
                    "reused_from": ["Not an answer to this question listed in reusable-answers for you."]
                }
                continue
            answer["reused_from"], answer["value"] = source, source.value
        if any(errors):
            raise serializers.ValidationError({"answers": errors})
        return data


class AssessmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Assessments your agency recorded; POST records one with its answers."""

    serializer_class = AssessmentOutputSerializer
    permission_classes = [permissions.IsAuthenticated, IsAgencyStaff, ClientScopes]
    client_scopes = {"list": ApiScope.RECORD_READ, "create": ApiScope.ASSESSMENTS_WRITE}

    def get_queryset(self):
        viewer = viewer_for(self.request.user)
        return (
            own_agency_records(viewer, Assessment.objects.all(), "subject_person")
            .select_related("agency")
            .prefetch_related("answers__question")
            .order_by("-completed_at", "-id")
        )

    def create(self, request):
        serializer = AssessmentInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        # Answered from inside the transaction: a failure before the answer is ready commits nothing.
        with transaction.atomic():
            assessment, created = services.assessment_record_once(
                actor=request.user, **serializer.validated_data
            )
            body = AssessmentOutputSerializer(assessment).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
