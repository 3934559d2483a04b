"""Session timeouts: a sign-in ends after SESSION_IDLE_TIMEOUT without a request, and
SESSION_ABSOLUTE_TIMEOUT after it began, whatever the cookie says."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout

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
