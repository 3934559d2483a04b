"""Session timeouts: a sign-in ends after SESSION_IDLE_TIMEOUT without a request, and
SESSION_ABSOLUTE_TIMEOUT after it began, whatever the cookie says; and a sign-in passes its
second factor before any page."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from consent import policy

SIGNED_IN_AT = "signed_in_at"
LAST_SEEN = "last_seen"
# Write the session at most this often (seconds) to note activity, not on every request.
LAST_SEEN_GRANULARITY = 60


class SessionTimeouts:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            session = request.session
            now = time.time()
            signed_in_at = session.setdefault(SIGNED_IN_AT, now)
            last_seen = session.get(LAST_SEEN, now)
            if now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                minutes = settings.SESSION_IDLE_TIMEOUT // 60
                self._end(request, f"You were signed out after {minutes} minutes without activity.")
            elif now - signed_in_at > settings.SESSION_ABSOLUTE_TIMEOUT:
                hours = settings.SESSION_ABSOLUTE_TIMEOUT // 3600
                self._end(request, f"You were signed out because you signed in more than {hours} hours ago.")
            elif now - last_seen >= LAST_SEEN_GRANULARITY or LAST_SEEN not in session:
                session[LAST_SEEN] = now
        return self.get_response(request)

    @staticmethod
    def _end(request, message: str) -> None:
        logout(request)
        messages.info(request, f"{message} Sign in again to carry on.")


# The pages a sign-in that has still to pass its second factor may open, by URL name.
SECOND_FACTOR_PAGES = {"agencies:two_step_verify", "agencies:two_step_set_up", "logout", "healthz"}


class SecondFactorFirst:
    """A sign-in with its second factor still due (consent.policy decides, and shows it nothing
    meanwhile) is sent to enter its code, or to set one up, from every page. The API answers
    such a session as the policy says: nothing to see."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match.view_name in SECOND_FACTOR_PAGES or match.route.startswith("api/"):
            return None
        viewer = policy.viewer_for(request.user)
        if not viewer.second_factor_due:
            return None
        page = "agencies:two_step_verify" if viewer.has_second_factor else "agencies:two_step_set_up"
        return redirect_to_login(request.get_full_path(), login_url=reverse(page))
