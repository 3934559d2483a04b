"""Read-only reference data for agency systems: agencies, contact types, questions and
assessment types (referred to by code); and the personal token endpoint."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from consent.policy import ANY_CLIENT

from . import services
from .models import Agency, AssessmentType, ContactType, Question


class AgencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "code", "name", "sector"]


class ContactTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContactType
        fields = ["id", "code", "label", "sector"]


class QuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Question
        fields = ["id", "code", "text", "domain"]


class AssessmentTypeSerializer(serializers.ModelSerializer):
    questions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = AssessmentType
        fields = ["id", "code", "name", "agency", "level", "questions"]


class ReferenceViewSet(viewsets.ReadOnlyModelViewSet):
    """Reference data every agency system needs to write anything, whatever its scopes."""

    client_scopes = {"list": ANY_CLIENT, "retrieve": ANY_CLIENT}


class AgencyViewSet(ReferenceViewSet):
    queryset = Agency.objects.order_by("name")
    serializer_class = AgencySerializer


class ContactTypeViewSet(ReferenceViewSet):
    queryset = ContactType.objects.order_by("code")
    serializer_class = ContactTypeSerializer


class QuestionViewSet(ReferenceViewSet):
    queryset = Question.objects.order_by("code")
    serializer_class = QuestionSerializer


class AssessmentTypeViewSet(ReferenceViewSet):
    queryset = AssessmentType.objects.prefetch_related("questions").order_by("name")
    serializer_class = AssessmentTypeSerializer


class TokenRequestSerializer(AuthTokenSerializer):
    otp = serializers.CharField(
        required=False,
        default="",
        help_text="The 6-digit code of the user's authenticator app, or a recovery code: needed "
        "when the user's sign-ins need a second factor.",
    )


class TokenView(APIView):
    """POST auth/token/ with a username and password (and the second factor's code where the user
    needs one) returns {"token": ...}: a new token each sign-in, stored only as a digest,
    expiring after REST_KNOX's TOKEN_TTL."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"
    serializer_class = TokenRequestSerializer

    @extend_schema(responses=inline_serializer("Token", {"token": serializers.CharField()}))
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return Response({"token": services.personal_token_issue(user=data["user"], otp=data["otp"])})
