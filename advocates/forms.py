"""Forms for advocates' pages: they validate input and never save (the services do)."""

from __future__ import annotations

from django import forms

from agencies.models import Agency, ContactType
from core import dates, limits
from core.forms import GovUKFormMixin
from journeys.models import Channel, DemandType

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]

DEMAND_HELP = (
    "Value demand is what the family needed from the agency. Failure demand is caused by "
    "something not done, or not done right, the first time: chasing, repeating their story, "
    "being referred again."
)


class PeopleField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.full_name


class ContactLogForm(GovUKFormMixin, forms.Form):
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.order_by("name"),
        label="Agency",
        empty_label="Choose the agency",
        error_messages={"required": "Choose the agency", "invalid_choice": "Choose the agency"},
    )
    persons = PeopleField(
        queryset=None,
        label="Who was it with?",
        error_messages={"required": "Choose who the contact was with"},
    )
    occurred_at = forms.DateTimeField(
        label="When",
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Now, unless you change it.",
        error_messages={"required": "Enter when it happened", "invalid": "Enter a real date and time"},
        validators=[dates.HAPPENED],
    )
    contact_type = forms.ModelChoiceField(
        queryset=ContactType.objects.order_by("label"),
        label="Type of contact",
        empty_label="Choose the type",
        error_messages={
            "required": "Choose the type of contact",
            "invalid_choice": "Choose the type of contact",
        },
    )
    channel = forms.ChoiceField(
        choices=Channel.choices,
        label="How",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how it happened"},
    )
    summary = forms.CharField(
        label="Summary",
        max_length=limits.LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter a short summary of what happened"},
    )
    demand_type = forms.ChoiceField(
        choices=DemandType.choices,
        label="Value or failure demand?",
        widget=forms.RadioSelect,
        help_text=DEMAND_HELP,
        error_messages={"required": "Choose value demand, failure demand or not known"},
    )
    duration_minutes = forms.IntegerField(
        label="How long, in minutes (optional)",
        required=False,
        min_value=1,
        max_value=24 * 60,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
        error_messages={"invalid": "Enter the minutes as a number, like 30"},
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["persons"].queryset = members


class TimelineFilterForm(GovUKFormMixin, forms.Form):
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(), required=False, empty_label="Any agency", label="Agency"
    )
    person = forms.ModelChoiceField(queryset=None, required=False, empty_label="Anyone", label="Person")
    contact_type = forms.ModelChoiceField(
        queryset=ContactType.objects.none(), required=False, empty_label="Any type", label="Type"
    )
    date_from = forms.DateField(
        required=False,
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a real date for 'From'"},
        validators=[dates.ANY_DAY],
    )
    date_to = forms.DateField(
        required=False,
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a real date for 'To'"},
        validators=[dates.ANY_DAY],
    )

    def __init__(self, *args, members, agencies, contact_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = members
        self.fields["person"].label_from_instance = lambda p: p.full_name
        self.fields["agency"].queryset = agencies
        self.fields["contact_type"].queryset = contact_types
        for field in self.fields.values():
            field.error_messages["invalid_choice"] = f"Choose {field.label.lower()} from the list"

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "'To' must be the same as or after 'From'")
        return data


class ConferenceForm(GovUKFormMixin, forms.Form):
    held_at = forms.DateTimeField(
        label="Date and time",
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"required": "Enter the date and time", "invalid": "Enter a real date and time"},
        validators=[dates.PLANNED],
    )
    place = forms.CharField(
        label="Place",
        max_length=200,
        help_text="Somewhere the family chose and feels comfortable, if possible.",
        error_messages={"required": "Enter where the conference is held"},
    )
    family_members = PeopleField(
        queryset=None,
        required=False,
        label="Who from the family is attending?",
        help_text="Conferences are held with the family, not about it.",
    )
    family_absent_reason = forms.CharField(
        label="If nobody from the family is attending, why not?",
        required=False,
        max_length=limits.REASON_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    agencies = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.order_by("name"),
        required=False,
        label="Agencies attending",
        widget=forms.CheckboxSelectMultiple,
    )
    attendee_names = forms.CharField(
        label="Names of the people attending from agencies (optional)",
        required=False,
        max_length=limits.SHORT_TEXT,
        help_text="One a line, as 'Agency: Name', for example 'District Housing Options: Kwame Mensah'.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    agenda = forms.CharField(
        label="Agenda", required=False, max_length=limits.LONG_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcome = forms.CharField(
        label="Outcome (optional; add it after the meeting)",
        required=False,
        max_length=limits.LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["family_members"].queryset = members

    def clean(self):
        data = super().clean()
        nobody = not data.get("family_members") and not (data.get("family_absent_reason") or "").strip()
        if nobody and "family_members" not in self.errors:
            self.add_error(
                "family_absent_reason",
                "Choose who from the family is attending, or say why nobody is",
            )
        return data

    def agency_attendees(self) -> list[tuple[Agency, str]]:
        names = {}
        for line in (self.cleaned_data.get("attendee_names") or "").splitlines():
            agency, _, name = line.partition(":")
            if name.strip():
                names[agency.strip().lower()] = name.strip()
        return [(a, names.get(a.name.lower(), "")) for a in self.cleaned_data.get("agencies") or []]


class ActionForm(GovUKFormMixin, forms.Form):
    description = forms.CharField(
        label="Action",
        max_length=limits.REASON_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter what is to be done"},
    )
    owner = forms.ChoiceField(label="Who will do it", error_messages={"required": "Choose who will do it"})
    due = forms.DateField(
        label="Due by",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Enter the date it is due", "invalid": "Enter a real date"},
        validators=[dates.PLANNED],
    )

    def __init__(self, *args, members=(), agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [
            ("", "Choose who"),
            ("Family", [(f"person:{p.pk}", p.full_name) for p in members]),
            ("Agencies", [(f"agency:{a.pk}", a.name) for a in agencies]),
        ]
        self._members = {p.pk: p for p in members}
        self._agencies = {a.pk: a for a in agencies}

    def owner_kwargs(self) -> dict:
        kind, _, pk = self.cleaned_data["owner"].partition(":")
        if kind == "person":
            return {"owner_person": self._members[int(pk)]}
        return {"owner_agency": self._agencies[int(pk)]}


class OutcomeForm(GovUKFormMixin, forms.Form):
    outcome = forms.CharField(
        label="Outcome",
        max_length=limits.LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the outcome of the conference"},
    )


class ConcernForm(GovUKFormMixin, forms.Form):
    about_agency = forms.ModelChoiceField(
        queryset=Agency.objects.order_by("name"),
        label="Which agency is the concern about?",
        empty_label="Choose the agency",
        error_messages={"required": "Choose the agency", "invalid_choice": "Choose the agency"},
    )
    text = forms.CharField(
        label="What is the concern?",
        max_length=limits.LONG_TEXT,
        help_text="The agency's managers will read this and answer. The family will see their answer.",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter what the concern is"},
    )


class AssignForm(GovUKFormMixin, forms.Form):
    reference = forms.CharField(
        label="Family reference",
        max_length=40,
        help_text="For example, DEMO-003.",
        error_messages={"required": "Enter the family's reference"},
    )
    advocate = forms.ModelChoiceField(
        queryset=None,
        label="Advocate",
        empty_label="Choose the advocate",
        error_messages={"required": "Choose the advocate", "invalid_choice": "Choose the advocate"},
    )

    def __init__(self, *args, advocates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["advocate"].queryset = advocates
        self.fields["advocate"].label_from_instance = lambda u: u.get_full_name() or u.username


class ReassignForm(GovUKFormMixin, forms.Form):
    advocate = forms.ModelChoiceField(
        queryset=None,
        label="New advocate",
        empty_label="Choose the advocate",
        error_messages={"required": "Choose the advocate", "invalid_choice": "Choose the advocate"},
    )

    def __init__(self, *args, advocates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["advocate"].queryset = advocates
        self.fields["advocate"].label_from_instance = lambda u: u.get_full_name() or u.username
