"""Template filters for journeys' records."""

from django import template

from journeys.models import Sensitivity

register = template.Library()


@register.filter
def sensitivity_label(code) -> str:
    """A sensitivity code as people read it: "mental_health" -> "Mental health"."""
    try:
        return Sensitivity(code).label
    except ValueError:
        return ""
