"""Sign-in bookkeeping that must happen however a sign-in or a password change is made (pages,
admin, commands): a session's start time, and the end of every API token on a new password."""

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from . import services
from .middleware import LAST_SEEN, SIGNED_IN_AT


@receiver(user_logged_in)
def start_session_clock(sender, request, user, **kwargs):
    if hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = request.session[LAST_SEEN] = time.time()


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def note_password_change(sender, instance, update_fields=None, **kwargs):
    """Sessions end by themselves on a new password (Django's session auth hash); tokens are
    ended after the save."""
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = get_user_model().objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._password_changed = stored is not None and stored != instance.password


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def end_tokens_on_password_change(sender, instance, **kwargs):
    if getattr(instance, "_password_changed", False):
        instance._password_changed = False
        services.tokens_revoke_all(user=instance, reason="password changed")
