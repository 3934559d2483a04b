"""A synthetic county for benchmarks: every name, number and record here is made up.

This is a bulk loader, not a user of the services: it writes rows straight into the tables
(COPY on PostgreSQL, batched INSERTs elsewhere) so that 20,000 families load in minutes, and so it
writes no audit entries and schedules no tasks. It still respects every database constraint.

The same seed always gives the same data: each family draws from its own `random.Random` seeded
with (seed, family number), and all dates count back from a fixed epoch, never from today. The
checksum covers the content (codes, references, times), not the database ids, so it matches
between runs whatever ids the tables had already handed out.
"""

from __future__ import annotations

import hashlib
import math
from bisect import bisect
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from itertools import accumulate
from random import Random
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction

from advocates.models import Assignment
from agencies.models import (
    Agency,
    AssessmentType,
    ContactType,
    Question,
    Role,
    Sector,
    StaffMembership,
    UnitCost,
)
from agencies.reference_data import ASSESSMENT_TYPES, CONTACT_TYPES, DEMO_AGENCIES, load_reference_data
from consent.models import ConsentGrant
from journeys.models import (
    Answer,
    Assessment,
    Contact,
    Family,
    Membership,
    Person,
    PersonIdentifier,
    question_ids_text,
)

from .demo import SUMMARIES as DEMO_SUMMARIES

# The end of the two-year window every synthetic record falls in.
EPOCH = datetime(2026, 11, 1, tzinfo=UTC)
WINDOW_DAYS = 730
# Consent given in the window's last year runs this long, so benchmarks run today meet active grants.
STANDING_CONSENT = timedelta(days=3 * 365)

# The demo's agencies plus these make a county of 27 agencies across every sector.
EXTRA_AGENCIES = [
    ("adultcare", "Adult Social Care", Sector.ADULT_SOCIAL_CARE),
    ("hospital", "Vale General Hospital", Sector.HOSPITAL),
    ("maternity", "Vale Maternity Unit", Sector.HOSPITAL),
    ("cmht", "Community Mental Health Team", Sector.MENTAL_HEALTH),
    ("camhs", "Children and Young People's Mental Health Service", Sector.MENTAL_HEALTH),
    ("schoolnursing", "School Nursing Service", Sector.HEALTH_VISITING),
    ("northgate", "Northgate Medical Centre", Sector.GP),
    ("brookfield", "Brookfield Academy", Sector.EDUCATION),
    ("ews", "Education Welfare Service", Sector.EDUCATION),
    ("send", "SEND Assessment Team", Sector.EDUCATION),
    ("valehomes", "Vale Homes Housing Association", Sector.HOUSING),
    ("skills", "Adult Skills and Employment Hub", Sector.EMPLOYMENT),
    ("yjs", "Youth Justice Service", Sector.YOUTH_JUSTICE),
    ("probation", "Probation Service", Sector.PROBATION),
    ("fire", "Fire and Rescue Service", Sector.FIRE),
    ("refuge", "Safe Haven Domestic Abuse Service", Sector.VOLUNTARY),
    ("recovery", "Pathways Drug and Alcohol Service", Sector.VOLUNTARY),
    ("foodbank", "Vale Food Bank", Sector.VOLUNTARY),
    ("debtadvice", "Community Debt Advice", Sector.OTHER),
]
AGENCIES = DEMO_AGENCIES + EXTRA_AGENCIES
ADVOCACY = "advocacy"

# (code, label, sector, sensitivity, summary) added to the demo's contact types.
EXTRA_CONTACT_TYPES = [
    ("police_missing_person", "Missing person report", Sector.POLICE, "general",
     "Reported missing overnight; found safe and return interview offered."),
    ("adult_care_visit", "Adult social care visit", Sector.ADULT_SOCIAL_CARE, "general",
     "Visit to review care needs and support at home."),
    ("maternity_appointment", "Maternity appointment", Sector.HOSPITAL, "general",
     "Antenatal check; booked scan and talked about support at home."),
    ("sexual_health_clinic", "Sexual health clinic visit", Sector.HOSPITAL, "sexual_health",
     "Clinic visit; advice given and follow-up arranged."),
    ("mental_health_appointment", "Mental health appointment", Sector.MENTAL_HEALTH, "mental_health",
     "Appointment about mood and anxiety; plan reviewed."),
    ("crisis_team_contact", "Crisis team contact", Sector.MENTAL_HEALTH, "mental_health",
     "Crisis call; safety plan agreed and follow-up next day."),
    ("school_nurse_drop_in", "School nurse drop-in", Sector.HEALTH_VISITING, "general",
     "Drop-in about sleep and worries at home."),
    ("youth_justice_session", "Youth justice session", Sector.YOUTH_JUSTICE, "offending",
     "Session on the referral order; attended with a parent."),
    ("probation_supervision", "Probation supervision", Sector.PROBATION, "offending",
     "Supervision appointment; licence conditions discussed."),
    ("fire_safety_visit", "Home fire safety visit", Sector.FIRE, "general",
     "Smoke alarms fitted and an escape plan agreed."),
    ("refuge_support_session", "Domestic abuse support session", Sector.VOLUNTARY, "domestic_abuse",
     "Support session; safety plan and refuge options discussed."),
    ("recovery_keywork", "Drug and alcohol key-work session", Sector.VOLUNTARY, "substance_use",
     "Key-work session; cutting down plan reviewed."),
    ("food_bank_referral", "Food bank referral", Sector.VOLUNTARY, "general",
     "Food parcel provided after a gap in Universal Credit."),
    ("debt_advice_session", "Debt advice session", Sector.OTHER, "general",
     "Priority debts listed; breathing space applied for."),
]  # fmt: skip
CONTACT_SENSITIVITY = {
    "police_domestic_violence_incident": "domestic_abuse",
    **{code: sensitivity for code, _, _, sensitivity, _ in EXTRA_CONTACT_TYPES},
}
SUMMARIES = {
    **DEMO_SUMMARIES,
    "advocate_visit": "Advocate visit at home; went through the week's appointments together.",
    "case_conference": "Case conference with the family and the agencies working with them.",
    **{code: summary for code, _, _, _, summary in EXTRA_CONTACT_TYPES},
}

# Which contact types each agency records, and how often a family meets it (relative weight).
AGENCY_CONTACTS = {
    "police": (8, ["police_domestic_violence_incident", "police_asb_incident_further_action",
                   "police_welfare_check", "police_missing_person"]),
    "socialcare": (7, ["social_work_visit", "social_care_referral"]),
    "healthvisitor": (4, ["health_visitor_visit"]),
    "gp": (7, ["gp_appointment"]),
    "school": (6, ["school_attendance_meeting", "school_exclusion"]),
    "housing": (4, ["housing_advice", "housing_eviction_notice"]),
    "jobcentre": (4, ["jobcentre_appointment", "benefit_sanction"]),
    "advocacy": (6, ["advocate_visit", "case_conference"]),
    "adultcare": (2, ["adult_care_visit"]),
    "hospital": (5, ["ae_attendance", "sexual_health_clinic"]),
    "maternity": (2, ["maternity_appointment"]),
    "cmht": (3, ["mental_health_appointment", "crisis_team_contact"]),
    "camhs": (2, ["mental_health_appointment", "crisis_team_contact"]),
    "schoolnursing": (2, ["school_nurse_drop_in"]),
    "northgate": (5, ["gp_appointment"]),
    "brookfield": (5, ["school_attendance_meeting", "school_exclusion"]),
    "ews": (2, ["school_attendance_meeting"]),
    "send": (1, ["school_attendance_meeting"]),
    "valehomes": (3, ["housing_advice", "housing_eviction_notice"]),
    "skills": (1, ["jobcentre_appointment"]),
    "yjs": (2, ["youth_justice_session"]),
    "probation": (2, ["probation_supervision"]),
    "fire": (1, ["fire_safety_visit"]),
    "refuge": (2, ["refuge_support_session"]),
    "recovery": (2, ["recovery_keywork"]),
    "foodbank": (2, ["food_bank_referral"]),
    "debtadvice": (1, ["debt_advice_session"]),
}  # fmt: skip

# Agency-specific forms, mapped onto the shared question bank like the demo's.
EXTRA_ASSESSMENT_TYPES = [
    ("carers_assessment", "Carer's assessment", "adultcare", "person",
     ["disability_carer", "disability_care", "health_conditions", "mental_health_mood",
      "mental_health_sleep", "income_benefits", "parenting_support_network", "employment_status"]),
    ("ae_safeguarding", "A&E safeguarding screen", "hospital", "person",
     ["da_feel_safe", "da_injuries", "mental_health_self_harm", "substance_alcohol", "substance_drugs",
      "health_hospital_visits", "health_gp_registered"]),
    ("maternity_booking", "Maternity booking assessment", "maternity", "person",
     ["health_conditions", "health_medication", "health_gp_registered", "mental_health_mood",
      "mental_health_diagnosis", "da_feel_safe", "substance_smoking", "substance_alcohol",
      "housing_condition", "parenting_support_network", "income_sources"]),
    ("cmht_assessment", "Community mental health assessment", "cmht", "person",
     ["mental_health_mood", "mental_health_diagnosis", "mental_health_support", "mental_health_self_harm",
      "mental_health_sleep", "substance_alcohol", "substance_drugs", "housing_tenure", "employment_status",
      "da_feel_safe", "health_medication"]),
    ("camhs_choice", "CAMHS choice appointment", "camhs", "person",
     ["mental_health_mood", "mental_health_self_harm", "mental_health_sleep", "education_attendance",
      "education_engagement", "child_behaviour", "parenting_relationships", "da_feel_safe"]),
    ("school_health_review", "School nurse health review", "schoolnursing", "person",
     ["health_immunisations", "health_conditions", "health_gp_registered", "mental_health_mood",
      "child_behaviour", "education_attendance", "substance_smoking"]),
    ("new_patient_check", "New patient health check", "northgate", "person",
     ["health_gp_registered", "health_conditions", "health_medication", "substance_alcohol",
      "substance_smoking", "mental_health_mood", "disability_any"]),
    ("pastoral_review", "Pastoral support plan review", "brookfield", "person",
     ["education_attendance", "education_exclusions", "education_engagement", "education_sen",
      "child_behaviour", "parenting_boundaries", "offending_peers", "mental_health_mood"]),
    ("attendance_legal", "Attendance legal-intervention assessment", "ews", "person",
     ["education_school", "education_attendance", "education_exclusions", "parenting_routines",
      "parenting_boundaries", "housing_tenure", "health_conditions"]),
    ("ehc_needs", "EHC needs assessment", "send", "person",
     ["education_sen", "education_school", "child_milestones", "child_speech", "child_behaviour",
      "child_play", "health_conditions", "disability_any", "disability_care", "parenting_support_network"]),
    ("tenancy_sustainment", "Tenancy sustainment assessment", "valehomes", "person",
     ["housing_tenure", "housing_condition", "housing_overcrowding", "housing_arrears",
      "housing_risk_of_loss", "income_sources", "income_benefits", "debt_priority", "debt_other",
      "offending_asb", "mental_health_mood"]),
    ("skills_check", "Skills and work check", "skills", "person",
     ["employment_status", "employment_history", "employment_barriers", "employment_skills",
      "employment_childcare", "income_sources", "disability_any", "health_conditions"]),
    ("asset_plus", "Youth justice AssetPlus assessment", "yjs", "person",
     ["offending_current", "offending_history", "offending_victim", "offending_peers",
      "education_attendance", "education_exclusions", "substance_drugs", "mental_health_mood",
      "parenting_boundaries", "parenting_relationships"]),
    ("probation_risk", "Probation risk and needs assessment", "probation", "person",
     ["offending_current", "offending_history", "offending_victim", "offending_asb", "substance_alcohol",
      "substance_drugs", "housing_tenure", "employment_status", "da_afraid", "da_controlling",
      "mental_health_mood"]),
    ("home_fire_safety", "Home fire safety check", "fire", "family",
     ["housing_condition", "housing_overcrowding", "substance_smoking", "substance_alcohol",
      "disability_any", "disability_adaptations"]),
    ("refuge_needs", "Refuge needs and risk assessment", "refuge", "person",
     ["da_feel_safe", "da_afraid", "da_injuries", "da_controlling", "da_previous_reports",
      "housing_risk_of_loss", "income_sources", "mental_health_mood", "parenting_contact",
      "substance_alcohol"]),
    ("recovery_assessment", "Drug and alcohol comprehensive assessment", "recovery", "person",
     ["substance_alcohol", "substance_drugs", "substance_treatment", "substance_impact",
      "substance_smoking", "mental_health_mood", "mental_health_self_harm", "offending_history",
      "housing_tenure", "health_conditions"]),
    ("food_bank_check", "Food bank eligibility check", "foodbank", "family",
     ["income_sources", "income_benefits", "income_food", "debt_priority", "housing_tenure"]),
    ("debt_advice_review", "Debt and money advice review", "debtadvice", "person",
     ["income_sources", "income_benefits", "debt_priority", "debt_other", "income_food",
      "housing_arrears", "employment_status"]),
]  # fmt: skip
CHILD_ASSESSMENTS = {
    "child_and_family",
    "new_birth_visit",
    "attendance_review",
    "youth_justice",
    "camhs_choice",
    "school_health_review",
    "pastoral_review",
    "attendance_legal",
    "ehc_needs",
    "asset_plus",
}
ASSESSMENT_SENSITIVITY = {
    "dash_risk": "domestic_abuse",
    "refuge_needs": "domestic_abuse",
    "mental_health_triage": "mental_health",
    "cmht_assessment": "mental_health",
    "camhs_choice": "mental_health",
    "youth_justice": "offending",
    "asset_plus": "offending",
    "probation_risk": "offending",
    "recovery_assessment": "substance_use",
}
ANSWER_VALUES = [
    "Yes",
    "No",
    "Sometimes",
    "Not known",
    "Declined to answer",
    "Discussed; see notes",
    "Better than last time",
    "Worse than last time",
    "Getting support already",
]

# Estimated cost of one contact by the recording agency's sector, in pence; an assessment
# costs four contacts. Synthetic figures of the right order, for pricing benchmarks only.
SECTOR_COST = {
    Sector.POLICE: 25000, Sector.CHILDRENS_SOCIAL_CARE: 18000, Sector.ADULT_SOCIAL_CARE: 16000,
    Sector.HEALTH_VISITING: 8000, Sector.GP: 4200, Sector.HOSPITAL: 22000, Sector.MENTAL_HEALTH: 15000,
    Sector.EDUCATION: 6000, Sector.HOUSING: 9000, Sector.EMPLOYMENT: 4500, Sector.YOUTH_JUSTICE: 12000,
    Sector.PROBATION: 11000, Sector.FIRE: 15000, Sector.ADVOCACY: 7000, Sector.VOLUNTARY: 4000,
    Sector.OTHER: 5000,
}  # fmt: skip

GIVEN_ADULT = [
    "Amira", "Bethany", "Callum", "Dionne", "Eamon", "Farah", "Gareth", "Hollie", "Imran", "Jodie",
    "Kieran", "Leanne", "Marek", "Nadia", "Owen", "Paige", "Rhys", "Shannon", "Tariq", "Vicky", "Wayne",
    "Zara", "Carl", "Kerry", "Lee", "Stacey", "Dean", "Gemma",
]  # fmt: skip
GIVEN_CHILD = [
    "Aiden", "Bella", "Cody", "Daisy", "Ellis", "Freya", "Harvey", "Isla", "Jayden", "Kacey", "Leo",
    "Maisie", "Noah", "Olivia", "Riley", "Sienna", "Tyler", "Willow", "Alfie", "Evie", "Kai", "Lola",
    "Mason", "Ruby", "Archie", "Poppy",
]  # fmt: skip
SURNAMES = [
    "Ashdown", "Birchall", "Copley", "Dunmore", "Ellwood", "Fenby", "Garside", "Hebden", "Ibbotson",
    "Jessop", "Kershaw", "Lumb", "Marsden", "Nuttall", "Ormerod", "Pickles", "Rushworth", "Sutcliffe",
    "Thwaite", "Uttley", "Varley", "Whitworth", "Yeadon", "Holroyd", "Crabtree", "Greenwood", "Haigh",
    "Midgley", "Oddy", "Priestley", "Shackleton", "Tordoff",
]  # fmt: skip
STREETS = [
    "Mill Lane",
    "Chapel Street",
    "Moor Road",
    "Canal Side",
    "Beck View",
    "Quarry Close",
    "Foundry Walk",
    "Weavers Court",
    "Tenter Row",
    "Dyehouse Lane",
]
TOWNS = ["Northvale", "Easterby", "Southmoor", "Westhaugh", "Millbridge"]

CHANNELS = ["in_person", "home_visit", "phone", "video", "letter", "email", "other"]
CHANNEL_WEIGHTS = list(accumulate([30, 20, 30, 5, 6, 8, 1]))
DEMAND = ["value", "failure", "unknown"]
DEMAND_WEIGHTS = list(accumulate([50, 35, 15]))
VIA = ["agency", "advocate", "citizen", "import"]
VIA_WEIGHTS = list(accumulate([80, 0, 3, 17]))
VIA_WEIGHTS_ADVOCATED = list(accumulate([60, 25, 3, 12]))
FAMILY_SIZES = [2, 3, 4, 5, 6]
FAMILY_SIZE_WEIGHTS = list(accumulate([20, 30, 25, 15, 10]))
CATEGORY_SETS = [
    ["contacts", "assessments"],
    ["contacts", "assessments", "notes"],
    ["assessments"],
    ["contacts", "assessments", "notes", "contact_details"],
]
LABEL_SETS = [
    ["general"],
    ["general"],
    ["general", "domestic_abuse"],
    ["general", "mental_health"],
    ["general", "mental_health", "substance_use", "domestic_abuse"],
]
METHODS = ["in_person", "portal", "advocate_witnessed", "written", "phone"]
WITHHELD_REASON = "Telling the subject would put another person at risk."

# Contacts per family: lognormal, so most have a few dozen and some hundreds (median about 55).
CONTACTS_MU = math.log(55)
CONTACTS_SIGMA = 1.15
CONTACTS_MIN, CONTACTS_MAX = 3, 3000
CASELOAD = 15  # families per advocate

# The tables filled, in the order their rows reference each other, with the columns named.
TABLES = {
    "family": (Family, ("id", "reference", "label", "registered_by_id", "created_at")),
    "person": (
        Person,
        ("id", "given_name", "family_name", "preferred_name", "date_of_birth", "phone", "email",
         "address", "registered_by_id", "created_at"),
    ),
    "membership": (
        Membership, ("person_id", "family_id", "relationship", "parental_responsibility", "started", "ended")
    ),
    "identifier": (PersonIdentifier, ("person_id", "scheme", "value")),
    "contact": (
        Contact,
        ("id", "family_id", "agency_id", "recording_agency_id", "contact_type_id", "occurred_at", "channel",
         "duration_minutes",
         "summary", "purpose", "outcome", "demand_type", "sensitivity", "recorded_via", "external_id",
         "withheld_from_subject", "withheld_reason", "withheld_existence_shown", "created_at"),
    ),
    "contact_person": (Contact.persons.through, ("contact_id", "person_id")),
    "assessment": (
        Assessment,
        ("id", "assessment_type_id", "agency_id", "recording_agency_id", "subject_person_id",
         "subject_family_id", "started_at",
         "completed_at", "sensitivity", "withheld_from_subject", "withheld_reason",
         "withheld_existence_shown", "created_at", "question_ids"),
    ),
    "answer": (Answer, ("assessment_id", "question_id", "value")),
    "consent": (
        ConsentGrant,
        ("subject_id", "agency_id", "categories", "labels", "purpose", "given_by_id", "method",
         "valid_from", "expires_at", "revoked_at", "revoke_reason", "created_at"),
    ),
    "assignment": (Assignment, ("advocate_id", "family_id", "started", "ended", "lead")),
}  # fmt: skip
# Tables whose ids the generator hands out itself, so rows can point at them without a round trip.
ID_TABLES = ("family", "person", "contact", "assessment")


class AlreadyLoaded(Exception):
    """The synthetic county of this seed is already in the database."""


def reference_prefix(seed: int) -> str:
    return f"SYN{seed}-"


def nhs_number(stem: int) -> str | None:
    """Ten digits from a nine-digit stem and its modulus-11 check digit; None where none exists."""
    digits = str(stem)
    check = 11 - sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
    if check == 10:
        return None
    return digits + str(check % 11)


@dataclass(frozen=True)
class AgencyInfo:
    id: int
    code: str
    weight: int
    contact_types: tuple[tuple[int, str, str, str], ...]  # (id, code, sensitivity, summary)
    assessment_types: tuple[AssessmentTypeInfo, ...]


@dataclass(frozen=True)
class AssessmentTypeInfo:
    id: int
    code: str
    agency_id: int
    family_level: bool
    for_children: bool
    sensitivity: str
    question_ids: tuple[int, ...]

    @cached_property
    def question_ids_text(self) -> str:
        """Assessment.question_ids of one of these: every question asked afresh."""
        return question_ids_text((q, False) for q in self.question_ids)


@dataclass(frozen=True)
class County:
    """The configuration the families draw from, by id, in code order so draws never depend on ids."""

    agencies: tuple[AgencyInfo, ...]
    advocacy: AgencyInfo
    advocate_ids: tuple[int, ...]


@dataclass
class Summary:
    """What was generated: rows per table and a checksum over the content."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    contacts_per_family: list[int] = field(default_factory=list)
    digest: Any = field(default_factory=hashlib.sha256)

    @property
    def checksum(self) -> str:
        return self.digest.hexdigest()


class Ids:
    """Hands out ids above the highest each table already holds."""

    def __init__(self, bases: dict[str, int]):
        self.next = {table: base + 1 for table, base in bases.items()}

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


@dataclass
class Member:
    id: int
    index: int
    age: int
    adult: bool
    parental_responsibility: bool


class FamilyGenerator:
    """Makes one family's rows at a time into per-table lists."""

    def __init__(self, county: County, seed: int, ids: Ids, taken: dict[str, set[str]], summary: Summary):
        self.county = county
        self.seed = seed
        self.ids = ids
        self.taken = taken
        self.summary = summary
        self.prefix = reference_prefix(seed)
        self.epoch_day = EPOCH.date()
        self.agency_weights = [a.weight for a in county.agencies]

    def family(self, index: int, rows: dict[str, list[tuple]]) -> None:
        rng = Random(f"{self.seed}/{index}")
        reference = f"{self.prefix}{index:06d}"
        n_contacts = max(
            CONTACTS_MIN, min(CONTACTS_MAX, int(rng.lognormvariate(CONTACTS_MU, CONTACTS_SIGMA)))
        )
        advocated = (n_contacts >= 300 and rng.random() < 0.6) or rng.random() < 0.005
        agencies = self._agencies(rng, advocated)
        family_id = self.ids.take("family")
        surname = rng.choice(SURNAMES)
        created = EPOCH - timedelta(days=WINDOW_DAYS + rng.randint(1, 365))
        registered_by = rng.choice(agencies).id
        rows["family"].append((family_id, reference, f"The {surname} family", registered_by, created))
        members = self._members(rng, family_id, surname, agencies, created, rows)
        digest = [reference, *(str(m.age) for m in members)]
        self._contacts(rng, family_id, n_contacts, agencies, members, advocated, digest, rows)
        self._assessments(rng, family_id, n_contacts, agencies, members, digest, rows)
        self._consents(rng, agencies, members, advocated, rows)
        if advocated:
            self._assignments(rng, family_id, rows)
        self.summary.contacts_per_family.append(n_contacts)
        self.summary.digest.update("\n".join(digest).encode())

    def _agencies(self, rng: Random, advocated: bool) -> list[AgencyInfo]:
        """The agencies this family meets: a handful, the common ones more often."""
        chosen: dict[str, AgencyInfo] = {}
        for agency in rng.choices(self.county.agencies, weights=self.agency_weights, k=rng.randint(5, 14)):
            chosen[agency.code] = agency
        chosen.pop(ADVOCACY, None)
        if advocated:
            chosen[ADVOCACY] = self.county.advocacy
        return list(chosen.values())

    def _members(self, rng, family_id, surname, agencies, created, rows) -> list[Member]:
        size = FAMILY_SIZES[bisect(FAMILY_SIZE_WEIGHTS, rng.random() * FAMILY_SIZE_WEIGHTS[-1])]
        parent_age = rng.randint(20, 50)
        # (age, relationship, parental responsibility)
        people = [(parent_age, "parent", True)]
        if (size >= 3 and rng.random() < 0.65) or (size == 2 and rng.random() < 0.2):
            partner_pr = rng.random() < 0.6
            people.append(
                (max(18, parent_age + rng.randint(-6, 8)), "partner" if partner_pr else "parent", True)
            )
        if size >= 4 and rng.random() < 0.1:
            people.append((parent_age + rng.randint(20, 30), "grandparent", False))
        while len(people) < size:
            people.append((rng.randint(0, min(17, parent_age - 17)), "child", False))
        town = rng.choice(TOWNS)
        address = f"{rng.randint(1, 199)} {rng.choice(STREETS)}, {town}"
        members = []
        for index, (age, relationship, pr) in enumerate(people):
            adult = age >= 18
            person_id = self.ids.take("person")
            born = self.epoch_day - timedelta(days=age * 365 + rng.randint(0, 364))
            given = rng.choice(GIVEN_ADULT if adult else GIVEN_CHILD)
            family_name = surname if relationship != "partner" or rng.random() < 0.5 else rng.choice(SURNAMES)
            rows["person"].append(
                (
                    person_id,
                    given,
                    family_name,
                    "",
                    born,
                    f"07700 900{rng.randrange(1000):03d}" if adult else "",
                    f"{given}.{family_name}{person_id % 97}@example.invalid".lower() if adult else "",
                    address,
                    rng.choice(agencies).id,
                    created,
                )
            )
            started = born if not adult else self.epoch_day - timedelta(days=rng.randint(800, 6000))
            ended = None
            if relationship == "partner" and rng.random() < 0.1:
                ended = self.epoch_day - timedelta(days=rng.randint(1, 300))
            rows["membership"].append((person_id, family_id, relationship, pr, started, ended))
            self._identifiers(rng, person_id, age, rows)
            members.append(Member(person_id, index, age, adult, pr and ended is None))
        return members

    def _identifiers(self, rng: Random, person_id: int, age: int, rows) -> None:
        if rng.random() < 0.9:
            self._identifier(
                rng, person_id, "nhs_number", lambda: nhs_number(rng.randrange(999_000_000, 10**9)), rows
            )
        if age >= 18 and rng.random() < 0.7:
            self._identifier(rng, person_id, "ni_number", lambda: _ni_number(rng), rows)
        if 4 <= age <= 17 and rng.random() < 0.8:
            self._identifier(
                rng,
                person_id,
                "upn",
                lambda: f"{rng.choice('ABCDEFGHJKLMNPQRTUVWXYZ')}999{rng.randrange(10**9):09d}",
                rows,
            )
        if rng.random() < 0.2:
            rows["identifier"].append((person_id, "local", f"{self.prefix}P{person_id}"))

    def _identifier(self, rng, person_id, scheme, make: Callable[[], str | None], rows) -> None:
        """Draw until the value is valid and not yet used anywhere in the scheme."""
        taken = self.taken[scheme]
        value = make()
        while value is None or value in taken:
            value = make()
        taken.add(value)
        rows["identifier"].append((person_id, scheme, value))

    def _contacts(self, rng, family_id, n, agencies, members, advocated, digest, rows) -> None:
        weights = list(accumulate(a.weight * rng.uniform(0.3, 3) for a in agencies))
        drawn = rng.choices(agencies, cum_weights=weights, k=n)
        channels = rng.choices(CHANNELS, cum_weights=CHANNEL_WEIGHTS, k=n)
        demands = rng.choices(DEMAND, cum_weights=DEMAND_WEIGHTS, k=n)
        vias = rng.choices(VIA, cum_weights=VIA_WEIGHTS_ADVOCATED if advocated else VIA_WEIGHTS, k=n)
        member_ids = [m.id for m in members]
        window = WINDOW_DAYS * 86400
        contact_rows, link_rows = rows["contact"], rows["contact_person"]
        random, choice, sample = rng.random, rng.choice, rng.sample
        advocacy_id = self.county.advocacy.id
        for agency, channel, demand, via in zip(drawn, channels, demands, vias, strict=True):
            contact_id = self.ids.take("contact")
            type_id, type_code, sensitivity, summary = choice(agency.contact_types)
            occurred = EPOCH - timedelta(seconds=int(random() * window))
            withheld = random() < 0.005
            contact_rows.append(
                (
                    contact_id,
                    family_id,
                    agency.id,
                    advocacy_id if via == "advocate" else agency.id,  # the advocate logged it
                    type_id,
                    occurred,
                    channel,
                    choice((None, 10, 15, 20, 30, 45, 60, 90)),
                    summary,
                    "",
                    "",
                    demand,
                    sensitivity,
                    via,
                    f"{self.prefix}C{contact_id}" if via == "import" else None,
                    withheld,
                    WITHHELD_REASON if withheld else "",
                    withheld and random() < 0.5,
                    occurred + timedelta(minutes=int(random() * 2880)),
                )
            )
            roll = random()
            if roll < 0.6 or len(member_ids) == 1:
                people = (choice(member_ids),)
            else:
                people = sample(member_ids, 2 if roll < 0.9 else min(3, len(member_ids)))
            for person_id in people:
                link_rows.append((contact_id, person_id))
            digest.append(
                f"c {agency.code} {type_code} {occurred:%Y%m%d%H%M%S} {channel} {demand} {via} {len(people)}"
            )

    def _assessments(self, rng, family_id, n_contacts, agencies, members, digest, rows) -> None:
        """About ten a family, clustered round a few crises, so agencies ask again within weeks."""
        types = [t for a in agencies for t in a.assessment_types]
        if not types:
            return
        children = [m for m in members if not m.adult] or members
        adults = [m for m in members if m.adult]
        lead = adults[0]
        window = WINDOW_DAYS * 86400
        crises = [int(rng.random() * window) for _ in range(rng.randint(1, 3))]
        for _ in range(rng.randint(5, 11) + min(20, n_contacts // 40)):
            kind = rng.choice(types)
            if kind.family_level:
                person_id, family = None, family_id
                subject = "family"
            else:
                pool = children if kind.for_children else adults
                member = lead if not kind.for_children and rng.random() < 0.6 else rng.choice(pool)
                person_id, family = member.id, None
                subject = str(member.index)
            seconds = min(window - 1, max(0, int(rng.choice(crises) + rng.gauss(0, 30 * 86400))))
            completed = EPOCH - timedelta(seconds=seconds)
            started = completed - timedelta(minutes=rng.randint(20, 150)) if rng.random() < 0.9 else None
            withheld = rng.random() < 0.005
            assessment_id = self.ids.take("assessment")
            rows["assessment"].append(
                (
                    assessment_id,
                    kind.id,
                    kind.agency_id,
                    kind.agency_id,
                    person_id,
                    family,
                    started,
                    completed,
                    kind.sensitivity,
                    withheld,
                    WITHHELD_REASON if withheld else "",
                    withheld and rng.random() < 0.5,
                    completed + timedelta(hours=rng.randint(0, 72)),
                    kind.question_ids_text,
                )
            )
            values = rng.choices(ANSWER_VALUES, k=len(kind.question_ids))
            rows["answer"].extend(zip([assessment_id] * len(values), kind.question_ids, values, strict=True))
            digest.append(f"a {kind.code} {subject} {completed:%Y%m%d%H%M%S} {','.join(values)}")

    def _consents(self, rng, agencies, members, advocated, rows) -> None:
        """Most families share some records with some agencies; advocated families with the advocate."""
        parents = [m for m in members if m.adult and m.parental_responsibility] or [members[0]]
        consenting = rng.random() < 0.6
        for member in members:
            given_by = member.id if member.age >= 16 else rng.choice(parents).id
            if advocated:
                valid_from = EPOCH - timedelta(days=rng.randint(30, 360))
                self._grant(
                    rows,
                    member.id,
                    self.county.advocacy.id,
                    given_by,
                    CATEGORY_SETS[0],
                    LABEL_SETS[4],
                    "advocate_witnessed",
                    valid_from,
                    valid_from + STANDING_CONSENT,
                    None,
                )
            if not consenting or rng.random() < 0.4:
                continue
            for agency in rng.sample(agencies, min(len(agencies), rng.randint(1, 4))):
                if agency.code == ADVOCACY:
                    continue
                valid_from = EPOCH - timedelta(
                    days=rng.randint(1, WINDOW_DAYS - 1), minutes=rng.randint(0, 600)
                )
                recent = EPOCH - valid_from < timedelta(days=365)
                expires = valid_from + (STANDING_CONSENT if recent else timedelta(days=365))
                revoked = valid_from + (EPOCH - valid_from) * rng.random() if rng.random() < 0.08 else None
                self._grant(
                    rows,
                    member.id,
                    agency.id,
                    given_by,
                    rng.choice(CATEGORY_SETS),
                    rng.choice(LABEL_SETS),
                    rng.choice(METHODS),
                    valid_from,
                    expires,
                    revoked,
                )

    @staticmethod
    def _grant(rows, subject, agency, given_by, categories, labels, method, valid_from, expires, revoked):
        rows["consent"].append(
            (
                subject,
                agency,
                categories,
                labels,
                "So that agencies work together and stop asking the same questions.",
                given_by,
                method,
                valid_from,
                expires,
                revoked,
                "Changed their mind." if revoked else "",
                valid_from,
            )
        )

    def _assignments(self, rng, family_id, rows) -> None:
        advocates = self.county.advocate_ids
        current = rng.choice(advocates)
        started = self.epoch_day - timedelta(days=rng.randint(30, 400))
        if rng.random() < 0.25 and len(advocates) > 1:
            before = rng.choice([a for a in advocates if a != current])
            earlier = started - timedelta(days=rng.randint(60, 300))
            rows["assignment"].append((before, family_id, earlier, started, True))
        rows["assignment"].append((current, family_id, started, None, True))


def _ni_number(rng: Random) -> str:
    """A National Insurance number that passes the prefix rules in journeys.identifiers."""
    first = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    second = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    while first + second in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ"):
        second = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    return f"{first}{second}{rng.randrange(10**6):06d}{rng.choice('ABCD')}"


def generate(
    county: County,
    *,
    families: int,
    seed: int,
    ids: Ids,
    taken: dict[str, set[str]],
    summary: Summary,
    chunk: int = 250,
) -> Iterator[dict[str, list[tuple]]]:
    """Yield rows per table, `chunk` families at a time, in an order that satisfies foreign keys."""
    maker = FamilyGenerator(county, seed, ids, taken, summary)
    for start in range(0, families, chunk):
        rows: dict[str, list[tuple]] = {table: [] for table in TABLES}
        for index in range(start, min(families, start + chunk)):
            maker.family(index + 1, rows)
        for table, table_rows in rows.items():
            summary.counts[table] += len(table_rows)
        yield rows


def prepare_county(*, families: int, seed: int) -> County:
    """Create or update the agencies, contact and assessment types and unit costs (the same for
    every seed), and this seed's advocates, one for every CASELOAD families expected to need one."""
    load_reference_data(
        agencies=AGENCIES,
        contact_types=CONTACT_TYPES
        + [(code, label, sector) for code, label, sector, _, _ in EXTRA_CONTACT_TYPES],
        assessment_types=ASSESSMENT_TYPES + EXTRA_ASSESSMENT_TYPES,
    )
    agencies = {a.code: a for a in Agency.objects.filter(code__in=AGENCY_CONTACTS)}
    contact_types = {t.code: t for t in ContactType.objects.filter(code__in=SUMMARIES)}
    assessment_types = {
        t.code: t
        for t in AssessmentType.objects.filter(agency__in=agencies.values()).select_related("agency")
    }
    questions = dict(Question.objects.values_list("code", "id"))
    _unit_costs(contact_types.values(), assessment_types.values())
    types_by_agency: dict[str, list[AssessmentTypeInfo]] = {code: [] for code in agencies}
    for code, _, agency_code, level, question_codes in ASSESSMENT_TYPES + EXTRA_ASSESSMENT_TYPES:
        types_by_agency[agency_code].append(
            AssessmentTypeInfo(
                id=assessment_types[code].id,
                code=code,
                agency_id=agencies[agency_code].id,
                family_level=level == "family",
                for_children=code in CHILD_ASSESSMENTS,
                sensitivity=ASSESSMENT_SENSITIVITY.get(code, "general"),
                question_ids=tuple(questions[q] for q in question_codes),
            )
        )
    infos = tuple(
        AgencyInfo(
            id=agencies[code].id,
            code=code,
            weight=weight,
            contact_types=tuple(
                (contact_types[t].id, t, CONTACT_SENSITIVITY.get(t, "general"), SUMMARIES[t]) for t in types
            ),
            assessment_types=tuple(types_by_agency[code]),
        )
        for code, (weight, types) in AGENCY_CONTACTS.items()
    )
    advocacy = next(a for a in infos if a.code == ADVOCACY)
    advocates = _advocates(seed, max(2, math.ceil(families * 0.04 / CASELOAD)), agencies[ADVOCACY])
    return County(agencies=infos, advocacy=advocacy, advocate_ids=advocates)


def _unit_costs(contact_types, assessment_types) -> None:
    """One default cost per contact type and per assessment type, where none is set yet."""
    priced_contacts = set(
        UnitCost.objects.filter(agency=None, contact_type__isnull=False).values_list(
            "contact_type", flat=True
        )
    )
    priced_assessments = set(
        UnitCost.objects.filter(assessment_type__isnull=False).values_list("assessment_type", flat=True)
    )
    common = {"price_year": "2025/26", "source": "Synthetic estimate for benchmarks"}
    UnitCost.objects.bulk_create(
        [
            UnitCost(contact_type=t, cost_pence=SECTOR_COST[t.sector], unit="per contact", **common)
            for t in contact_types
            if t.id not in priced_contacts
        ]
        + [
            UnitCost(
                assessment_type=t,
                cost_pence=4 * SECTOR_COST[t.agency.sector],
                unit="per assessment",
                **common,
            )
            for t in assessment_types
            if t.id not in priced_assessments
        ]
    )


def _advocates(seed: int, count: int, advocacy: Agency) -> tuple[int, ...]:
    """Advocates of the advocacy service who cannot sign in (no usable password)."""
    User = get_user_model()
    rng = Random(f"{seed}/advocates")
    users = User.objects.bulk_create(
        [
            User(
                username=f"syn{seed}-advocate-{n:03d}",
                first_name=rng.choice(GIVEN_ADULT),
                last_name=rng.choice(SURNAMES),
                password=make_password(None),
            )
            for n in range(1, count + 1)
        ]
    )
    users = list(User.objects.filter(username__in=[u.username for u in users]).order_by("username"))
    StaffMembership.objects.bulk_create(
        [StaffMembership(user=u, agency=advocacy, role=Role.ADVOCATE) for u in users]
    )
    return tuple(u.id for u in users)


class Table:
    """A table's name and the generator's columns, plus constants for NOT NULL columns the generator
    does not know (added later with a default), so that a new column never breaks the loader."""

    def __init__(self, model: type[models.Model], names: tuple[str, ...]):
        opts = model._meta
        self.name = connection.ops.quote_name(opts.db_table)
        extra = [
            f
            for f in opts.concrete_fields
            if f.attname not in names
            and not f.primary_key
            and not f.null
            and not f.has_db_default()
            and (f.has_default() or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
        ]
        self.constants = tuple(f.get_default() if f.has_default() else EPOCH for f in extra)
        self.fields = [opts.get_field(name) for name in names] + extra
        self.columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)


class CopyWriter:
    """PostgreSQL: one binary COPY a table a chunk, on the connection Django's transaction holds.
    Binary, because formatting time zones as text costs more than the server's work."""

    def __init__(self, tables: list[Table]):
        connection.ensure_connection()
        self.cursor = connection.connection.cursor()
        self.types: dict[str, list[int]] = {}
        for table in tables:
            self.cursor.execute(
                "SELECT attname, atttypid::int FROM pg_attribute"
                " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                [table.name],
            )
            oids = dict(self.cursor.fetchall())
            self.types[table.name] = [oids[f.column] for f in table.fields]

    def write(self, table: Table, rows: list[tuple]) -> None:
        with self.cursor.copy(f"COPY {table.name} ({table.columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(self.types[table.name])
            write_row, constants = copy.write_row, table.constants
            if constants:
                for row in rows:
                    write_row(row + constants)
            else:
                for row in rows:
                    write_row(row)


class InsertWriter:
    """Any other database (the embedded SQLite): the same rows as INSERTs, a chunk at a time.
    Not bulk_create, which would overwrite created_at with now() and so break
    grant_revoked_after_created."""

    def __init__(self, tables: list[Table]):
        self.cursor = connection.cursor()

    def write(self, table: Table, rows: list[tuple]) -> None:
        if not rows:
            return
        preps = [f.get_db_prep_save for f in table.fields]
        values = [
            [prep(v, connection) for prep, v in zip(preps, (*row, *table.constants), strict=True)]
            for row in rows
        ]
        marks = ", ".join(["%s"] * len(preps))
        sql = f"INSERT INTO {table.name} ({table.columns}) VALUES ({marks})"  # noqa: S608 (names from models)
        self.cursor.executemany(sql, values)


def next_ids() -> Ids:
    """Ids above each table's highest. On PostgreSQL the tables are locked first (reads go on),
    so no other writer takes an id the generator hands out."""
    id_models = [TABLES[t][0] for t in ID_TABLES]
    if connection.vendor == "postgresql":
        names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in id_models)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {names} IN EXCLUSIVE MODE")
    return Ids(
        {
            t: m.objects.aggregate(top=models.Max("id"))["top"] or 0
            for t, m in zip(ID_TABLES, id_models, strict=True)
        }
    )


def taken_identifiers() -> dict[str, set[str]]:
    """National identifiers already held, which the generator must not hand out again."""
    taken: dict[str, set[str]] = {scheme: set() for scheme in ("nhs_number", "ni_number", "upn")}
    for scheme, value in PersonIdentifier.objects.filter(scheme__in=taken).values_list("scheme", "value"):
        taken[scheme].add(value)
    return taken


def tables() -> dict[str, Table]:
    return {key: Table(model, names) for key, (model, names) in TABLES.items()}


def writer(tables: list[Table]) -> CopyWriter | InsertWriter:
    return (CopyWriter if connection.vendor == "postgresql" else InsertWriter)(tables)


@contextmanager
def foreign_keys_checked_once(tables: list[Table]) -> Iterator[None]:
    """Checking each row's foreign keys at commit costs more than writing the rows, so on
    PostgreSQL the foreign keys of the tables written are dropped for the load and added back
    after it, which checks every row in one join a key; a failure rolls the whole load back."""
    if connection.vendor != "postgresql":
        yield
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            [[table.name for table in tables]],
        )
        foreign_keys = cursor.fetchall()
        # A key cannot be dropped while checks of earlier writes (the configuration) are pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, name, _ in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
    yield
    with connection.cursor() as cursor:
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def write(
    chunks: Iterable[dict[str, list[tuple]]], progress: Callable[[int], None] = lambda done: None
) -> None:
    """Write chunks of rows from `generate`, then move each id sequence past the ids handed out."""
    specs = tables()
    with foreign_keys_checked_once(list(specs.values())):
        out = writer(list(specs.values()))
        for rows in chunks:
            for key, table_rows in rows.items():
                out.write(specs[key], table_rows)
            progress(len(rows["family"]))
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [TABLES[t][0] for t in ID_TABLES]):
            cursor.execute(sql)


def load(*, families: int, seed: int, progress: Callable[[int], None] = lambda done: None) -> Summary:
    """Generate and write the synthetic county in one transaction; returns counts and checksum."""
    if Family.objects.filter(reference__startswith=reference_prefix(seed)).exists():
        raise AlreadyLoaded(f"The synthetic families of seed {seed} are already loaded.")
    summary = Summary()
    with transaction.atomic():
        county = prepare_county(families=families, seed=seed)
        ids, taken = next_ids(), taken_identifiers()
        write(generate(county, families=families, seed=seed, ids=ids, taken=taken, summary=summary), progress)
    return summary


def analyze() -> None:
    """Fresh statistics after a load, so the first benchmark's plans see two million contacts."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model, _ in TABLES.values():
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
