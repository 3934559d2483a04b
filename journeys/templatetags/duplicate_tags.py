"""Template filters for the duplication pages."""

from django import template

from journeys.models import Sensitivity

register = template.Library()


@register.filter
def pounds(pence) -> str:
    """Pence as pounds for people: 123456 -> "£1,235" (whole pounds; estimates, not invoices)."""
    try:
        pence = int(pence or 0)
    except (TypeError, ValueError):
        return ""
    return f"£{round(pence / 100):,}"


@register.filter
def sensitivity_label(code) -> str:
    """A sensitivity code as people read it: "mental_health" -> "Mental health"."""
    try:
        return Sensitivity(code).label
    except ValueError:
        return ""
