"""Synthetic, believable demo data: every name and record here is made up.

Four families with two years of contacts across the demo agencies, assessments that ask the
same questions again, consent grants, an advocate's caseload and one sign-in per role. All
writes go through the services; running it twice changes nothing.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, AssessmentType, ContactType, Role, StaffMembership, UnitCost
from agencies.reference_data import load_reference_data
from consent import services as consent_services
from journeys import services
from journeys.models import Family, Person

DEMO_SEED = 20241
PASSWORD_FILE = Path(settings.BASE_DIR) / "var" / "demo-password.txt"

# Staff sign-ins: username -> (agency code, role, full name, partnership reviewer)
STAFF = {
    "police": ("police", Role.STAFF, "Priya Shah", False),
    "socialcare": ("socialcare", Role.STAFF, "Tom Whitfield", False),
    "healthvisitor": ("healthvisitor", Role.STAFF, "Helen Morris", False),
    "gp": ("gp", Role.STAFF, "Dr Sam Patel", False),
    "school": ("school", Role.STAFF, "Mrs Anna Lewis", False),
    "housing": ("housing", Role.STAFF, "Kwame Mensah", False),
    "jobcentre": ("jobcentre", Role.STAFF, "Rachel Green", False),
    "advocate": ("advocacy", Role.ADVOCATE, "Lou Fenwick", False),
    "advocacymanager": ("advocacy", Role.MANAGER, "Nadia Osei", False),
    "manager": ("socialcare", Role.MANAGER, "Marcus Reid", True),
    "steward": ("partnership", Role.INFORMATION_GOVERNANCE, "Iris Okafor", False),
}


@dataclass(frozen=True)
class DemoPerson:
    key: str
    given: str
    family_name: str
    age_years: int
    relationship: str
    parental_responsibility: bool = False


FAMILIES = {
    "DEMO-001": (
        "The Carter family (demo)",
        [
            DemoPerson("jade", "Jade", "Carter", 31, "parent", True),
            DemoPerson("daniel", "Daniel", "Brooks", 34, "partner", True),
            DemoPerson("liam", "Liam", "Carter", 9, "child"),
            DemoPerson("mia", "Mia", "Carter", 1, "child"),
        ],
    ),
    "DEMO-002": (
        "The Okafor family (demo)",
        [
            DemoPerson("grace", "Grace", "Okafor", 38, "parent", True),
            DemoPerson("tobi", "Tobi", "Okafor", 14, "child"),
            DemoPerson("ada", "Ada", "Okafor", 6, "child"),
        ],
    ),
    "DEMO-003": (
        "The Hughes family (demo)",
        [
            DemoPerson("sean", "Sean", "Hughes", 41, "parent", True),
            DemoPerson("tanya", "Tanya", "Hughes", 39, "parent", True),
            DemoPerson("kyle", "Kyle", "Hughes", 16, "child"),
        ],
    ),
    "DEMO-004": (
        "The Novak family (demo)",
        [
            DemoPerson("petra", "Petra", "Novak", 27, "parent", True),
            DemoPerson("emil", "Emil", "Novak", 3, "child"),
        ],
    ),
}

# Who each agency sees, and what kind of contact it has.
AGENCY_CONTACTS = {
    "police": (
        ["police_domestic_violence_incident", "police_welfare_check", "police_asb_incident_further_action"],
        ["jade", "daniel", "grace", "tobi", "sean", "kyle"],
    ),
    "socialcare": (
        ["social_work_visit", "social_care_referral"],
        ["jade", "liam", "mia", "grace", "ada", "petra"],
    ),
    "healthvisitor": (["health_visitor_visit"], ["jade", "mia", "grace", "emil", "petra"]),
    "gp": (["gp_appointment", "ae_attendance"], ["jade", "daniel", "grace", "tanya", "petra", "emil"]),
    "school": (
        ["school_attendance_meeting", "school_exclusion"],
        ["jade", "liam", "grace", "tobi", "ada", "kyle"],
    ),
    "housing": (["housing_advice", "housing_eviction_notice"], ["jade", "grace", "sean", "petra"]),
    "jobcentre": (
        ["jobcentre_appointment", "benefit_sanction"],
        ["jade", "daniel", "grace", "sean", "petra"],
    ),
}

SUMMARIES = {
    "police_domestic_violence_incident": "Call to the home after a neighbour heard shouting; safety advice.",
    "police_welfare_check": "Welfare check after a missed appointment; all well at the time.",
    "police_asb_incident_further_action": "Complaint of noise and damage near the flats; words of advice.",
    "social_work_visit": "Home visit to review the children's plan and routines.",
    "social_care_referral": "Referral received from school about attendance and home conditions.",
    "health_visitor_visit": "Growth check and feeding support; mum tired, talked about sleep.",
    "gp_appointment": "Appointment about low mood and sleep; review in four weeks.",
    "ae_attendance": "Attended A&E with a minor injury; discharged the same day.",
    "school_attendance_meeting": "Meeting about attendance below 85%; plan agreed with parent.",
    "school_exclusion": "Fixed-term exclusion for two days after an incident in class.",
    "housing_advice": "Advice on rent arrears and damp; repairs requested from landlord.",
    "housing_eviction_notice": "Section 21 notice reported; homelessness prevention duty opened.",
    "jobcentre_appointment": "Work coach appointment; job search and childcare discussed.",
    "benefit_sanction": "Sanction review after a missed appointment; decision reconsidered.",
}

# Assessments (family reference or person key, type code, days ago): pairs ask the same again.
ASSESSMENTS = [
    ("DEMO-001", "early_help", 140),
    ("jade", "housing_needs", 110),
    ("jade", "child_and_family", 95),
    ("liam", "attendance_review", 300),
    ("mia", "new_birth_visit", 330),
    ("jade", "mental_health_triage", 60),
    ("jade", "dash_risk", 40),
    ("grace", "housing_needs", 200),
    ("grace", "child_and_family", 170),
    ("tobi", "youth_justice", 80),
    ("sean", "claimant_commitment", 250),
    ("petra", "new_birth_visit", 500),
]

ANSWERS = {
    "housing_tenure": "Private rented flat, two bedrooms",
    "housing_condition": "Damp in the children's bedroom",
    "housing_overcrowding": "Five people, two bedrooms",
    "housing_arrears": "About £600 behind on rent",
    "housing_risk_of_loss": "Notice served by the landlord",
    "income_sources": "Universal Credit and some part-time work",
    "income_benefits": "Universal Credit, Child Benefit",
    "debt_priority": "Council tax arrears",
    "da_feel_safe": "Mostly, but worried when partner drinks",
}


# Estimated cost of one assessment of each type, in pence (duplicate flags price the later one).
# Illustrative figures for the demo, in the range of published unit-cost estimates.
ASSESSMENT_UNIT_COSTS = {
    "early_help": 42000,
    "child_and_family": 115000,
    "new_birth_visit": 16000,
    "housing_needs": 27000,
    "claimant_commitment": 9000,
    "dash_risk": 14000,
    "attendance_review": 11000,
    "mental_health_triage": 21000,
    "youth_justice": 62000,
    "adult_care_needs": 74000,
}


def _assessment_unit_costs() -> None:
    for assessment_type in AssessmentType.objects.filter(code__in=ASSESSMENT_UNIT_COSTS):
        UnitCost.objects.get_or_create(
            assessment_type=assessment_type,
            defaults={
                "cost_pence": ASSESSMENT_UNIT_COSTS[assessment_type.code],
                "unit": "per assessment",
                "price_year": "2024/25",
                "source": "Illustrative demo estimate (staff time and overheads); not an official figure.",
            },
        )


def demo_password() -> tuple[str, bool]:
    """DEMO_PASSWORD if set; otherwise one made once and kept beside the database."""
    if settings.DEMO_PASSWORD:
        return settings.DEMO_PASSWORD, False
    if PASSWORD_FILE.exists():
        return PASSWORD_FILE.read_text().strip(), False
    PASSWORD_FILE.parent.mkdir(parents=True, exist_ok=True)
    password = "demo-" + secrets.token_urlsafe(9)
    PASSWORD_FILE.write_text(password + "\n")
    return password, True


def _user(username: str, full_name: str, password: str, **flags):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        first, _, last = full_name.partition(" ")
        user = User.objects.create_user(
            username, password=password, first_name=first, last_name=last, **flags
        )
    return user


def _birthday(today: date, years: int, rng: random.Random) -> date:
    return today - timedelta(days=years * 365 + rng.randint(10, 300))


@transaction.atomic
def seed(*, password: str) -> dict[str, str]:
    """Create the demo once. Returns the sign-ins as {username: what they see}."""
    agencies = load_reference_data()
    _assessment_unit_costs()
    from .advocacy_demo import load_reference_unit_costs

    load_reference_unit_costs()
    users = {}
    for username, (agency_code, role, full_name, reviewer) in STAFF.items():
        user = _user(username, full_name, password)
        StaffMembership.objects.get_or_create(
            user=user,
            defaults={"agency": agencies[agency_code], "role": role, "partnership_reviewer": reviewer},
        )
        users[username] = user
    users["admin"] = _user("admin", "Ada Admin", password, is_staff=True, is_superuser=True)
    if not Family.objects.filter(reference="DEMO-001").exists():
        _seed_case_data(agencies, users, password)
    return {
        **{
            name: f"{agencies[code].name} ({role.label.lower()})"
            for name, (code, role, _, _) in STAFF.items()
        },
        "citizen": "Jade Carter, a parent in the Carter family",
        "admin": "Administrator (configuration)",
    }


def _seed_case_data(agencies: dict[str, Agency], users: dict, password: str) -> None:
    rng = random.Random(DEMO_SEED)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    today = timezone.localdate()
    system = users["admin"]
    people: dict[str, Person] = {}
    families: dict[str, Family] = {}
    for reference, (label, members) in FAMILIES.items():
        family = services.family_create(label=label, reference=reference, actor=system)
        families[reference] = family
        for member in members:
            people[member.key] = services.person_create(
                given_name=member.given,
                family_name=member.family_name,
                date_of_birth=_birthday(today, member.age_years, rng),
                family=family,
                relationship=member.relationship,
                parental_responsibility=member.parental_responsibility,
                actor=system,
                agency=agencies["socialcare"],
                phone=f"07700 900{rng.randint(100, 999)}" if member.age_years >= 16 else "",
            )
    family_of = {m.key: ref for ref, (_, members) in FAMILIES.items() for m in members}

    # Two years of contacts: every agency meets both Jade (who consents) and Grace (who does not).
    types = {t.code: t for t in ContactType.objects.all()}
    items = []
    for agency_code, (type_codes, keys) in AGENCY_CONTACTS.items():
        for key in keys:
            for n in range(rng.randint(3, 9)):
                code = rng.choice(type_codes)
                sensitive = code == "police_domestic_violence_incident"
                items.append(
                    {
                        "agency": agencies[agency_code],
                        "persons": [people[key]],
                        "family": families[family_of[key]],
                        "contact_type": types[code],
                        "occurred_at": now - timedelta(days=rng.randint(1, 730), hours=rng.randint(0, 8)),
                        "channel": rng.choice(["in_person", "phone", "home_visit"]),
                        "duration_minutes": rng.choice([15, 30, 45, 60]),
                        "summary": SUMMARIES[code],
                        "demand_type": rng.choice(["value", "failure", "unknown"]),
                        "sensitivity": "domestic_abuse" if sensitive else "general",
                        "recorded_by": users.get(agency_code),
                        "external_id": f"demo-{agency_code}-{key}-{n}",
                    }
                )
    services.contacts_record(items=items, actor=system)

    for subject, type_code, days_ago in ASSESSMENTS:
        assessment_type = AssessmentType.objects.get(code=type_code)
        is_family = subject in families
        services.assessment_record(
            assessment_type=assessment_type,
            subject_family=families[subject] if is_family else None,
            subject_person=None if is_family else people[subject],
            completed_at=now - timedelta(days=days_ago),
            answers=[
                {"question": q.code, "value": ANSWERS.get(q.code, "Discussed; see notes")}
                for q in assessment_type.questions.all()
            ],
            actor=users.get(assessment_type.agency.code, system),
        )

    # Jade shares her contacts and assessments with every agency; Grace with none.
    jade = people["jade"]
    for agency in agencies.values():
        consent_services.consent_grant(
            subject=jade,
            agency=agency,
            categories=["contacts", "assessments", "notes"],
            labels=["general", "domestic_abuse"]
            if agency.code in ("advocacy", "socialcare")
            else ["general"],
            method="advocate_witnessed",
            purpose="So that agencies work together and stop asking the same questions.",
            # The Jobcentre's ends soon, so the portal's reminder and renewal can be seen.
            expires_at=now + timedelta(days=21) if agency.code == "jobcentre" else None,
            actor=users["advocate"],
        )
    for child in ("liam", "mia"):
        consent_services.consent_grant(
            subject=people[child],
            agency=agencies["advocacy"],
            given_by=jade,
            categories=["contacts", "assessments", "notes"],
            method="advocate_witnessed",
            actor=users["advocate"],
        )

    # Rule 6 in the portal: a record the police keep back from Jade, who is told that one exists.
    services.contact_record(
        agency=agencies["police"],
        persons=[jade],
        family=families["DEMO-001"],
        contact_type=types["police_welfare_check"],
        occurred_at=now - timedelta(days=12),
        channel="phone",
        summary="A neighbour rang with worries about the family; kept back to protect the caller.",
        withheld_from_subject=True,
        withheld_reason="Telling the family would reveal who called.",
        withheld_existence_shown=True,
        recorded_by=users["police"],
        external_id="demo-police-jade-withheld",
        actor=system,
    )

    from .advocacy_demo import seed_advocacy

    seed_advocacy(families=families, people=people, agencies=agencies, users=users)

    citizen = _user("citizen", "Jade Carter", password)
    Person.objects.filter(pk=jade.pk).update(user=citizen, email="jade.carter@example.invalid")
