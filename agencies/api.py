"""Read-only reference data for agency systems: agencies, contact types, questions and
assessment types (referred to by code)."""

from rest_framework import serializers, viewsets

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


class AgencyViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Agency.objects.order_by("name")
    serializer_class = AgencySerializer


class ContactTypeViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = ContactType.objects.order_by("code")
    serializer_class = ContactTypeSerializer


class QuestionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Question.objects.order_by("code")
    serializer_class = QuestionSerializer


class AssessmentTypeViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = AssessmentType.objects.prefetch_related("questions").order_by("name")
    serializer_class = AssessmentTypeSerializer
