from django.urls import path

from . import views

app_name = "advocates"
urlpatterns = [
    path("caseload/", views.caseload, name="caseload"),
    path("caseload/families/<int:family_id>/", views.family_journey, name="journey"),
    path("caseload/families/<int:family_id>/contacts/new/", views.contact_new, name="contact_new"),
    path("caseload/families/<int:family_id>/conferences/new/", views.conference_new, name="conference_new"),
    path("caseload/families/<int:family_id>/concerns/new/", views.concern_new, name="concern_new"),
    path("caseload/conferences/<int:conference_id>/", views.conference_detail, name="conference"),
    path("caseload/actions/<int:action_id>/done/", views.action_complete, name="action_complete"),
    path("advocacy/assignments/", views.assignments, name="assignments"),
    path("advocacy/assignments/<int:assignment_id>/", views.assignment_change, name="assignment_change"),
]
