"""Responses carry case data (records, families, journeys, caseloads, the portal, the API), so
no browser or proxy may keep a copy: a shared computer's back button or a proxy's cache would
otherwise show them to the next person. Static files are served before this middleware runs."""

from django.utils.cache import add_never_cache_headers


class NoStore:
    """Middleware: every response Django makes is marked `Cache-Control: no-store`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response
