"""What the signed-in user may open, for every template (`may`): each answer is a named gate of
consent/policy.py, the one the page behind the link asks, so a template shows a link or a
button only where the page lets the user in, and never reads a role itself."""

from consent import policy

GATES = {
    "use_staff_pages": policy.uses_staff_pages,
    "review_break_glass": policy.reviews_break_glass,
    "open_break_glass": policy.opens_break_glass,
    "review_duplicates": policy.manages_duplicates,
    "keep_caseload": policy.keeps_caseload,
    "answer_concerns": policy.answers_concerns,
    "confirm_invitation_codes": policy.confirms_invitation_codes,
    "manage_assignments": policy.manages_assignments,
    "reset_second_factors": policy.resets_second_factors,
    "use_portal": policy.uses_portal,
    "configure": policy.configures,
}


def gates(request):
    viewer = policy.viewer_for(getattr(request, "user", None))
    return {"may": {name: gate(viewer) for name, gate in GATES.items()}}
