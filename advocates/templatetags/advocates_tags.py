"""Money and months for the journey's cost estimate."""

from datetime import date

from django import template

register = template.Library()


@register.filter
def pounds(pence) -> str:
    """12345 -> '123.45'; whole pounds without pence: 12300 -> '123'."""
    pence = int(pence or 0)
    sign = "-" if pence < 0 else ""
    whole, rest = divmod(abs(pence), 100)
    return f"{sign}{whole:,}" if rest == 0 else f"{sign}{whole:,}.{rest:02d}"


@register.filter
def pounds_abs(pence) -> str:
    return pounds(abs(int(pence or 0)))


@register.filter
def month_label(key: str) -> str:
    """'2025-03' -> 'March 2025'."""
    year, month = (int(part) for part in key.split("-"))
    return f"{date(year, month, 1):%B %Y}"
