"""REST endpoints for consent grants and emergency access: thin adapters over the services
(writes) and selectors (reads), both scoped by consent/policy.py."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, Throttled, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.api_auth import ClientScopes
from agencies.models import Agency
from core import dates, limits
from journeys.models import IdentifierScheme, Sensitivity
from journeys.selectors import SearchRateLimited, break_glass_subject

from . import policy, selectors, services
from .models import Category, ConsentGrant, Method
from .receipts import receipt_lines


def _as_drf(error: DjangoValidationError) -> ValidationError:
    return ValidationError(error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages})


class VisiblePersonField(serializers.PrimaryKeyRelatedField):
    """A person id the caller may know of; anyone else reads as 'does not exist' (rule 10)."""

    def get_queryset(self):
        return policy.visible_persons(policy.viewer_for(self.context["request"].user))


class ConsentInputSerializer(serializers.Serializer):
    subject = VisiblePersonField()
    agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.all())
    categories = serializers.ListField(child=serializers.ChoiceField(choices=Category.choices), min_length=1)
    labels = serializers.ListField(
        child=serializers.ChoiceField(choices=Sensitivity.choices), min_length=1, required=False
    )
    method = serializers.ChoiceField(choices=Method.choices)
    given_by = VisiblePersonField(required=False, allow_null=True)
    purpose = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    valid_from = serializers.DateTimeField(required=False, allow_null=True, validators=[dates.CONSENT_START])
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class RevokeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=limits.SHORT_TEXT, default="")


class ConsentSerializer(serializers.ModelSerializer):
    agency = serializers.PrimaryKeyRelatedField(read_only=True)
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    active = serializers.SerializerMethodField()
    receipt = serializers.SerializerMethodField()

    class Meta:
        model = ConsentGrant
        fields = [
            "id",
            "subject",
            "agency",
            "agency_name",
            "categories",
            "labels",
            "purpose",
            "given_by",
            "method",
            "valid_from",
            "expires_at",
            "revoked_at",
            "revoke_reason",
            "replaces",
            "active",
            "receipt",
        ]

    def get_active(self, grant) -> bool:
        return selectors.is_active(grant)

    def get_receipt(self, grant) -> list[str]:
        return receipt_lines(grant)


class MayUseConsents(permissions.BasePermission):
    message = "Only agency staff and citizens may use this."

    def has_permission(self, request, view):
        viewer = policy.viewer_for(request.user)
        if policy.uses_portal(viewer):
            # Citizens read and withdraw their own; recording new consent online is the portal's.
            return request.method in permissions.SAFE_METHODS or getattr(view, "action", None) == "revoke"
        return policy.uses_staff_pages(viewer)


class ConsentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Consent grants the caller may see; POST records one given in person, on paper or by phone."""

    serializer_class = ConsentSerializer
    permission_classes = [permissions.IsAuthenticated, MayUseConsents, ClientScopes]  # closed to clients

    def get_queryset(self):
        return selectors.grants_visible(user=self.request.user)

    def get_object(self):
        return selectors.grant_detail(user=self.request.user, grant_id=self.kwargs["pk"])

    def create(self, request):
        data = ConsentInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        try:
            grant = services.consent_grant(actor=request.user, **data.validated_data)
        except DjangoValidationError as error:
            raise _as_drf(error) from None
        answer = selectors.grant_answer(user=request.user, grant=grant)
        return Response(ConsentSerializer(answer).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], serializer_class=RevokeInputSerializer)
    def revoke(self, request, pk=None):
        grant = self.get_object()
        data = RevokeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            grant = services.consent_revoke(
                grant=grant, actor=request.user, reason=data.validated_data["reason"]
            )
        except DjangoValidationError as error:
            raise _as_drf(error) from None
        return Response(ConsentSerializer(grant).data)


class IdentifierSerializer(serializers.Serializer):
    scheme = serializers.ChoiceField(choices=IdentifierScheme.choices)
    value = serializers.CharField(max_length=40)


class BreakGlassInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=limits.REASON_TEXT)
    hours = serializers.IntegerField(required=False, min_value=1)
    identifier = IdentifierSerializer(
        required=False,
        help_text="The exact identifier that found a person your agency has no records of yet (rule 10).",
    )


class BreakGlassSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    subject = serializers.IntegerField(source="subject_id")
    reason = serializers.CharField()
    opened_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    review_status = serializers.CharField()


class BreakGlassView(APIView):
    """POST persons/{id}/break-glass/ {"reason"}: emergency access to one person's record."""

    permission_classes = [permissions.IsAuthenticated, ClientScopes]  # closed to clients
    serializer_class = BreakGlassInputSerializer

    @extend_schema(responses={201: BreakGlassSerializer})
    def post(self, request, person_id):
        by_identifier = isinstance(request.data, dict) and isinstance(request.data.get("identifier"), dict)
        if not by_identifier:
            # Only a person the caller may know of hears what was wrong with the request.
            person = break_glass_subject(request.user, person_id)
        data = BreakGlassInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        identifier = fields.pop("identifier", None)
        try:
            # Before the pair is asked: right and wrong pairs answer alike until an opening.
            services.break_glass_check(actor=request.user, **fields)
            if by_identifier:
                person = break_glass_subject(request.user, person_id, identifier)
            glass = services.break_glass_open(subject=person, actor=request.user, **fields)
        except DjangoValidationError as error:
            raise _as_drf(error) from None
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from None
        except SearchRateLimited as exc:
            raise Throttled(wait=exc.retry_after) from None
        return Response(BreakGlassSerializer(glass).data, status=status.HTTP_201_CREATED)
