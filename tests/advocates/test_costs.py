"""The cost of a journey: unit costs loaded from CSV, and the before/after arithmetic."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from advocates import costs
from agencies.models import ContactType, UnitCost
from agencies.unit_cost_services import REFERENCE_ALIASES, reference_csv_path, unit_costs_load
from tests.factories import AgencyFactory, AssessmentTypeFactory, ContactTypeFactory

CSV_HEADER = "agency_sector,contact_type,description,unit,cost_gbp,price_year,source,confidence\n"


def test_before_and_after_are_the_same_length():
    before, after = costs.before_and_after(date(2025, 3, 1), date(2025, 3, 10))
    assert (after.start, after.end, after.days) == (date(2025, 3, 1), date(2025, 3, 10), 10)
    assert (before.start, before.end, before.days) == (date(2025, 2, 19), date(2025, 2, 28), 10)


def test_journey_cost_arithmetic():
    """Three contacts before the advocate started, two after; an hourly rate times the duration;
    an agency's own price beats the default; an unpriced contact is counted apart."""
    visit, call, unknown = 1, 2, 3
    gp, police = 10, 20
    prices = costs.Prices(
        by_contact={
            (visit, None): UnitCost(cost_pence=10000, unit="per visit", price_year="2013/14", source="A"),
            (visit, police): UnitCost(cost_pence=25000, unit="per visit", price_year="2022/23", source="B"),
            (call, None): UnitCost(cost_pence=6000, unit="per hour", price_year="2013/14", source="A"),
        },
        by_assessment={
            7: UnitCost(cost_pence=20400, unit="per assessment", price_year="2010/11", source="C")
        },
    )
    start, today = date(2025, 6, 1), date(2025, 6, 30)  # 30 days after, so 2 May to 31 May before
    items = [
        costs.Item(day=date(2025, 5, 2), agency_id=gp, contact_type_id=visit),  # 100.00, first day before
        costs.Item(day=date(2025, 5, 20), agency_id=police, contact_type_id=visit),  # 250.00
        costs.Item(day=date(2025, 5, 31), agency_id=gp, assessment_type_id=7),  # 204.00
        costs.Item(day=date(2025, 5, 1), agency_id=gp, contact_type_id=visit),  # 100.00, outside both
        costs.Item(day=date(2025, 6, 1), agency_id=gp, contact_type_id=call, duration_minutes=30),  # 30.00
        costs.Item(day=date(2025, 6, 15), agency_id=gp, contact_type_id=unknown),  # no price
    ]
    result = costs.journey_cost(items, prices, started=start, today=today)
    assert (result.before.pence, result.before.count) == (10000 + 25000 + 20400, 3)
    assert (result.after.pence, result.after.count, result.after.unpriced) == (3000, 2, 1)
    assert result.change_pence == 3000 - 55400
    assert result.total_pence == 10000 + 25000 + 20400 + 10000 + 3000
    assert result.by_agency == {gp: 10000 + 20400 + 10000 + 3000, police: 25000}
    assert result.by_month == {"2025-05": 65400, "2025-06": 3000}
    assert result.unpriced == 1
    assert result.sources == [("2010/11", "C"), ("2013/14", "A"), ("2022/23", "B")]


@pytest.mark.django_db
def test_loading_unit_costs_maps_codes_and_creates_missing_types(tmp_path):
    ContactTypeFactory(code="gp_appointment")
    ContactTypeFactory(code="social_care_referral")
    AssessmentTypeFactory(code="early_help_assessment")
    path = tmp_path / "costs.csv"
    path.write_text(
        CSV_HEADER
        + 'health,gp_appointment,"GP consultation (11.7 min)",per consultation,38,2013/14,"PSSRU 2014",high\n'
        + "social_care,cin_contact_and_referral,Initial contact,per process,186,2008/09,DfE 2010,high\n"
        + "social_care,early_help_assessment,CAF completion,per assessment,204,2010/11,DfE 2012,high\n"
        + 'fire,fire_incident_response,Fire response,per incident,"3,417.50",2008/09,CLG,medium\n'
    )
    result = unit_costs_load(path=path, actor=None, aliases=REFERENCE_ALIASES)
    assert result.contact_types_created == ["cin_contact_and_referral", "fire_incident_response"]
    assert UnitCost.objects.get(contact_type__code="gp_appointment").cost_pence == 3800
    assert UnitCost.objects.get(contact_type__code="social_care_referral").cost_pence == 18600
    assert UnitCost.objects.get(assessment_type__code="early_help_assessment").cost_pence == 20400
    assert UnitCost.objects.get(contact_type__code="fire_incident_response").cost_pence == 341750
    assert ContactType.objects.get(code="fire_incident_response").sector == "fire"
    again = unit_costs_load(path=path, actor=None, aliases=REFERENCE_ALIASES)
    assert again.contact_types_created == [] and UnitCost.objects.count() == 5


@pytest.mark.django_db
def test_a_bad_file_loads_nothing(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        CSV_HEADER
        + "police,x,ok,per incident,10,2020/21,Somewhere,high\npolice,y,bad,per incident,ten,2020/21,S,high\n"
    )
    with pytest.raises(ValidationError) as error:
        unit_costs_load(path=path, actor=None)
    assert "Row 3" in str(error.value)
    assert not UnitCost.objects.exists()
    path.write_text("code,price\nx,1\n")
    with pytest.raises(ValidationError):
        unit_costs_load(path=path, actor=None)


@pytest.mark.django_db
def test_the_command_loads_and_reports(tmp_path, capsys):
    AgencyFactory(code="police")
    path = tmp_path / "costs.csv"
    path.write_text(
        CSV_HEADER + "police,police_welfare_check,Welfare check,per incident,80,2022/23,Local finance,high\n"
    )
    call_command("load_unit_costs", str(path))
    assert "Stored 1 prices" in capsys.readouterr().out


def test_reference_path_prefers_the_setting(settings, tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(CSV_HEADER)
    settings.UNIT_COSTS_CSV = str(path)
    assert reference_csv_path() == path
    settings.UNIT_COSTS_CSV = str(tmp_path / "missing.csv")
    assert reference_csv_path() != tmp_path / "missing.csv"


def test_shared_reference_file_is_used_when_present(settings):
    settings.UNIT_COSTS_CSV = ""
    found = reference_csv_path()
    assert found is None or found.name == "unit_costs.csv"


@pytest.mark.django_db
def test_an_hourly_rate_without_duration_prices_an_hour():
    prices = costs.Prices(
        by_contact={(1, None): UnitCost(cost_pence=4300, unit="per hour", price_year="x", source="y")},
        by_assessment={},
    )
    assert prices.price(costs.Item(day=date.today(), agency_id=1, contact_type_id=1))[0] == 4300
    assert (
        prices.price(
            costs.Item(
                day=date.today() - timedelta(days=1), agency_id=1, contact_type_id=1, duration_minutes=90
            )
        )[0]
        == 6450
    )
