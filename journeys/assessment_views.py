"""Recording an assessment, with "tell us once": the bank questions already answered in the
last few months, in records the user may see, each reusable with one click (recorded as reused,
with its source), so the family is not asked again."""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from agencies.models import AssessmentType, Level
from consent.policy import access_person, require, uses_staff_pages, viewer_for
from core import dates, limits
from core.forms import GovUKFormMixin, service_errors_on

from . import selectors, services, tell_us_once
from .models import Answer, Sensitivity


class AssessmentForm(GovUKFormMixin, forms.Form):
    """One field per question of the type, plus a 'use the earlier answer' box where there is one."""

    completed_on = forms.DateField(
        label="Date of the assessment",
        help_text="For example, 2026-03-27",
        error_messages={"required": "Enter the date of the assessment", "invalid": "Enter a real date"},
        validators=[dates.HAPPENED],
    )
    sensitivity = forms.ChoiceField(
        label="What kind of information is this?",
        choices=Sensitivity.choices,
        initial=Sensitivity.GENERAL,
        help_text="Records other than general ones are shared only where a person agreed to share that kind.",
    )

    def __init__(self, *args, questions, earlier, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        self.earlier = earlier
        self.fields["completed_on"].widget.input_type = "date"
        for question in self.questions:
            self.fields[f"answer_{question.code}"] = forms.CharField(
                label=question.text,
                required=False,
                max_length=limits.LONG_TEXT,
                widget=forms.Textarea(attrs={"rows": 2, "class": "govuk-textarea"}),
            )
            found = earlier.get(question.pk)
            if found is not None:
                self.fields[f"reuse_{question.code}"] = forms.BooleanField(
                    required=False,
                    widget=forms.CheckboxInput(attrs={"class": "govuk-checkboxes__input"}),
                    label=f"Use the answer {found.agency_name} recorded on "
                    f"{timezone.localtime(found.completed_at):%-d %B %Y}",
                )

    def rows(self):
        """(question, answer field, reuse field or None, earlier answer or None) for the template."""
        for question in self.questions:
            reuse = f"reuse_{question.code}"
            yield (
                question,
                self[f"answer_{question.code}"],
                self[reuse] if reuse in self.fields else None,
                self.earlier.get(question.pk),
            )

    def clean(self):
        data = super().clean()
        answers = []
        for question in self.questions:
            value = (data.get(f"answer_{question.code}") or "").strip()
            reuse = data.get(f"reuse_{question.code}")
            if reuse and value:
                self.add_error(
                    f"answer_{question.code}",
                    "Either use the earlier answer or type a new one, not both",
                )
                continue
            if reuse:
                found = self.earlier[question.pk]
                answers.append(
                    {"question": question.code, "value": found.value, "reused_from": found.answer_id}
                )
            elif value:
                answers.append({"question": question.code, "value": value})
        if not answers and not self.errors:
            first = self.questions[0].code if self.questions else "completed_on"
            self.add_error(f"answer_{first}", "Answer at least one question, or use an earlier answer")
        data["answers"] = answers
        return data


def _assessment_types(viewer, level: str):
    return list(
        AssessmentType.objects.filter(agency_id=viewer.agency_id, level=level)
        .prefetch_related("questions")
        .order_by("name")
    )


@login_required
def record(request):
    """Record an assessment about a person (?person=id) or a family (?family=id)."""
    viewer = viewer_for(request.user)
    require(uses_staff_pages(viewer))
    person = family = None
    if request.GET.get("person"):
        person, _ = access_person(request.user, request.GET["person"])
        level, subject_name = Level.PERSON, person.full_name
        back = reverse("journeys:person_record", args=[person.pk])
    elif request.GET.get("family"):
        try:
            family = selectors.family_detail(user=request.user, family_id=int(request.GET["family"]))
        except (TypeError, ValueError):
            raise Http404("No such family.") from None
        level, subject_name = Level.FAMILY, family.label
        back = reverse("journeys:family_detail", args=[family.pk])
    else:
        raise Http404("Choose a person or a family first.")
    types = _assessment_types(viewer, level)
    chosen = next((t for t in types if str(t.pk) == request.GET.get("type", "")), None)
    context = {"subject_name": subject_name, "person": person, "family": family, "back": back, "types": types}
    if chosen is None:
        status = 400 if request.GET.get("type") else 200
        context["type_error"] = "Choose an assessment type of your agency" if status == 400 else ""
        return render(request, "journeys/assessment_choose.html", context, status=status)

    questions = list(chosen.questions.all())
    # A post that saves shows nothing: its reuse is logged by the service instead.
    earlier = tell_us_once.tell_us_once(
        user=request.user,
        question_ids=[q.pk for q in questions],
        person=person,
        family=family,
        log=request.method != "POST",
    )
    form = AssessmentForm(request.POST or None, questions=questions, earlier=earlier)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            reused = Answer.objects.in_bulk(
                [a["reused_from"] for a in data["answers"] if a.get("reused_from")]
            )
            answers = [
                {**a, "reused_from": reused.get(a["reused_from"])} if a.get("reused_from") else a
                for a in data["answers"]
            ]
            completed_at = timezone.make_aware(datetime.combine(data["completed_on"], time(12, 0)))
            if data["completed_on"] == timezone.localdate():
                completed_at = min(completed_at, timezone.now())
            with service_errors_on(form):
                assessment = services.assessment_record(
                    assessment_type=chosen,
                    subject_person=person,
                    subject_family=family,
                    completed_at=completed_at,
                    answers=answers,
                    sensitivity=data["sensitivity"],
                    actor=request.user,
                )
                told_once = sum(1 for a in answers if a.get("reused_from"))
                note = f", {told_once} reused from earlier records" if told_once else ""
                if assessment.sensitivity != data["sensitivity"]:
                    note += (
                        f". It is marked {assessment.get_sensitivity_display().lower()}, the most"
                        " sensitive kind of the answers it reuses"
                    )
                messages.success(request, f"{chosen.name} recorded with {len(answers)} answers{note}.")
                return redirect(back)
        status = 400
        tell_us_once.log_shown(user=request.user, person=person, earlier=earlier.values())
    context.update({"chosen": chosen, "form": form, "earlier": list(earlier.values())})
    return render(request, "journeys/assessment_record.html", context, status=status)
