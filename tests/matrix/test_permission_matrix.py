"""The permission matrix: every role x every consent state x every page and endpoint, GET
and POST, and what each write answers. Expectations come from a small oracle written here from
DESIGN.md's rules, not from consent/policy.py, and every record carries a marker, so a leak
shows as a marker where the oracle denies it, and a refusal as a 404 where it allows it. It
also covers outputs derived from records (rule 11): duplicate flags, reusable answers, the data
download, prefilled forms and the access log's text.

Each consent state's world is built once for the module (the `world` fixture); each test runs
in a savepoint inside it.

The matrix fails when a route, or an API route's method or action, is added without being
listed here (test_every_route_is_in_the_matrix): list it with a check, or say why it shows no
case data."""

import json
import logging
from dataclasses import dataclass, replace
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import AssessmentType, Role, Sector
from concerns.models import ConcernVia
from concerns.services import concern_raise
from duplicates.services import duplicates_check_assessment
from journeys import services as journey_services
from journeys.models import Answer
from portal import services as portal_services
from tests.factories import (
    AgencyFactory,
    AssessmentTypeFactory,
    AssignmentFactory,
    BreakGlassFactory,
    ConsentGrantFactory,
    ContactFactory,
    ContactTypeFactory,
    FamilyFactory,
    MembershipFactory,
    PersonFactory,
    QuestionFactory,
    UserFactory,
    staff_user,
)
from tests.portal.conftest import build_families

pytestmark = pytest.mark.django_db

# Markers: one a record. RC = recording agency's contact, and so on.
RC, RC_MH, RC_WITHHELD, RA, UC, AC, PHONE = (
    "MK-RC-GENERAL",
    "MK-RC-MENTALHEALTH",
    "MK-RC-WITHHELD",
    "MK-RA-GENERAL",
    "MK-UC-GENERAL",
    "MK-AC-GENERAL",
    "07700 900123",
)
RECORD_MARKERS = {RC, RC_MH, RC_WITHHELD, RA, UC, AC, PHONE}
RC_EXTERNAL_ID = "MK-EXT-RC"
GRANT_C, GRANT_A = "MK-GRANT-CONSENTED", "MK-GRANT-ADVOCACY"
SURNAME, GIVEN_NAME = "Quillfeather", "Zephyrine"

ROLES = [
    "staff_recording",
    "staff_consented",
    "staff_unconsented",
    "staff_stranger",
    "manager_consented",
    "advocate_assigned",
    "advocate_unassigned",
    "citizen_self",
    "citizen_other",
    "citizen_parent",
    "administrator",
    "governance",
]
STATES = [
    "none",
    "active",
    "expired",
    "revoked",
    "wrong_category",
    "starts_tomorrow",
    "break_glass_open",
    "break_glass_expired",
]
CITIZENS = {"citizen_self", "citizen_other", "citizen_parent"}
STAFF = {r for r in ROLES if r.startswith(("staff", "manager", "advocate"))}
GRANT_STATES = {"active", "expired", "revoked", "wrong_category", "starts_tomorrow"}
# The subject's grant to the advocacy service is in force: the advocate may name them (rule 3).
SHARES_WITH_ADVOCACY = {"active", "wrong_category"}


# The oracle ------------------------------------------------------------------------------


def expected_record(role: str, state: str) -> set[str] | None:
    """Markers the role may see in the subject's record; None: may not know of the subject."""
    everything_but_withheld = RECORD_MARKERS - {RC_WITHHELD}
    if role in ("citizen_self", "citizen_parent"):
        return everything_but_withheld  # rule 6
    if role == "staff_recording":
        return {RC, RC_MH, RC_WITHHELD, RA, PHONE}  # rule 1; it registered the person
    if role == "staff_unconsented":
        return set(RECORD_MARKERS) if state == "break_glass_open" else {UC}  # rules 1, 5
    shared = set()
    if state == "active":  # contacts, assessments, notes; general only (rule 2)
        shared = {RC, RC_WITHHELD, RA, UC, AC}
    elif state == "wrong_category":  # assessments and contact details only
        shared = {RA, PHONE}
    if role in ("staff_consented", "manager_consented"):
        return shared or None
    if role == "advocate_assigned":
        # Rule 3: a member of an assigned family who has not agreed to share with the advocacy
        # service is only "a family member who has not agreed to share": unknown by name.
        return {AC} | shared if state in SHARES_WITH_ADVOCACY else None
    return None


# An assigned advocate reaches these pages of the subject's family whether or not the subject
# agreed to share: they show unnamed members only as a count (rule 3).
ASSIGNED_FAMILY_ROUTES = {
    "journeys:family_detail",
    "family-detail",
    "advocates:journey",
    "advocates:contact_new",
    "advocates:concern_new",
    "advocates:conference_new",
}


def family_known(role: str, name: str) -> bool:
    return role == "advocate_assigned" and name in ASSIGNED_FAMILY_ROUTES


def expected_grants(role: str, state: str) -> set[str]:
    if state not in GRANT_STATES:
        return set()
    if role in ("citizen_self", "citizen_parent") or (
        role == "advocate_assigned" and state in SHARES_WITH_ADVOCACY
    ):
        return {GRANT_C, GRANT_A}
    if role in ("staff_consented", "manager_consented") and state in ("active", "wrong_category"):
        return {GRANT_C}
    return set()


def expected_own_list(role: str, state: str) -> set[str]:
    return {
        "staff_recording": {RC, RC_MH, RC_WITHHELD, RA},
        "staff_unconsented": {UC},
        "advocate_assigned": {AC} if state in SHARES_WITH_ADVOCACY else set(),
    }.get(role, set())


# The world --------------------------------------------------------------------------------


def record_assessment(assessment_type, subject, value: str, *, days_ago: int):
    """Through the service, so that the summary duplicate detection reads is written."""
    return journey_services.assessment_record(
        assessment_type=assessment_type,
        subject_person=subject,
        subject_family=None,
        completed_at=timezone.now() - timedelta(days=days_ago),
        answers=[{"question": q.code, "value": value} for q in assessment_type.questions.all()],
        actor=staff_user(assessment_type.agency),
    )


@dataclass
class World:
    state: str
    users: dict
    subject: object
    family: object
    grant_c: object | None
    grant_a: object | None
    agency_id: int
    agencies: dict
    answer_id: int
    question_code: str
    own_types: dict
    concern_id: int
    export_id: int


def build_world(state: str) -> World:
    now = timezone.now()
    recording = AgencyFactory(code="recording", name="Recording agency")
    consented = AgencyFactory(code="consented", name="Consented agency")
    unconsented = AgencyFactory(code="unconsented", name="Unconsented agency")
    stranger = AgencyFactory(code="stranger", name="Stranger agency")
    advocacy = AgencyFactory(code="advocacy", name="Advocacy service", sector=Sector.ADVOCACY)

    family = FamilyFactory(label=f"The {SURNAME} household")
    twelve = timezone.localdate() - timedelta(days=12 * 365 + 30)
    subject = PersonFactory(
        given_name="Zephyrine",
        family_name=SURNAME,
        date_of_birth=twelve,
        registered_by=recording,
        phone=PHONE,
    )
    parent = PersonFactory(given_name="Morwenna", family_name="Ashdown", date_of_birth=date(1985, 3, 1))
    MembershipFactory(person=subject, family=family, relationship="child", parental_responsibility=False)
    MembershipFactory(person=parent, family=family, relationship="parent", parental_responsibility=True)
    other_person = PersonFactory(given_name="Other", family_name="Citizen")

    ContactFactory(agency=recording, persons=[subject], summary=RC, external_id=RC_EXTERNAL_ID)
    ContactFactory(agency=recording, persons=[subject], summary=RC_MH, sensitivity="mental_health")
    ContactFactory(
        agency=recording,
        persons=[subject],
        summary=RC_WITHHELD,
        withheld_from_subject=True,
        withheld_reason="Telling would put someone at risk.",
    )
    # Every agency's own form asks the same bank question (tell us once, duplicate flags).
    question = QuestionFactory()
    own_types = {
        agency.code: AssessmentTypeFactory(agency=agency, questions=[question])
        for agency in (recording, consented, unconsented, stranger, advocacy)
    }
    answer = record_assessment(own_types["recording"], subject, RA, days_ago=3).answers.get()
    ContactFactory(agency=unconsented, persons=[subject], summary=UC)
    # An advocate's log of a contact the family had with the recording agency: the advocacy
    # service's record, not the recording agency's (rule 1 reads who recorded it).
    ContactFactory(
        agency=recording, recording_agency=advocacy, recorded_via="advocate", persons=[subject], summary=AC
    )

    users = {
        "staff_recording": staff_user(recording),
        "staff_consented": staff_user(consented),
        "staff_unconsented": staff_user(unconsented),
        "staff_stranger": staff_user(stranger),
        "manager_consented": staff_user(consented, Role.MANAGER),
        "advocate_assigned": staff_user(advocacy, Role.ADVOCATE),
        "advocate_unassigned": staff_user(advocacy, Role.ADVOCATE),
        "citizen_self": UserFactory(),
        "citizen_other": UserFactory(),
        "citizen_parent": UserFactory(),
        "administrator": staff_user(AgencyFactory(code="config"), Role.ADMINISTRATOR),
        "governance": staff_user(AgencyFactory(code="partnership"), Role.INFORMATION_GOVERNANCE),
    }
    for key, person in (
        ("citizen_self", subject),
        ("citizen_parent", parent),
        ("citizen_other", other_person),
    ):
        person.user = users[key]
        person.save()
    AssignmentFactory(advocate=users["advocate_assigned"], family=family)
    AssignmentFactory(advocate=users["advocate_unassigned"], family=FamilyFactory())

    grants = {}
    if state in GRANT_STATES:
        scope = {
            "categories": ["contacts", "assessments", "notes"],
            "valid_from": now - timedelta(days=1),
            "expires_at": now + timedelta(days=365),
        }
        if state == "expired":
            scope.update(valid_from=now - timedelta(days=400), expires_at=now - timedelta(days=35))
        elif state == "wrong_category":
            scope.update(categories=["assessments", "contact_details"])
        elif state == "starts_tomorrow":
            scope.update(valid_from=now + timedelta(days=1))
        for key, agency, purpose in (("c", consented, GRANT_C), ("a", advocacy, GRANT_A)):
            grants[key] = ConsentGrantFactory(
                subject=subject, agency=agency, given_by=parent, purpose=purpose, **scope
            )
            if state == "revoked":
                grants[key].revoked_at = timezone.now()
                grants[key].revoke_reason = "The person withdrew it."
                grants[key].save(update_fields=["revoked_at", "revoke_reason"])
    if state == "break_glass_open":
        BreakGlassFactory(user=users["staff_unconsented"], subject=subject)
    elif state == "break_glass_expired":
        BreakGlassFactory(
            user=users["staff_unconsented"],
            subject=subject,
            opened_at=now - timedelta(hours=5),
            expires_at=now - timedelta(hours=1),
        )
    concern = concern_raise(
        about_agency=recording,
        text="A visit I did not expect.",
        raised_via=ConcernVia.CITIZEN,
        subject_person=subject,
        actor=users["citizen_self"],
    )
    export = portal_services.data_export_request(person=subject, actor=users["citizen_self"])
    return World(
        state=state,
        users=users,
        subject=subject,
        family=family,
        grant_c=grants.get("c"),
        grant_a=grants.get("a"),
        agency_id=consented.pk,
        agencies={a.code: a for a in (recording, consented, unconsented, stranger, advocacy)},
        answer_id=answer.pk,
        question_code=question.code,
        own_types={code: kind.pk for code, kind in own_types.items()},
        concern_id=concern.pk,
        export_id=export.pk,
    )


@pytest.fixture(scope="module", params=STATES)
def world(request, django_db_setup, django_db_blocker):
    """One world per consent state, built once for the module and kept in an outer transaction;
    each test runs in a savepoint inside it (pytest-django's db), so its writes roll back."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        yield build_world(request.param)
        transaction.set_rollback(True)


# The routes -------------------------------------------------------------------------------

# Each case-data route: (kind, method, who may use it, path maker).
#   record: shows the subject's records; markers must match expected_record
#   know:   shows that the subject exists; the surname appears only if the role may know them
#   grant:  shows consent grants; purpose markers must match expected_grants
#   own:    an agency's own records list; markers must match expected_own_list
ANY, STAFF_ONLY, CITIZEN_OR_STAFF, NOT_ADVOCATE = "any", "staff", "citizen_or_staff", "not_advocate"
CASE_DATA_ROUTES = {
    "journeys:person_record": ("record", "get", ANY, lambda w: f"/people/{w.subject.pk}/"),
    "person-record": ("record", "get", STAFF_ONLY, lambda w: f"/api/v1/persons/{w.subject.pk}/record/"),
    "journeys:person_search": ("know", "get", ANY, lambda w: f"/people/?q={GIVEN_NAME}"),
    "person-list": ("know", "get", STAFF_ONLY, lambda w: f"/api/v1/persons/?q={GIVEN_NAME}"),
    "person-detail": ("know", "get", STAFF_ONLY, lambda w: f"/api/v1/persons/{w.subject.pk}/"),
    "journeys:family_detail": ("know", "get", ANY, lambda w: f"/families/{w.family.pk}/"),
    "family-list": ("know", "get", STAFF_ONLY, lambda w: "/api/v1/families/"),
    "family-detail": ("know", "get", STAFF_ONLY, lambda w: f"/api/v1/families/{w.family.pk}/"),
    "consent:consent_new": ("know", "get", STAFF_ONLY, lambda w: f"/people/{w.subject.pk}/consent/new/"),
    "consent:break_glass_new": (
        "know",
        "get",
        STAFF_ONLY,
        lambda w: f"/people/{w.subject.pk}/emergency-access/",
    ),
    "api-break-glass": (
        "know",
        "post",
        NOT_ADVOCATE,
        lambda w: f"/api/v1/persons/{w.subject.pk}/break-glass/",
    ),
    "consent-list": ("grant", "get", CITIZEN_OR_STAFF, lambda w: "/api/v1/consents/"),
    "consent-detail": ("grant", "get", CITIZEN_OR_STAFF, lambda w: f"/api/v1/consents/{w.grant_c.pk}/"),
    "consent:receipt": ("grant", "get", CITIZEN_OR_STAFF, lambda w: f"/consents/{w.grant_c.pk}/"),
    "consent:revoke": ("grant", "get", CITIZEN_OR_STAFF, lambda w: f"/consents/{w.grant_c.pk}/withdraw/"),
    "consent-revoke": (
        "grant",
        "post",
        CITIZEN_OR_STAFF,
        lambda w: f"/api/v1/consents/{w.grant_c.pk}/revoke/",
    ),
    "contact-list": ("own", "get", STAFF_ONLY, lambda w: "/api/v1/contacts/"),
    "assessment-list": ("own", "get", STAFF_ONLY, lambda w: "/api/v1/assessments/"),
}
# The citizen portal's routes and the staff pages serving it get the no-leak check: no record
# marker the oracle denies, no grant the oracle denies, and the subject's name only where the
# role may know of them. Their path comes from the pattern, filled with the subject's ids.
LEAK_ONLY_ROUTES = [
    "api-me-record",
    "api-me-consents",
    "api-me-access-log",
    "portal:home",
    "portal:journey",
    "portal:journey_for",
    "portal:consents",
    "portal:consents_for",
    "portal:consent_choose",
    "portal:consent_receipt",
    "portal:consent_stop",
    "portal:consent_renew",
    "portal:who_looked",
    "portal:who_looked_for",
    "portal:details",
    "portal:correction_new",
    "portal:concerns",
    "portal:concern_new",
    "portal:concern",
    "portal:data",
    "portal:data_export",
    "portal:data_export_print",
    "portal:data_export_json",
    "portal:join",
    "portal:join_code",
    "portal:staff_invitation_codes",
    "portal:staff_invite",
    "consent:consent_new_member",
    "portal:staff_corrections",
    "portal:staff_correction_decide",
    "advocates:caseload",
    "advocates:journey",
    "advocates:assignments",
    "advocates:assignment_change",
    "advocates:contact_new",
    "advocates:concern_new",
    "advocates:conference",
    "advocates:conference_new",
    "advocates:action_complete",
    "concerns:queue",
    "concerns:detail",
    "duplicate-flag-list",
    "duplicate-flag-detail",
    "duplicates:dashboard",
    "duplicates:export",
    "duplicates:queue",
    "duplicates:rescan",
    "duplicates:rescan_progress",
    "duplicates:review",
    "journeys:assessment_record",
]
for _name in LEAK_ONLY_ROUTES:
    CASE_DATA_ROUTES[_name] = ("leak", "get", ANY, None)
# Tell us once: answers open to the caller.
CASE_DATA_ROUTES["person-reusable-answers"] = (
    "answers",
    "get",
    STAFF_ONLY,
    lambda w: f"/api/v1/persons/{w.subject.pk}/reusable-answers/",
)

# Every API write, checked by test_api_writes on the answer it returns (rule 11). Consent
# revocation and break-glass are checked with the GET routes above, and a flag review with the
# flags in test_duplicate_flags_follow_the_policy.
API_WRITES = {
    "person-list": "POST persons/ into the subject's family",
    "family-list": "POST families/",
    "contact-list": "POST contacts/ replaying the recording agency's external_id",
    "assessment-list": "POST assessments/ reusing the recording agency's answer",
    "consent-list": "POST consents/ for the subject",
    "duplicate-flag-review": "POST duplicate-flags/{id}/review/",
}


def pattern_path(world, name: str) -> str:
    """The route's path with the subject's ids (any other id is one that does not exist)."""
    values = {
        "person_id": world.subject.pk,
        "grant_id": world.grant_c.pk if world.grant_c else 999999,
        "agency_id": world.agency_id,
        "family_id": world.family.pk,
        "token": "not-a-token",
        "concern_id": world.concern_id,
        "export_id": world.export_id,
    }
    params = min(_route_params(name), key=len)
    return reverse(name, kwargs={p: values.get(p, 999999) for p in params})


def _route_params(name: str) -> list[list[str]]:
    found = []

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
                yield from walk(p.url_patterns, inner)
            elif f"{namespace}{p.name}" == name:
                yield [g for g in p.pattern.regex.groupindex if g != "format"]

    found.extend(walk(get_resolver().url_patterns))
    return found


# Routes that show no case data, each with the reason; or case data tested elsewhere.
NOT_CASE_DATA = {
    "home": "a role's start page; an advocate's family list is tested with the advocates' caseload",
    "healthz": "database and broker status",
    "login": "sign-in",
    "logout": "sign-out",
    "api-token": "a person's API token: test_tokens.py",
    "api-root": "links to the API's resources",
    "api-not-found": "the API's answer to an address that names no endpoint",
    "api-schema": "the OpenAPI document",
    "api-docs": "the API documentation",
    "agency-list": "configuration",
    "agency-detail": "configuration",
    "contacttype-list": "configuration",
    "contacttype-detail": "configuration",
    "question-list": "configuration",
    "question-detail": "configuration",
    "assessmenttype-list": "configuration",
    "assessmenttype-detail": "configuration",
    "consent:review_queue": "managers' review of their own staff's emergency access: test_break_glass.py",
    "consent:review": "managers' review of their own staff's emergency access: test_break_glass.py",
    "portal:staff_invitation_code_confirm": "confirming an in-person code: test_code_confirmation.py",
    "POST api-token": "a person's API token: test_tokens.py",
    "agencies:api_clients": "a manager's API clients of their agency: test_api_clients.py",
    "agencies:api_client_token": "a manager's API clients of their agency: test_api_clients.py",
    "agencies:api_client_revoke": "a manager's API clients of their agency: test_api_clients.py",
    "agencies:two_step_manage": "the viewer's own second factor: test_two_step.py",
    "agencies:two_step_verify": "the viewer's own second factor: test_two_step.py",
    "agencies:two_step_set_up": "the viewer's own second factor: test_two_step.py",
    "agencies:two_step_recovery_codes": "the viewer's own second factor: test_two_step.py",
    "agencies:two_step_turn_off": "the viewer's own second factor: test_two_step.py",
    "agencies:two_step_reset": "information governance's reset of an account's factor: test_two_step.py",
}


def _walk(patterns, namespace="", prefix=""):
    """(name, path prefix, pattern) of every route but the Django admin's (configuration,
    staff superusers only)."""
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace == "admin":
                continue
            inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, inner, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield (f"{namespace}{p.name}" if p.name else f"<unnamed {p.pattern}>"), prefix, p


def route_names() -> set[str]:
    return {name for name, _, _ in _walk(get_resolver().url_patterns)}


def api_methods() -> set[tuple[str, str]]:
    """Every API route with each method it answers: a router's actions (list, create, custom
    @action), or an APIView's handlers."""
    found = set()
    for name, prefix, p in _walk(get_resolver().url_patterns):
        view = getattr(p.callback, "cls", None)
        if not prefix.startswith("api/") or view is None:
            continue
        actions = getattr(p.callback, "actions", None)
        methods = actions or [m for m in view.http_method_names if hasattr(view, m)]
        found |= {(name, m) for m in methods if m not in ("head", "options")}
    return found


def page_routes() -> list[str]:
    """Server-rendered pages: each gets every role's POST as well as GET (see test_page_posts)."""
    return sorted(
        {
            name
            for name, prefix, p in _walk(get_resolver().url_patterns)
            if not prefix.startswith("api/") and name in CASE_DATA_ROUTES
        }
    )


PAGE_ROUTES = frozenset(page_routes())


def listed_methods() -> set[tuple[str, str]]:
    listed = {(name, method) for name, (_, method, _, _) in CASE_DATA_ROUTES.items()}
    listed |= {(name, "post") for name in API_WRITES}
    return listed | {
        (n.removeprefix("POST "), "post" if n.startswith("POST ") else "get") for n in NOT_CASE_DATA
    }


def test_every_route_is_in_the_matrix():
    """A new route, or a new method or action of an API route, fails here until it is listed."""
    names = {n.removeprefix("POST ") for n in set(CASE_DATA_ROUTES) | set(API_WRITES) | set(NOT_CASE_DATA)}
    unlisted = route_names() - names
    assert not unlisted, (
        f"Routes not in the permission matrix: {sorted(unlisted)}. Add each to CASE_DATA_ROUTES "
        "with a check, or to NOT_CASE_DATA with the reason it shows no case data."
    )
    unlisted_methods = {(n, m) for n, m in api_methods() if (n, m) not in listed_methods()}
    assert not unlisted_methods, (
        f"API methods not in the permission matrix: {sorted(unlisted_methods)}. List a GET in "
        "CASE_DATA_ROUTES, a write in API_WRITES, or either in NOT_CASE_DATA with the reason."
    )
    assert not names - route_names(), "the matrix lists a route that is gone"


def may_use(role: str, who: str) -> bool:
    if who == ANY:
        return True
    if who == STAFF_ONLY:
        return role in STAFF
    if who == NOT_ADVOCATE:
        return role in STAFF and not role.startswith("advocate")
    return role in STAFF or role in CITIZENS


BREAK_GLASS_REASON = "The police found the child alone at night and we need to know who cares for them."


MISSING = 999999


@pytest.fixture(autouse=True)
def _quiet_refusals():
    """The matrix is thousands of expected 403s and 404s and sign-ins; logging each (with a
    traceback) costs a tenth of its time. Server errors are still logged, and each is a failure."""
    loggers = [logging.getLogger(name) for name in ("django.request", "axes")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


def signed_in(world, role: str) -> APIClient:
    client = APIClient()
    client.force_login(world.users[role])
    return client


def markers_in(text: str) -> set[str]:
    return {m for m in RECORD_MARKERS if m in text}


def check_get(client, world, role: str, name: str, path: str | None = None) -> list[str]:
    """What one route shows one role, against the oracle; the problems found."""
    kind, method, who, _ = CASE_DATA_ROUTES[name]
    state = world.state
    record = expected_record(role, state)
    grants = expected_grants(role, state)
    path = path or route_path(world, name)
    if method == "post":
        body = {"reason": BREAK_GLASS_REASON} if kind == "know" else {"reason": "The person asked."}
        response = client.post(path, body, format="json")
    else:
        response = client.get(path, follow=True)
    text = response.content.decode()
    status = response.status_code
    allowed = may_use(role, who)
    where = f"{name} ({method.upper()} {path}) as {role}, consent {state}: {status}"
    if status >= 500:
        return [f"{where}: server error"]
    problems = []
    if method == "get" and name in PAGE_ROUTES:
        problems += denial_problems(client, world, role, name, "get", status, where)
    if kind in ("record", "answers"):
        shown = markers_in(text)
        want = record if allowed and record is not None else set()
        if kind == "answers":  # answers only: of assessments, not the recording agency's own
            want = want & {RA} if role != "staff_recording" else shown & {RA}
        if shown != want:
            problems.append(f"{where}: shown {sorted(shown)}, expected {sorted(want)}")
        if allowed and record is None and status != 404:
            problems.append(f"{where}: expected 404")
    elif kind == "know":
        known = allowed and record is not None
        if (SURNAME in text) != known and method == "get":
            problems.append(f"{where}: subject {'hidden' if known else 'revealed'}")
        if method == "post" and (status == 201) != known:
            problems.append(f"{where}: expected {'201' if known else 'a refusal'}")
        if (
            allowed
            and not known
            and not family_known(role, name)
            and f"/{world.subject.pk}/" in path
            and status != 404
        ):
            problems.append(f"{where}: a person the caller may not know of must be a 404")
    elif kind == "grant":
        shown = {m for m in (GRANT_C, GRANT_A) if m in text}
        want = grants if allowed else set()
        if name != "consent-list":
            want &= {GRANT_C}
        if method == "post":
            may_revoke = GRANT_C in grants and allowed and state != "revoked"
            if (status == 200) != may_revoke:
                problems.append(f"{where}: revoke {'allowed' if status == 200 else 'refused'}")
            return problems
        if shown != want:
            problems.append(f"{where}: grants shown {sorted(shown)}, expected {sorted(want)}")
        if allowed and GRANT_C not in want and name != "consent-list" and status != 404:
            problems.append(f"{where}: expected 404")
    elif kind == "leak":
        problems += leak_problems(where, text, record, grants)
    elif kind == "own":
        shown = markers_in(text)
        want = expected_own_list(role, state) & (
            {RC, RC_MH, RC_WITHHELD, UC, AC} if name == "contact-list" else {RA}
        )
        if shown != want:
            problems.append(f"{where}: shown {sorted(shown)}, expected {sorted(want)}")
    return problems


def leak_problems(where: str, text: str, record: set[str] | None, grants: set[str]) -> list[str]:
    """No record marker, grant or subject's name that the oracle denies."""
    problems = []
    shown = markers_in(text)
    if not shown <= (record or set()):
        problems.append(f"{where}: shown {sorted(shown - (record or set()))}")
    if SURNAME in text and record is None:
        problems.append(f"{where}: subject revealed")
    leaked = {m for m in (GRANT_C, GRANT_A) if m in text} - grants
    if leaked:
        problems.append(f"{where}: grants shown {sorted(leaked)}")
    return problems


# A bystander has nothing of the subject's: no record, grant, assignment or emergency access.
# They see nothing in every state, and the states that could mislead the policy into showing
# them something are those where someone else's access is open: a grant in force (in scope or
# not) and open emergency access. The other states close access that bystanders never had.
BYSTANDERS = {"staff_stranger", "citizen_other", "advocate_unassigned", "administrator", "governance"}
BYSTANDER_STATES = ["none", "active", "wrong_category", "break_glass_open"]
NO_LEAK_CASES = [(s, r) for s in STATES for r in ROLES if r not in BYSTANDERS or s in BYSTANDER_STATES]


def test_bystanders_are_those_the_oracle_shows_nothing():
    """The pruned states hold only while the oracle gives bystanders nothing, in every state."""
    for role in BYSTANDERS:
        for state in STATES:
            assert expected_record(role, state) is None, (role, state)
            assert not expected_grants(role, state) and not expected_own_list(role, state), (role, state)


@pytest.mark.parametrize(("world", "role"), NO_LEAK_CASES, indirect=["world"])
def test_no_leaks(world, role, request):
    """Every route's GET (and the revoke and break-glass POSTs), both sides: what the oracle
    allows is shown, what it denies is a 404 or absent."""
    client = signed_in(world, role)
    problems = []
    for name in CASE_DATA_ROUTES:
        if CASE_DATA_ROUTES[name][0] == "grant" and world.grant_c is None:
            continue  # no grant to address in this state; consent-list still runs below
        if CASE_DATA_ROUTES[name][0] == "answers":
            continue  # test_reusable_answers asks with each role's own assessment type
        problems += check_get(client, world, role, name)
    if world.grant_c is None:
        shown = {m for m in (GRANT_C, GRANT_A) if m in client.get("/api/v1/consents/").content.decode()}
        if shown:
            problems.append(f"consent-list as {role}, consent {world.state}: grants shown {sorted(shown)}")
    assert not problems, "\n".join(problems)


# Writes, and what they answer -------------------------------------------------------------

# States enough for both sides of every write: no grant, a grant, emergency access.
WRITE_STATES = ["none", "active", "break_glass_open"]


def route_path(world, name: str) -> str:
    make_path = CASE_DATA_ROUTES[name][3]
    return make_path(world) if make_path else pattern_path(world, name)


def missing_world(world) -> World:
    """The same world with every id of the subject's (person, family, grant, concern, export)
    swapped for one that does not exist."""
    gone = SimpleNamespace(pk=MISSING)
    return replace(
        world,
        subject=gone,
        family=gone,
        grant_c=gone if world.grant_c else None,
        concern_id=MISSING,
        export_id=MISSING,
    )


_MISSING_ANSWERS: dict[tuple[str, str, str], int] = {}


def _missing_answer(client, role: str, method: str, path: str) -> int:
    """A missing id's answer depends on the role alone, so each is asked once per module."""
    key = (role, method, path)
    if key not in _MISSING_ANSWERS:
        _MISSING_ANSWERS[key] = getattr(client, method)(path, {}, follow=method == "get").status_code
    return _MISSING_ANSWERS[key]


def denial_problems(client, world, role: str, name: str, method: str, status: int, where: str) -> list[str]:
    """For a subject (or their grant, concern, export) the role may not know, a page answers
    exactly as for an id that does not exist: a 404 wherever the role may use the page at all."""
    kind, _, who, _ = CASE_DATA_ROUTES[name]
    path = route_path(world, name).split("?")[0]
    missing = route_path(missing_world(world), name).split("?")[0]
    if missing == path:
        return []
    gate = _missing_answer(client, role, method, missing)
    record = expected_record(role, world.state)
    denied = GRANT_C not in expected_grants(role, world.state) if kind == "grant" else record is None
    denied = denied and not family_known(role, name)
    if denied and status != gate:
        return [f"{where}: denied, so it must answer as a missing id does ({gate})"]
    if not denied and may_use(role, who) and kind != "leak" and gate == 404 == status:
        return [f"{where}: allowed, but answered 404"]
    return []


@pytest.mark.parametrize("world", WRITE_STATES, indirect=True)
@pytest.mark.parametrize("role", ROLES)
def test_page_posts(world, role):
    """Every page's form posted (empty) by every role: no server error, nothing the oracle
    denies in the answer, and a denial that reads as a missing id (denial_problems)."""
    client = signed_in(world, role)
    record = expected_record(role, world.state)
    grants = expected_grants(role, world.state)
    problems = []
    for name in page_routes():
        if CASE_DATA_ROUTES[name][0] == "grant" and world.grant_c is None:
            continue
        path = route_path(world, name).split("?")[0]
        response = client.post(path, {})
        where = f"{name} (POST {path}) as {role}, consent {world.state}: {response.status_code}"
        if response.status_code >= 500:
            problems.append(f"{where}: server error")
            continue
        problems += leak_problems(where, response.content.decode(), record, grants)
        problems += denial_problems(client, world, role, name, "post", response.status_code, where)
    assert not problems, "\n".join(problems)


AGENCY_OF = {
    "staff_recording": "recording",
    "staff_consented": "consented",
    "manager_consented": "consented",
    "staff_unconsented": "unconsented",
    "staff_stranger": "stranger",
    "advocate_assigned": "advocacy",
    "advocate_unassigned": "advocacy",
}


def write_body(world, role: str, name: str, subject_id: int) -> dict:
    now = timezone.now().isoformat()
    return {
        "person-list": {
            "given_name": "Ottoline",
            "family_name": "Brackenbury",
            "date_of_birth": "1980-02-03",
            "family": world.family.pk if subject_id == world.subject.pk else MISSING,
            "relationship": "parent",
            "parental_responsibility": True,
        },
        "family-list": {"label": "A new household"},
        "contact-list": {
            "persons": [subject_id],
            "agency": world.agencies["recording"].pk,
            "contact_type": ContactTypeFactory().code,
            "occurred_at": now,
            "channel": "phone",
            "summary": "The family told us about a call.",
            "external_id": RC_EXTERNAL_ID,
        },
        "assessment-list": {
            "assessment_type": world.own_types[AGENCY_OF[role]],
            "subject_person": subject_id,
            "completed_at": now,
            "answers": [{"question": world.question_code, "reused_from": world.answer_id}],
        },
        "consent-list": {
            "subject": subject_id,
            "agency": world.agencies[AGENCY_OF[role]].pk,
            "categories": ["contacts"],
            "method": "in_person",
        },
    }[name]


@pytest.mark.parametrize("world", WRITE_STATES, indirect=True)
@pytest.mark.parametrize("role", sorted(STAFF))
@pytest.mark.parametrize("name", sorted(set(API_WRITES) - {"duplicate-flag-review"}))
def test_api_writes(world, role, name, request):
    """The answer to a write carries only what the caller may see (rule 11), and a subject the
    caller may not know is refused exactly as a missing one."""
    record = expected_record(role, world.state)
    path = reverse(name)
    client = signed_in(world, role)
    response = client.post(path, write_body(world, role, name, world.subject.pk), format="json")
    text = response.content.decode()
    where = f"POST {path} as {role}, consent {world.state}: {response.status_code} {text[:300]}"
    assert response.status_code < 500, where
    if name == "contact-list":
        assert (RC in text) == (role == "staff_recording"), f"{where}: the replay's answer"
    if name == "assessment-list":
        may_reuse = RA in (record or set())
        assert (response.status_code == 201) == may_reuse, where
        assert (RA in text) == may_reuse, f"{where}: the reused answer"
    assert markers_in(text) <= (record or set()), where
    # The subject's family stays known to its advocate (rule 3), so a person can join it.
    family_known = name == "person-list" and role == "advocate_assigned"
    if record is None and name != "family-list" and not family_known:
        missing = client.post(path, write_body(world, role, name, MISSING), format="json")
        assert (response.status_code, markers_in(text)) == (missing.status_code, set()), where
        named = world.family.pk if name == "person-list" else world.subject.pk
        assert text == missing.content.decode().replace(str(MISSING), str(named)), where


# Derived outputs --------------------------------------------------------------------------

EMAIL = "mk-email@example.invalid"


@pytest.mark.parametrize("world", WRITE_STATES, indirect=True)
@pytest.mark.parametrize("role", sorted(STAFF))
def test_reusable_answers(world, role, request):
    """Tell us once lists only answers open to the caller (rule 11), and a subject the caller
    may not know is a 404."""
    path = (
        f"{route_path(world, 'person-reusable-answers')}?assessment_type={world.own_types[AGENCY_OF[role]]}"
    )
    problems = check_get(signed_in(world, role), world, role, "person-reusable-answers", path)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("world", WRITE_STATES, indirect=True)
@pytest.mark.parametrize("role", sorted(STAFF))
def test_invite_page_prefills_only_what_the_viewer_may_see(world, role, request):
    """The subject's email is offered only to staff who may see their contact details, and
    never under emergency access (rule 12: break-glass is for an emergency, not for making an
    account; an in-person code is offered instead)."""
    type(world.subject).objects.filter(pk=world.subject.pk).update(email=EMAIL)
    record = expected_record(role, world.state)
    by_break_glass = world.state == "break_glass_open" and role == "staff_unconsented"
    may_see = PHONE in (record or set()) and not by_break_glass
    response = signed_in(world, role).get(reverse("portal:staff_invite", args=[world.subject.pk]))
    assert response.status_code == (200 if record is not None else 404)
    assert (EMAIL in response.content.decode()) == may_see


@pytest.mark.parametrize("world", ["none", "active"], indirect=True)
def test_duplicate_flags_follow_the_policy(world, request):
    """A flag's details (the earlier assessment, its agency, the person) reach the manager of
    the agency that asked again only where the earlier record is open to them; otherwise only
    a count, with no ids, and the flag itself answers as a missing one."""
    open_to_manager = RA in (expected_record("manager_consented", world.state) or set())
    later = record_assessment(
        AssessmentType.objects.get(pk=world.own_types["consented"]), world.subject, "Asked again", days_ago=1
    )
    duplicates_check_assessment(assessment_id=later.pk)
    earlier = Answer.objects.get(pk=world.answer_id).assessment_id
    client = signed_in(world, "manager_consented")
    page = client.get(reverse("duplicate-flag-list")).json()
    assert (len(page["results"]), page["not_shown"]) == ((1, 0) if open_to_manager else (0, 1)), page
    for name, args in (("duplicates:queue", []), ("duplicates:export", [])):
        text = client.get(reverse(name, args=args)).content.decode()
        assert open_to_manager or SURNAME not in text, name
        assert ("Recording agency" in text) == open_to_manager, name
    if not open_to_manager:
        from duplicates.models import DuplicateFlag

        flag_id = DuplicateFlag.objects.get(later=later).pk
        assert client.get(reverse("duplicate-flag-detail", args=[flag_id])).status_code == 404
        review = client.post(
            reverse("duplicate-flag-review", args=[flag_id]),
            {"status": "dismissed", "reason": "Checked with the family."},
            format="json",
        )
        assert review.status_code == 404
        assert client.get(reverse("duplicates:review", args=[flag_id])).status_code == 404
        return
    flag_id = page["results"][0]["id"]
    answers = [
        client.get(reverse("duplicate-flag-detail", args=[flag_id])).json(),
        client.post(
            reverse("duplicate-flag-review", args=[flag_id]),
            {"status": "dismissed", "reason": "Checked with the family."},
            format="json",
        ).json(),
    ]
    for flag in page["results"] + answers:
        assert earlier in flag["assessments"], flag
        assert flag.get("asked_first_by") == world.agencies["recording"].pk, flag
    assert "Recording agency" in client.get(reverse("duplicates:review", args=[flag_id])).content.decode()


def test_data_download_holds_the_citizens_record_without_withheld_records(world):
    """The portal's download (an export) is the citizen's own record as rule 6 lets them see it."""
    client = signed_in(world, "citizen_self")
    export = client.post(reverse("portal:data"), follow=True).resolver_match.kwargs["export_id"]
    for name in ("portal:data_export_json", "portal:data_export_print"):
        text = client.get(reverse(name, args=[export])).content.decode()
        assert markers_in(text) - {PHONE} == expected_record("citizen_self", world.state) - {PHONE}, name


@pytest.mark.parametrize("world", ["none"], indirect=True)
def test_who_looked_counts_only_what_the_citizen_may_know_of(world, request):
    """The log's text is an output too: a citizen's "who looked" must not count the record
    withheld from them that the recording agency's staff saw."""
    signed_in(world, "staff_recording").get(reverse("journeys:person_record", args=[world.subject.pk]))
    signed_in(world, "staff_unconsented").get(reverse("journeys:person_record", args=[world.subject.pk]))
    text = signed_in(world, "citizen_self").get(reverse("portal:who_looked")).content.decode()
    assert "Recording agency" in text
    assert "3 contacts" not in text  # RC, RC_MH and the withheld one


# The citizen portal's families ------------------------------------------------------------
# Merged from the portal's own matrix: two families (tests/portal/conftest.py) for what one
# subject cannot show: a partner who is an adult relative, a second family's things made
# through the services, and a record whose existence its agency lets the citizen know of.

OTHERS = ["GRACE-", "TOBI-", "DANIEL-", "JADE-WITHHELD-SECRET", "JADE-WITHHELD-EXISTS"]
PORTAL_OWN = [
    "home",
    "journey",
    "consents",
    "who_looked",
    "details",
    "correction_new",
    "concerns",
    "concern_new",
    "data",
]
ME_API = ["api-me-record", "api-me-consents", "api-me-access-log"]


@pytest.fixture
def carters(db):
    families = build_families()
    portal_services.portal_consent_give(
        subject=families.grace,
        agency=families.school,
        categories=["contacts"],
        labels=["general"],
        actor=families.grace_user,
    )
    concern_raise(
        about_agency=families.police,
        text="GRACE-CONCERN about a visit.",
        raised_via=ConcernVia.CITIZEN,
        subject_person=families.grace,
        actor=families.grace_user,
    )
    portal_services.data_export_request(person=families.grace, actor=families.grace_user)
    return families


def _nothing_of_others(body: str, where: str):
    for marker in OTHERS:
        assert marker not in body, f"{marker} shown on {where}"


def test_portal_pages_show_only_the_citizens_own_and_childrens_data(client, carters):
    client.force_login(carters.jade_user)
    for name in PORTAL_OWN:
        response = client.get(reverse(f"portal:{name}"))
        assert response.status_code == 200, name
        _nothing_of_others(response.content.decode(), name)
    journey = client.get(reverse("portal:journey")).content.decode()
    assert "JADE-POLICE-CONTACT" in journey
    assert "kept back 1 record" in journey  # only the one the agency lets her know of


def test_a_parent_sees_a_childs_record_but_not_an_adult_relatives(client, carters):
    client.force_login(carters.jade_user)
    child = client.get(reverse("portal:journey_for", args=[carters.liam.pk]))
    assert child.status_code == 200
    assert "LIAM-SCHOOL-CONTACT" in child.content.decode()
    assert "Attendance review" in child.content.decode()
    for name in ("portal:journey_for", "portal:who_looked_for", "portal:consents_for"):
        assert client.get(reverse(name, args=[carters.daniel.pk])).status_code == 404, name
        assert client.get(reverse(name, args=[carters.liam.pk])).status_code == 200, name
    home = client.get(reverse("portal:home")).content.decode()
    # Daniel may be named as Liam's other parental responsibility holder (rule 4), never a record.
    assert "Liam Carter" in home and reverse("portal:journey_for", args=[carters.daniel.pk]) not in home


def test_the_me_api_gives_only_the_citizens_own_and_childrens_data(api, carters):
    client = api.as_user(carters.jade_user)
    for name in ME_API:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        _nothing_of_others(json.dumps(response.json()), name)
        for person in (carters.grace, carters.tobi, carters.daniel):
            assert client.get(reverse(name), {"person": person.pk}).status_code == 404, (name, person)
        assert client.get(reverse(name), {"person": carters.liam.pk}).status_code == 200, name
        assert client.get(reverse(name), {"person": "not-a-number"}).status_code == 404, name
    record = client.get(reverse("api-me-record")).json()
    assert {c["summary"] for c in record["contacts"]} == {"JADE-POLICE-CONTACT", "JADE-SCHOOL-CONTACT"}
    assert record["withheld_count"] == 1
    assert [c["name"] for c in record["children"]] == ["Liam Carter"]
    child = client.get(reverse("api-me-record"), {"person": carters.liam.pk}).json()
    assert [c["summary"] for c in child["contacts"]] == ["LIAM-SCHOOL-CONTACT"]


def test_staff_and_anonymous_users_cannot_use_the_portal(client, api, carters):
    for name in PORTAL_OWN:
        assert client.get(reverse(f"portal:{name}")).status_code == 302, name  # to sign in
    client.force_login(carters.social_worker)
    for name in PORTAL_OWN:
        assert client.get(reverse(f"portal:{name}")).status_code == 404, name
    staff_api = api.as_user(carters.social_worker)
    for name in ME_API:
        assert staff_api.get(reverse(name)).status_code == 403, name


def test_citizens_cannot_use_the_staff_pages(client, carters):
    client.force_login(carters.jade_user)
    assert client.get(reverse("portal:staff_invite", args=[carters.jade.pk])).status_code == 404
    assert client.get(reverse("portal:staff_corrections")).status_code == 404
    correction = portal_services.correction_request(
        person=carters.jade, field="family_name", requested_value="Carter-Smith", actor=carters.jade_user
    )
    assert client.get(reverse("portal:staff_correction_decide", args=[correction.pk])).status_code == 404
