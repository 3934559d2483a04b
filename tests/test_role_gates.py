"""Every role check is a gate of consent/policy.py: no other module compares roles, reads a
viewer's role flags, filters by role or gives a superuser a pass. Every module's code is read
(ast), so a new check written anywhere else fails here with the file and line. Only the
declared exceptions below are allowed, each with its reason. Templates decide by the gates
too: they ask `may` (config.context_processors), never a role."""

from __future__ import annotations

import ast
import re

from tests.test_layout import APPS, ROOT

POLICY = "consent/policy.py"
# The Viewer's role flags: read them through a named gate (policy.uses_staff_pages(viewer)...).
ROLE_FLAGS = {
    "is_staff_member",
    "is_citizen",
    "is_advocate",
    "is_advocacy",
    "is_information_governance",
    "partnership_reviewer",
}
# (module, what is found): why it is not a role check.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("agencies/models.py", "Role.STAFF"): "the field's default: the role itself is defined here",
    ("agencies/models.py", "role='manager'"): "the constraint: only a manager reviews the partnership",
    ("agencies/models.py", "role__in"): "the database constraint on the role's values",
    ("portal/selectors.py", "Role.STAFF"): "words for the access log a citizen reads, not a decision",
    ("portal/selectors.py", "Role.MANAGER"): "words for the access log a citizen reads, not a decision",
    ("portal/selectors.py", "Role.ADVOCATE"): "words for the access log a citizen reads, not a decision",
}


# A role read in a template's {% if %} or {% elif %}.
TEMPLATE_CONDITION = re.compile(r"{%\s*(?:el)?if\b(.*?)%}", re.DOTALL)
TEMPLATE_ROLE = re.compile(rf"\.({'|'.join(sorted(ROLE_FLAGS))}|is_superuser|is_staff|role)\b")


def _modules():
    for app in sorted(APPS - {"devdata"}):
        for path in sorted((ROOT / app).rglob("*.py")):
            module = path.relative_to(ROOT).as_posix()
            if "migrations" not in path.parts and module != POLICY:
                yield module


def _is_role(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "role"


def role_checks(source: str) -> list[tuple[int, str]]:
    """(line, what) of each role check in this source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            if node.attr == "is_superuser" or node.attr in ROLE_FLAGS:
                found.append((node.lineno, f".{node.attr}"))
            elif isinstance(node.value, ast.Name) and node.value.id == "Role" and node.attr.isupper():
                found.append((node.lineno, f"Role.{node.attr}"))
        elif isinstance(node, ast.Constant) and node.value == "is_superuser":
            found.append((node.lineno, "'is_superuser'"))
        elif isinstance(node, ast.Compare) and any(map(_is_role, [node.left, *node.comparators])):
            found.append((node.lineno, "a comparison of .role"))
        elif isinstance(node, ast.keyword) and node.arg:
            lookup = node.arg.split("__")
            if "role" in lookup[1:] or (lookup[0] == "role" and len(lookup) > 1):
                found.append((node.lineno, node.arg))
            elif node.arg == "role" and isinstance(node.value, ast.Constant):
                found.append((node.lineno, f"role={node.value.value!r}"))
    return sorted(found)


def test_no_module_but_the_policy_checks_roles():
    problems = []
    used = set()
    for module in _modules():
        for line, what in role_checks((ROOT / module).read_text()):
            if (module, what) in EXCEPTIONS:
                used.add((module, what))
            else:
                problems.append(f"{module}:{line}: {what}: ask a gate of consent/policy.py instead")
    assert not problems, "\n".join(problems)
    assert used == set(EXCEPTIONS), f"exceptions no longer needed: {sorted(set(EXCEPTIONS) - used)}"


def test_the_check_finds_each_kind_of_role_check():
    """The reader above finds what it looks for (else the test above could never fail)."""
    source = "\n".join(
        [
            "if user.is_superuser: pass",
            "if viewer.role == Role.MANAGER: pass",
            "if viewer.is_advocate: pass",
            "StaffMembership.objects.filter(staff_membership__role='x')",
            "StaffMembership.objects.filter(role='manager')",
            "getattr(actor, 'is_superuser', False)",
        ]
    )
    assert role_checks(source) == [
        (1, ".is_superuser"),
        (2, "Role.MANAGER"),
        (2, "a comparison of .role"),
        (3, ".is_advocate"),
        (4, "staff_membership__role"),
        (5, "role='manager'"),
        (6, "'is_superuser'"),
    ]


def template_role_checks(source: str) -> list[tuple[int, str]]:
    """(line, what) of each role a template's condition reads."""
    return [
        (source.count("\n", 0, condition.start()) + 1, role.group(0))
        for condition in TEMPLATE_CONDITION.finditer(source)
        for role in TEMPLATE_ROLE.finditer(condition.group(1))
    ]


def test_no_template_decides_by_role():
    problems = [
        f"{path.relative_to(ROOT)}:{line}: {what}: ask `may` (a gate of consent/policy.py) instead"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for line, what in template_role_checks(path.read_text())
    ]
    assert not problems, "\n".join(problems)


def test_the_template_check_finds_a_role_read_in_a_condition_only():
    source = "\n".join(
        [
            "{% if viewer.role == 'manager' %}a{% endif %}",
            "{{ entry.role }} {{ user.staff_membership.get_role_display }}",
            "{% elif user.is_superuser or viewer.is_advocate %}",
            "{% if may.review_duplicates %}b{% endif %}",
        ]
    )
    assert template_role_checks(source) == [(1, ".role"), (3, ".is_superuser"), (3, ".is_advocate")]
