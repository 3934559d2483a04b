"""Money as people read it; amounts are kept in pence everywhere else."""

from django import template

register = template.Library()


@register.filter
def pounds(pence, whole: str = "") -> str:
    """Pence as pounds: 12345 -> "£123.45", 12300 -> "£123", -500 -> "-£5". With `:"whole"`
    rounded to whole pounds, for estimates (not invoices): 123456 -> "£1,235"."""
    try:
        pence = int(pence or 0)
    except (TypeError, ValueError):
        return ""
    sign = "-" if pence < 0 else ""
    if whole:
        return f"{sign}£{round(abs(pence) / 100):,}"
    pounds_part, rest = divmod(abs(pence), 100)
    return f"{sign}£{pounds_part:,}" if rest == 0 else f"{sign}£{pounds_part:,}.{rest:02d}"


@register.filter
def pounds_abs(pence) -> str:
    """The size of an amount, its direction said in words beside it: -500 -> "£5"."""
    try:
        return pounds(abs(int(pence or 0)))
    except (TypeError, ValueError):
        return ""
