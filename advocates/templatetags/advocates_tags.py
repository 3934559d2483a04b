"""Months for the journey's cost estimate (money is core's `pounds`)."""

from datetime import date

from django import template

register = template.Library()


@register.filter
def month_label(key: str) -> str:
    """'2025-03' -> 'March 2025'."""
    year, month = (int(part) for part in key.split("-"))
    return f"{date(year, month, 1):%B %Y}"
