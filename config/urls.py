from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from agencies import api as agencies_api
from agencies import views as agencies_views
from config import api
from consent import api as consent_api
from core.forms import SignInForm
from duplicates import api as duplicate_api
from journeys import api as journeys_api
from portal import api as portal_api

from . import views


class IdRouter(DefaultRouter):
    """Every resource is looked up by an integer id, so anything else (`null,null`, `1e20`, `-1`,
    thirty digits) is a 404 before a view or query runs."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._default_value_pattern = r"[0-9]{1,18}"


router = IdRouter()
router.register("agencies", agencies_api.AgencyViewSet)
router.register("contact-types", agencies_api.ContactTypeViewSet)
router.register("questions", agencies_api.QuestionViewSet)
router.register("assessment-types", agencies_api.AssessmentTypeViewSet)
router.register("persons", journeys_api.PersonViewSet, basename="person")
router.register("families", journeys_api.FamilyViewSet, basename="family")
router.register("contacts", journeys_api.ContactViewSet, basename="contact")
router.register("assessments", journeys_api.AssessmentViewSet, basename="assessment")
router.register("duplicate-flags", duplicate_api.DuplicateFlagViewSet, basename="duplicate-flag")
router.register("consents", consent_api.ConsentViewSet, basename="consent")

api_patterns = [
    path("auth/token/", agencies_api.TokenView.as_view(), name="api-token"),
    path("me/record/", portal_api.MeRecordView.as_view(), name="api-me-record"),
    path("me/consents/", portal_api.MeConsentsView.as_view(), name="api-me-consents"),
    path("me/access-log/", portal_api.MeAccessLogView.as_view(), name="api-me-access-log"),
    path(
        "persons/<int:person_id>/break-glass/", consent_api.BreakGlassView.as_view(), name="api-break-glass"
    ),
    path("", include(router.urls)),
    re_path(r"^[\s\S]*/\Z", api.not_found, name="api-not-found"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", agencies_views.healthz, name="healthz"),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(authentication_form=SignInForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("agencies.urls")),
    path("", include("journeys.urls")),
    path("duplicates/", include("duplicates.urls")),
    path("", include("advocates.urls")),
    path("concerns/", include("concerns.urls")),
    path("", include("consent.urls")),
    path("", include("portal.urls")),
    path("api/v1/", include(api_patterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file, so the CSP needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
