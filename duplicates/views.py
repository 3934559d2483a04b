"""Manager pages for duplicate assessments: the dashboard, the review queue, one flag's review,
a CSV export and "rescan now" with its progress. Thin: selectors read, services write."""

from __future__ import annotations

import csv
import re
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from agencies.models import Agency
from core import dates, limits, runs
from core.forms import GovUKFormMixin, service_errors_on

from . import selectors as duplicate_selectors
from . import services as duplicate_services
from . import tasks
from .models import FlagStatus

# htmx stops polling when the answer has this status.
HTMX_STOP_POLLING = 286
TASK_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class FilterForm(GovUKFormMixin, forms.Form):
    agency = forms.TypedChoiceField(label="Agency", required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *FlagStatus.choices]
    )
    date_from = forms.DateField(
        label="From",
        required=False,
        help_text="The later assessment on or after, for example 2026-01-31",
        validators=[dates.ANY_DAY],
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        help_text="The later assessment on or before, for example 2026-03-31",
        validators=[dates.ANY_DAY],
    )

    def __init__(self, *args, agencies: list[Agency], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", "Any agency")] + [(a.pk, a.name) for a in agencies]
        for name in ("date_from", "date_to"):
            self.fields[name].widget.input_type = "date"
            self.fields[name].error_messages["invalid"] = "Enter a real date, for example 2026-01-31"

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date must be the same as or after the start date")
        return data

    def filters(self) -> duplicate_selectors.FlagFilters:
        if not self.is_valid():
            return duplicate_selectors.FlagFilters()
        data = self.cleaned_data
        return duplicate_selectors.FlagFilters(
            status=data.get("status") or "",
            agency_id=data.get("agency"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


def _filter_form(request) -> FilterForm:
    agencies = duplicate_selectors.agencies_for_filter(user=request.user)
    form = FilterForm(request.GET or None, agencies=agencies)
    if request.GET:
        form.is_valid()
    return form


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
def dashboard(request):
    scope = duplicate_selectors.require_manager(request.user)
    form = _filter_form(request)
    data = duplicate_selectors.dashboard(user=request.user, filters=form.filters())
    last_rescan = runs.last_finished(task_name=tasks.RESCAN)  # the nightly repair, seen to have run
    return render(
        request,
        "duplicates/dashboard.html",
        {
            "form": form,
            "data": data,
            "chart": month_chart(data.by_month),
            "scope": scope,
            "query": _query_without_page(request),
            "window_days": settings.DUPLICATE_WINDOW_DAYS,
            "last_rescan": last_rescan,
            "rescan_overdue": runs.last_run_overdue(
                run=last_rescan, period=settings.CATCH_UP_RUNS[tasks.RESCAN]
            ),
        },
    )


def month_chart(by_month, *, height: int = 100, step: int = 40) -> dict:
    """Bars for a server-drawn SVG chart: all flags, with the avoidable part over them."""
    largest = max((n for _, n, _ in by_month), default=0)
    bars = []
    for index, (month, n, avoidable) in enumerate(by_month):
        bar = round(height * n / largest) if largest else 0
        part = round(height * avoidable / largest) if largest else 0
        bars.append(
            {
                "month": month,
                "x": index * step + 8,
                "y": 10 + height - bar,
                "height": bar,
                "avoidable_y": 10 + height - part,
                "avoidable_height": part,
            }
        )
    return {"bars": bars, "width": max(len(bars) * step + 16, 120)}


@login_required
def queue(request):
    scope = duplicate_selectors.require_manager(request.user)
    form = _filter_form(request)
    flags = duplicate_selectors.flag_list(user=request.user, filters=form.filters())
    page = Paginator(flags, limits.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "duplicates/queue.html",
        {
            "form": form,
            "page": page,
            "scope": scope,
            "query": _query_without_page(request),
            "not_shown": duplicate_selectors.flags_not_shown(user=request.user),
        },
    )


class ReviewForm(GovUKFormMixin, forms.Form):
    status = forms.ChoiceField(
        label="Is this a duplicate?",
        choices=[
            (FlagStatus.CONFIRMED, "Yes, the same questions were asked again"),
            (FlagStatus.DISMISSED, "No, dismiss this flag"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether this is a duplicate"},
    )
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=limits.REASON_TEXT,
        help_text="For example: a different concern needed a fresh assessment.",
        error_messages={"required": "Enter the reason for your decision"},
    )


@login_required
def review(request, flag_id):
    flag = duplicate_selectors.flag_detail(user=request.user, flag_id=flag_id)
    form = ReviewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            with service_errors_on(form):
                duplicate_services.duplicate_flag_review(flag=flag, actor=request.user, **form.cleaned_data)
                verb = "confirmed" if form.cleaned_data["status"] == FlagStatus.CONFIRMED else "dismissed"
                messages.success(request, f"Flag {flag.pk} {verb}.")
                return redirect("duplicates:queue")
        status = 400
    return render(request, "duplicates/review.html", {"flag": flag, "form": form}, status=status)


def _csv_safe(value) -> str:
    """Stop a spreadsheet from reading free text as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
def export_csv(request):
    duplicate_selectors.require_manager(request.user)
    form = _filter_form(request)
    flags = duplicate_selectors.flag_list(user=request.user, filters=form.filters())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="duplicate-assessments-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "flag",
            "status",
            "earlier assessment",
            "earlier type",
            "asked first by",
            "earlier completed",
            "later assessment",
            "later type",
            "asked again by",
            "later completed",
            "days apart",
            "shared questions",
            "shared question codes",
            "avoidable",
            "estimated avoidable cost (£)",
            "review reason",
        ]
    )
    for flag in flags.iterator(chunk_size=1000):
        writer.writerow(
            [
                flag.pk,
                flag.status,
                flag.earlier_id,
                _csv_safe(flag.earlier.assessment_type.name),
                _csv_safe(flag.earlier.agency.name),
                timezone.localtime(flag.earlier.completed_at).date().isoformat(),
                flag.later_id,
                _csv_safe(flag.later.assessment_type.name),
                _csv_safe(flag.asked_again_by.name),
                timezone.localtime(flag.later.completed_at).date().isoformat(),
                flag.days_apart,
                flag.shared_count,
                " ".join(sorted(q.code for q in flag.shared_questions.all())),
                "yes" if flag.avoidable else "no",
                f"{flag.estimated_cost_pence / 100:.2f}",
                _csv_safe(flag.review_reason),
            ]
        )
    return response


@require_POST
@login_required
def rescan_start(request):
    """Queue a rescan (through the outbox: it starts when the task queue answers, even if it
    is down now) and show its progress; in eager mode it has already run."""
    duplicate_selectors.require_manager(request.user)
    task_id = tasks.enqueue_rescan()
    run = runs.run_by_task_id(task_name=tasks.RESCAN, task_id=task_id)
    if run is not None and run.finished_at is not None:
        summary = run.summary
        messages.success(
            request,
            f"Rescan finished: {summary['people']:,} people checked, {summary['created']:,} new flags.",
        )
        return redirect("duplicates:dashboard")
    return redirect("duplicates:rescan_progress", task_id=task_id)


def _progress(task_id: str) -> dict:
    """The rescan's state from its run record: waiting (not started: the queue may be down),
    in progress, finished, held up and about to try again, or given up (it failed for good, or
    started longer ago than its time limit)."""
    context = {"task_id": task_id, "state": "PENDING", "done": None, "total": None, "summary": None}
    run = runs.run_by_task_id(task_name=tasks.RESCAN, task_id=task_id)
    if run is not None and run.finished_at is not None:
        context.update(state="SUCCESS", summary=run.summary)
    elif run is not None and run.failed_at is not None:
        context["state"] = "RETRY" if run.summary.get("retrying") else "FAILURE"
    elif run is not None and timezone.now() - run.started_at > timedelta(seconds=settings.RESCAN_TIME_LIMIT):
        context["state"] = "FAILURE"
    elif run is not None:
        context.update(state="PROGRESS", done=run.summary.get("done", 0), total=run.summary.get("total", 0))
    context["finished"] = context["state"] in ("SUCCESS", "FAILURE")
    return context


@login_required
def rescan_progress(request, task_id):
    duplicate_selectors.require_manager(request.user)
    if not TASK_ID.match(task_id):
        raise Http404("No such rescan.")
    context = _progress(task_id)
    context["poll_url"] = reverse("duplicates:rescan_progress", kwargs={"task_id": task_id})
    if request.headers.get("HX-Request") == "true":
        response = render(request, "duplicates/_rescan_status.html", context)
        if context["finished"]:
            response.status_code = HTMX_STOP_POLLING
        return response
    return render(request, "duplicates/rescan.html", context)
