"""The managers' queue of concerns about their agency, and answering one. Thin adapters over
concerns.selectors and concerns.services."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from consent.policy import answers_concerns, require, viewer_for
from core import limits
from core.forms import GovUKFormMixin, service_errors_on

from . import selectors, services
from .models import ConcernStatus


class ResponseForm(GovUKFormMixin, forms.Form):
    response = forms.CharField(
        label="Your response",
        max_length=limits.LONG_TEXT,
        help_text="The family will see this.",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter your response to the concern"},
    )


def _require_manager(request):
    require(answers_concerns(viewer_for(request.user)))


@login_required
def queue(request):
    _require_manager(request)
    status = request.GET.get("status", "")
    if status and status not in ConcernStatus.values:
        status = ""
    items = selectors.concern_queue(user=request.user, status=status or None)
    page = Paginator(items, limits.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "concerns/queue.html",
        {"page": page, "status": status, "statuses": ConcernStatus.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
def detail(request, concern_id):
    _require_manager(request)
    concern = selectors.concern_for_manager(user=request.user, concern_id=concern_id)
    # Bound on every POST, so a refused acknowledgement or closing can show its reason; left
    # empty, the response is asked for only when it is what was sent.
    acting = request.method == "POST" and "respond" not in request.POST
    form = ResponseForm(
        request.POST if request.method == "POST" else None,
        empty_permitted=acting,
        use_required_attribute=not acting,
    )
    if request.method == "POST":
        with service_errors_on(form):
            if "acknowledge" in request.POST:
                services.concern_acknowledge(concern=concern, actor=request.user)
                messages.success(request, "Concern acknowledged: the family can see you are looking into it")
                return redirect("concerns:detail", concern.pk)
            if "close" in request.POST:
                services.concern_close(concern=concern, actor=request.user)
                messages.success(request, "Concern closed")
                return redirect("concerns:queue")
            if "respond" in request.POST and form.is_valid():
                services.concern_respond(
                    concern=concern, response=form.cleaned_data["response"], actor=request.user
                )
                messages.success(request, "Response sent: the family can now read it")
                return redirect("concerns:detail", concern.pk)
    return render(request, "concerns/detail.html", {"concern": concern, "form": form})
