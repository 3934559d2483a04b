"""One way to show money: pence as pounds, exact on a journey's costs, whole on estimates."""

import pytest
from django.template import Context, Template


@pytest.mark.parametrize(
    ("template", "pence", "shown"),
    [
        ("{{ p|pounds }}", 12345, "£123.45"),
        ("{{ p|pounds }}", 1230000, "£12,300"),
        ("{{ p|pounds }}", -500, "-£5"),
        ("{{ p|pounds }}", None, "£0"),
        ("{{ p|pounds }}", "not money", ""),
        ('{{ p|pounds:"whole" }}', 123456, "£1,235"),
        ("{{ p|pounds_abs }}", -12345, "£123.45"),
    ],
)
def test_pounds(template, pence, shown):
    assert Template("{% load money %}" + template).render(Context({"p": pence})) == shown
