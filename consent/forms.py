"""Forms for the consent pages: they validate input; the services write."""

from django import forms

from agencies.models import Agency
from core import dates, limits
from core.forms import GovUKFormMixin
from journeys.models import Sensitivity

from .models import Category, Method, ReviewStatus
from .receipts import CATEGORY_WORDS

PAPER_METHODS = [(m.value, m.label) for m in Method if m != Method.PORTAL]


class ConsentForm(GovUKFormMixin, forms.Form):
    agencies = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        label="Which agencies may see the record?",
        error_messages={"required": "Choose at least one agency."},
    )
    categories = forms.MultipleChoiceField(
        choices=[
            (c.value, f"{c.label}: {CATEGORY_WORDS[c].format(them='them', their='their')}") for c in Category
        ],
        widget=forms.CheckboxSelectMultiple,
        label="What may they see?",
        error_messages={"required": "Choose at least one kind of record to share."},
    )
    labels = forms.MultipleChoiceField(
        choices=Sensitivity.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Sensitivity.GENERAL],
        label="Which records?",
        help_text="Everyday records are marked general. Choose other topics only if the person agrees.",
        error_messages={"required": "Choose at least one kind of record, such as general."},
    )
    given_by = forms.TypedChoiceField(coerce=int, label="Who gave consent?")
    method = forms.ChoiceField(choices=PAPER_METHODS, widget=forms.RadioSelect, label="How was it given?")
    purpose = forms.CharField(
        required=False,
        max_length=300,
        label="Why (optional)",
        help_text="In the person's words, what sharing is for.",
    )
    valid_from = forms.DateField(
        required=False,
        label="Start date (optional)",
        help_text=(
            "For a signed paper form, the date it was signed, at most 30 days ago. For example, 27 3 2026."
        ),
        input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y"],
        validators=[dates.CONSENT_START],
    )

    def __init__(self, *args, givers=(), **kwargs):
        """`givers`: (value, label) pairs, so a person the viewer may not name is offered
        without their name or id."""
        super().__init__(*args, **kwargs)
        self.fields["given_by"].choices = list(givers)


class RevokeForm(GovUKFormMixin, forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limits.SHORT_TEXT,
        label="Why is consent being withdrawn?",
        help_text="For example, what the person said. They will see this.",
        error_messages={"required": "Enter the reason the person gave."},
    )


class BreakGlassForm(GovUKFormMixin, forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=limits.REASON_TEXT,
        label="Why do you need emergency access?",
        help_text=(
            "Write a full sentence: what has happened and what you need to know. "
            "The person and your manager will see it."
        ),
        error_messages={"required": "Explain in a full sentence why you need emergency access."},
    )
    hours = forms.TypedChoiceField(coerce=int, label="For how long?")
    # The exact identifier a search matched, for a person the agency has no records of yet.
    scheme = forms.CharField(required=False, widget=forms.HiddenInput)
    value = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, max_hours=4, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hours"].choices = [
            (h, f"{h} hour{'s' if h > 1 else ''}") for h in range(1, max_hours + 1)
        ]
        self.fields["hours"].initial = max_hours


class ReviewForm(GovUKFormMixin, forms.Form):
    status = forms.ChoiceField(
        choices=[(ReviewStatus.JUSTIFIED, "Justified"), (ReviewStatus.NOT_JUSTIFIED, "Not justified")],
        widget=forms.RadioSelect,
        label="Was the emergency access justified?",
        error_messages={"required": "Choose whether the emergency access was justified."},
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limits.REASON_TEXT,
        label="Note",
        error_messages={"required": "Write a note saying why."},
    )
