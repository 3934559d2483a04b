"""The advocacy part of the demo (called from journeys.demo): reference unit costs, the
advocate's assignments, a case conference held with the Carter family and one coming up,
and contacts the advocate logged. All through the services; every name is made up."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from advocates import services
from agencies.models import Agency, ContactType
from agencies.unit_cost_services import REFERENCE_ALIASES, reference_csv_path, unit_costs_load


def load_reference_unit_costs() -> int:
    """Load the reference unit costs (UNIT_COSTS_CSV, else shared/data/unit_costs.csv) when
    the file exists; returns how many prices were stored."""
    path = reference_csv_path()
    if path is None:
        return 0
    return unit_costs_load(path=path, actor=None, aliases=REFERENCE_ALIASES).prices


def seed_advocacy(*, families: dict, people: dict, agencies: dict[str, Agency], users: dict) -> None:
    now = timezone.now().replace(second=0, microsecond=0)
    today = timezone.localdate()
    # The advocacy service's manager assigns: an administrator configures, never assigns.
    advocate, manager = users["advocate"], users["advocacymanager"]
    for reference in ("DEMO-001", "DEMO-002"):
        services.assignment_start(
            advocate=advocate, family=families[reference], started=today - timedelta(days=180), actor=manager
        )
    carters = families["DEMO-001"]
    jade, daniel = people["jade"], people["daniel"]
    held = services.conference_record(
        family=carters,
        held_at=now - timedelta(days=40, hours=3),
        place="The Carters' home, at Jade's request",
        family_members=[jade, daniel],
        agency_attendees=[
            (agencies["housing"], "Kwame Mensah"),
            (agencies["school"], "Anna Lewis"),
            (agencies["socialcare"], "Tom Whitfield"),
        ],
        agenda="Damp in the children's bedroom; Liam's attendance; one plan instead of three.",
        outcome="One shared plan agreed. Housing to inspect the damp; school to agree a part-time timetable.",
        actor=advocate,
    )
    services.action_add(
        conference=held,
        description="Inspect the damp in the children's bedroom and book repairs",
        owner_agency=agencies["housing"],
        due=today - timedelta(days=20),
        actor=advocate,
    )
    done = services.action_add(
        conference=held,
        description="Agree a part-time timetable for Liam with Jade",
        owner_agency=agencies["school"],
        due=today - timedelta(days=10),
        actor=advocate,
    )
    services.action_complete(action=done, actor=advocate)
    services.action_add(
        conference=held,
        description="Register Mia with a dentist",
        owner_person=jade,
        due=today + timedelta(days=14),
        actor=advocate,
    )
    services.conference_record(
        family=carters,
        held_at=(now + timedelta(days=21)).replace(hour=10, minute=0),
        place="Hillside Primary School, family room",
        family_members=[jade],
        agency_attendees=[(agencies["school"], "Anna Lewis"), (agencies["housing"], "")],
        agenda="Review the shared plan; repairs; Liam's timetable.",
        actor=advocate,
    )
    visit = ContactType.objects.get(code="advocate_visit")
    gp = ContactType.objects.get(code="gp_appointment")
    services.contact_log(
        family=carters,
        agency=agencies["advocacy"],
        persons=[jade, people["mia"]],
        contact_type=visit,
        occurred_at=now - timedelta(days=6, hours=2),
        channel="home_visit",
        summary="Home visit: went through the housing letter together; Jade feels less alone with it.",
        demand_type="value",
        duration_minutes=60,
        actor=advocate,
    )
    services.contact_log(
        family=carters,
        agency=agencies["gp"],
        persons=[jade],
        contact_type=gp,
        occurred_at=now - timedelta(days=3, hours=5),
        channel="phone",
        summary="Jade reports the GP asked the same mood questions as the mental health triage.",
        demand_type="failure",
        actor=advocate,
    )
