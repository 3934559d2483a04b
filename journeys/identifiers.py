"""Checks for national identifiers, so a mistyped number is refused before it links records,
and the reading of a search term as identifiers, so a search matches only well-formed ones."""

import re

from django.core.exceptions import ValidationError

NATIONAL_SCHEMES = ("nhs_number", "ni_number", "upn")

NI_NUMBER = re.compile(r"^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]$")


def normalise(scheme: str, value: str) -> str:
    """Identifiers are stored without spaces and in capitals, so equal numbers compare equal.
    National numbers are also written with hyphens ("943-476-5919"), which are never part of
    them; a local reference keeps its hyphens, since "A-1" and "A1" may be different records."""
    separators = r"[\s-]+" if scheme in NATIONAL_SCHEMES else r"\s+"
    return re.sub(separators, "", value or "").upper()


def nhs_number_is_valid(value: str) -> bool:
    """The NHS number's tenth digit is a modulus-11 check over the first nine."""
    if not re.fullmatch(r"[0-9]{10}", value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(value[9])


def validate_identifier(scheme: str, value: str) -> None:
    if scheme == "nhs_number" and not nhs_number_is_valid(value):
        raise ValidationError({"value": "Enter a valid NHS number: 10 digits, the last one a check digit."})
    if scheme == "ni_number" and not NI_NUMBER.match(value):
        raise ValidationError({"value": "Enter a National Insurance number in the format QQ123456C."})
    if scheme == "upn" and not re.fullmatch(r"[A-Z][0-9]{11}[0-9A-Z]", value):
        raise ValidationError({"value": "Enter a unique pupil number: a letter then 12 characters."})
    if not value:
        raise ValidationError({"value": "Enter the identifier."})


def search_terms(q: str) -> list[tuple[str, str]]:
    """The (scheme, normalised value) pairs a search term exactly is: a national number only
    when it is well formed (an NHS number with its check digit, say), a local reference only
    when it has a digit (so a name is never taken for one). A partial or malformed number is
    none of them, so it matches nobody."""
    terms = []
    for scheme in (*NATIONAL_SCHEMES, "local"):
        value = normalise(scheme, q)
        if scheme == "local" and not any(ch.isdigit() for ch in value):
            continue
        try:
            validate_identifier(scheme, value)
        except ValidationError:
            continue
        terms.append((scheme, value))
    return terms
