"""REST endpoints for duplicate-assessment flags: a manager's list with filters, and review.
Thin adapters over duplicate_selectors (reads) and duplicate_services (the review)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from core import dates, limits

from . import selectors as duplicate_selectors
from . import services as duplicate_services
from .models import DuplicateFlag, FlagStatus


class IsManager(permissions.BasePermission):
    message = "Only managers review duplicate assessments."

    def has_permission(self, request, view):
        return duplicate_selectors.manager_scope(request.user) is not None


class FlagFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=FlagStatus.choices, required=False)
    agency = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    date_from = serializers.DateField(required=False, validators=[dates.ANY_DAY])
    date_to = serializers.DateField(required=False, validators=[dates.ANY_DAY])

    def validate(self, data):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise serializers.ValidationError({"date_to": ["Must be on or after date_from."]})
        return data

    def filters(self) -> duplicate_selectors.FlagFilters:
        data = self.validated_data
        return duplicate_selectors.FlagFilters(
            status=data.get("status", ""),
            agency_id=data.get("agency"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


class FlagPagination(PageNumberPagination):
    """The contract's page of flags, plus `not_shown`: how many of the caller's flags involve a
    record the consent policy does not open to them now. A count only: no ids, no details."""

    def paginate_queryset(self, queryset, request, view=None):
        self.not_shown = duplicate_selectors.flags_not_shown(user=request.user)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["not_shown"] = self.not_shown
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["not_shown"] = {
            "type": "integer",
            "description": "Your flags involving records you may not see: counted, never listed.",
        }
        schema["required"] = [*schema.get("required", []), "not_shown"]
        return schema


class DuplicateFlagSerializer(serializers.ModelSerializer):
    assessments = serializers.SerializerMethodField()
    shared_questions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    estimated_cost = serializers.IntegerField(source="estimated_cost_pence", read_only=True)
    asked_again_by = serializers.IntegerField(source="asked_again_by_id", read_only=True)
    asked_first_by = serializers.IntegerField(source="earlier.agency_id", read_only=True)

    class Meta:
        model = DuplicateFlag
        fields = [
            "id",
            "assessments",
            "shared_questions",
            "days_apart",
            "status",
            "avoidable",
            "estimated_cost",
            "asked_again_by",
            "asked_first_by",
            "review_reason",
            "reviewed_at",
            "created_at",
        ]

    def get_assessments(self, flag) -> list[int]:
        return [flag.earlier_id, flag.later_id]


class ReviewSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[FlagStatus.CONFIRMED, FlagStatus.DISMISSED])
    reason = serializers.CharField(max_length=limits.REASON_TEXT)


class DuplicateFlagViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Duplicate-assessment flags of your agency (asked again by it, or after it); a
    partnership reviewer's cover every agency. A flag is listed only where both assessments are
    open to you under consent now; the others are only counted (`not_shown`), and answer 404.
    Filter with ?status=open|confirmed|dismissed&agency=."""

    serializer_class = DuplicateFlagSerializer
    pagination_class = FlagPagination
    permission_classes = [permissions.IsAuthenticated, IsManager]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types
            return DuplicateFlag.objects.none()
        filters = None
        if self.action == "list":
            query = FlagFilterSerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            filters = query.filters()
        return duplicate_selectors.flag_list(user=self.request.user, filters=filters)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=FlagStatus.values),
            OpenApiParameter("agency", int),
            OpenApiParameter("date_from", str, description="ISO date; the later assessment on or after"),
            OpenApiParameter("date_to", str, description="ISO date; the later assessment on or before"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, pk=None):
        flag = duplicate_selectors.flag_detail(user=request.user, flag_id=pk)
        return Response(DuplicateFlagSerializer(flag).data)

    @extend_schema(request=ReviewSerializer, responses=DuplicateFlagSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """Confirm or dismiss the flag with a reason."""
        flag = duplicate_selectors.flag_detail(user=request.user, flag_id=pk)
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        duplicate_services.duplicate_flag_review(flag=flag, actor=request.user, **body.validated_data)
        return Response(
            DuplicateFlagSerializer(duplicate_selectors.flag_detail(user=request.user, flag_id=pk)).data
        )
