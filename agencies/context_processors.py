"""Put the signed-in viewer (agency, role) in every template, for the header navigation."""

from consent.policy import viewer_for


def viewer(request):
    return {"viewer": viewer_for(getattr(request, "user", None))}
