"""The permission matrix: every role x every consent state x every page and endpoint that
returns case data. Expectations come from a small oracle written here from DESIGN.md's rules,
not from consent/policy.py, and every record carries a marker so that a leak shows as a marker
in a response where the oracle says it must not be.

The matrix also fails when a route is added without being listed here (see
test_every_route_is_in_the_matrix): list it as case data with a check, or say why it is not."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Role, Sector
from tests.factories import (
    AgencyFactory,
    AnswerFactory,
    AssessmentFactory,
    AssessmentTypeFactory,
    AssignmentFactory,
    BreakGlassFactory,
    ConsentGrantFactory,
    ContactFactory,
    FamilyFactory,
    MembershipFactory,
    PersonFactory,
    UserFactory,
    staff_user,
)

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
        return {AC} | shared  # rule 3: knows assigned families; own agency's records
    return None


def expected_grants(role: str, state: str) -> set[str]:
    if state not in GRANT_STATES:
        return set()
    if role in ("citizen_self", "citizen_parent", "advocate_assigned"):
        return {GRANT_C, GRANT_A}
    if role in ("staff_consented", "manager_consented") and state in ("active", "wrong_category"):
        return {GRANT_C}
    return set()


def expected_own_list(role: str) -> set[str]:
    return {
        "staff_recording": {RC, RC_MH, RC_WITHHELD, RA},
        "staff_unconsented": {UC},
        "advocate_assigned": {AC},
    }.get(role, set())


# The world --------------------------------------------------------------------------------


@dataclass
class World:
    users: dict
    subject: object
    family: object
    grant_c: object | None
    grant_a: object | None
    agency_id: int


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

    ContactFactory(agency=recording, persons=[subject], summary=RC)
    ContactFactory(agency=recording, persons=[subject], summary=RC_MH, sensitivity="mental_health")
    ContactFactory(
        agency=recording,
        persons=[subject],
        summary=RC_WITHHELD,
        withheld_from_subject=True,
        withheld_reason="Telling would put someone at risk.",
    )
    AnswerFactory(
        assessment=AssessmentFactory(
            assessment_type=AssessmentTypeFactory(agency=recording), subject_person=subject
        ),
        value=RA,
    )
    ContactFactory(agency=unconsented, persons=[subject], summary=UC)
    ContactFactory(agency=advocacy, persons=[subject], summary=AC)

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
    return World(users, subject, family, grants.get("c"), grants.get("a"), consented.pk)


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
    "portal_staff:invite",
    "portal_staff:corrections",
    "portal_staff:correction_decide",
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
    "duplicate-flag-review",
    "duplicates:dashboard",
    "duplicates:export",
    "duplicates:queue",
    "duplicates:rescan",
    "duplicates:rescan_progress",
    "duplicates:review",
    "assessments:record",
    "person-reusable-answers",
]
for _name in LEAK_ONLY_ROUTES:
    CASE_DATA_ROUTES[_name] = ("leak", "get", ANY, None)


def pattern_path(world, name: str) -> str:
    """The route's path with the subject's ids (any other id is one that does not exist)."""
    values = {
        "person_id": world.subject.pk,
        "grant_id": world.grant_c.pk if world.grant_c else 999999,
        "agency_id": world.agency_id,
        "family_id": world.family.pk,
        "token": "not-a-token",
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
    "agencies:api_clients": "a manager's API clients of their agency: test_api_clients.py",
    "agencies:api_client_token": "a manager's API clients of their agency: test_api_clients.py",
    "agencies:api_client_revoke": "a manager's API clients of their agency: test_api_clients.py",
    "two_step:manage": "the viewer's own second factor: test_two_step.py",
    "two_step:verify": "the viewer's own second factor: test_two_step.py",
    "two_step:set_up": "the viewer's own second factor: test_two_step.py",
    "two_step:recovery_codes": "the viewer's own second factor: test_two_step.py",
    "two_step:turn_off": "the viewer's own second factor: test_two_step.py",
    "two_step:reset": "information governance's reset of an account's factor: test_two_step.py",
}


def route_names() -> set[str]:
    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue  # Django admin: configuration, staff superusers only
                inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
                yield from walk(p.url_patterns, inner)
            elif isinstance(p, URLPattern):
                yield f"{namespace}{p.name}" if p.name else f"<unnamed {p.pattern}>"

    return set(walk(get_resolver().url_patterns))


def test_every_route_is_in_the_matrix():
    unlisted = route_names() - set(CASE_DATA_ROUTES) - set(NOT_CASE_DATA)
    assert not unlisted, (
        f"Routes not in the permission matrix: {sorted(unlisted)}. Add each to CASE_DATA_ROUTES "
        "with a check, or to NOT_CASE_DATA with the reason it shows no case data."
    )
    assert not (set(CASE_DATA_ROUTES) | set(NOT_CASE_DATA)) - route_names(), (
        "the matrix lists a route that is gone"
    )


def may_use(role: str, who: str) -> bool:
    if who == ANY:
        return role != "administrator" or True
    if who == STAFF_ONLY:
        return role in STAFF
    if who == NOT_ADVOCATE:
        return role in STAFF and not role.startswith("advocate")
    return role in STAFF or role in CITIZENS


BREAK_GLASS_REASON = "The police found the child alone at night and we need to know who cares for them."


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_no_leaks(role, state):
    world = build_world(state)
    client = APIClient()
    client.force_login(world.users[role])
    record = expected_record(role, state)
    grants = expected_grants(role, state)
    problems = []
    for name, (kind, method, who, make_path) in CASE_DATA_ROUTES.items():
        if kind == "grant" and world.grant_c is None:
            continue  # no grant to address in this state; consent-list still runs below
        path = make_path(world) if make_path else pattern_path(world, name)
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
            problems.append(f"{where}: server error")
            continue
        if kind == "record":
            shown = {m for m in RECORD_MARKERS if m in text}
            want = record if allowed and record is not None else set()
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
            if allowed and not known and "<int:" not in name and status == 403:
                problems.append(f"{where}: a person the caller may not know of must be a 404")
        elif kind == "grant":
            shown = {m for m in (GRANT_C, GRANT_A) if m in text}
            want = grants if allowed else set()
            if name != "consent-list":
                want &= {GRANT_C}
            if method == "post":
                revoked_ok = status == 200
                may_revoke = GRANT_C in grants and allowed and state != "revoked"
                if revoked_ok != may_revoke:
                    problems.append(f"{where}: revoke {'allowed' if revoked_ok else 'refused'}")
                continue
            if shown != want:
                problems.append(f"{where}: grants shown {sorted(shown)}, expected {sorted(want)}")
            if allowed and GRANT_C not in want and name != "consent-list" and status != 404:
                problems.append(f"{where}: expected 404")
        elif kind == "leak":
            shown = {m for m in RECORD_MARKERS if m in text}
            if not shown <= (record or set()):
                problems.append(f"{where}: shown {sorted(shown - (record or set()))}")
            if SURNAME in text and record is None:
                problems.append(f"{where}: subject revealed")
            leaked = {m for m in (GRANT_C, GRANT_A) if m in text} - grants
            if leaked:
                problems.append(f"{where}: grants shown {sorted(leaked)}")
        elif kind == "own":
            shown = {m for m in RECORD_MARKERS if m in text}
            want = expected_own_list(role) & (
                {RC, RC_MH, RC_WITHHELD, UC, AC} if name == "contact-list" else {RA}
            )
            if shown != want:
                problems.append(f"{where}: shown {sorted(shown)}, expected {sorted(want)}")
    if world.grant_c is None:
        response = client.get("/api/v1/consents/")
        shown = {m for m in (GRANT_C, GRANT_A) if m in response.content.decode()}
        if shown:
            problems.append(f"consent-list as {role}, consent {state}: grants shown {sorted(shown)}")
    assert not problems, "\n".join(problems)
