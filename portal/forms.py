"""Forms of the citizen portal, in plain words: they validate input; the services write."""

from django import forms

from consent.models import Category
from core import limits
from core.forms import GovUKFormMixin
from journeys.models import Sensitivity

from .models import CorrectableField, InvitationChannel

CATEGORY_CHOICES = [
    (Category.CONTACTS, "When other agencies met or spoke to {them}"),
    (Category.NOTES, "What other agencies wrote about each time"),
    (Category.ASSESSMENTS, "Assessments, with the answers given"),
    (Category.CONTACT_DETAILS, "{their} phone number, email and address"),
]
TOPIC_CHOICES = [(value, label) for value, label in Sensitivity.choices if value != Sensitivity.GENERAL]


class ConsentScopeForm(GovUKFormMixin, forms.Form):
    categories = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        label="What may they see?",
        error_messages={"required": "Choose at least one thing they may see."},
    )
    labels = forms.MultipleChoiceField(
        choices=TOPIC_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Private topics (optional)",
        help_text="Everyday records are always included. Tick a topic only if you want them to see it too.",
    )

    def __init__(self, *args, them="you", their="your", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = [
            (value, words.format(them=them, their=their).capitalize()) for value, words in CATEGORY_CHOICES
        ]

    def clean_labels(self):
        return [Sensitivity.GENERAL, *self.cleaned_data["labels"]]


class DetailsForm(GovUKFormMixin, forms.Form):
    phone = forms.CharField(
        required=False,
        max_length=40,
        label="Phone number",
        help_text="For example, 07700 900 982.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.CharField(
        required=False,
        max_length=254,
        label="Email address",
        widget=forms.TextInput(attrs={"type": "email", "autocomplete": "email", "spellcheck": "false"}),
    )
    address = forms.CharField(
        required=False,
        max_length=500,
        label="Address",
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "street-address"}),
    )
    preferred_name = forms.CharField(
        required=False,
        max_length=100,
        label="The name you like to be called (optional)",
        help_text="Agencies will use this name when they talk to you.",
    )


class CorrectionForm(GovUKFormMixin, forms.Form):
    field = forms.ChoiceField(
        choices=CorrectableField.choices,
        widget=forms.RadioSelect,
        label="What is wrong?",
        error_messages={"required": "Choose what is wrong."},
    )
    requested_value = forms.CharField(
        max_length=100,
        label="What should it say?",
        help_text="For a date of birth, write it like 27 3 2007.",
        error_messages={"required": "Enter what it should say."},
    )
    explanation = forms.CharField(
        required=False,
        max_length=limits.REASON_TEXT,
        label="Anything else they should know (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("field") == CorrectableField.DATE_OF_BIRTH and data.get("requested_value"):
            field = forms.DateField(input_formats=["%d %m %Y", "%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"])
            try:
                data["requested_value"] = field.clean(data["requested_value"].strip())
            except forms.ValidationError:
                self.add_error("requested_value", "Enter a real date of birth, like 27 3 2007.")
        return data


class DecisionForm(GovUKFormMixin, forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", "Accept: change the record"), ("decline", "Decline")],
        widget=forms.RadioSelect,
        label="Your decision",
        error_messages={"required": "Choose to accept or decline."},
    )
    reason = forms.CharField(
        required=False,
        max_length=limits.REASON_TEXT,
        label="Reason",
        help_text="Needed when you decline. The person will read it, so use plain words.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ConcernForm(GovUKFormMixin, forms.Form):
    about_agency = forms.TypedChoiceField(
        coerce=int,
        label="Which agency is it about?",
        error_messages={"required": "Choose the agency your concern is about."},
    )
    text = forms.CharField(
        max_length=limits.LONG_TEXT,
        label="What is your concern?",
        help_text="Say what happened and what you would like them to do.",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter what your concern is."},
    )

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["about_agency"].choices = [("", "Choose an agency"), *((a.pk, a.name) for a in agencies)]


class InviteForm(GovUKFormMixin, forms.Form):
    """How to give the invitation: only the ways open to the viewer are offered, and an email
    or phone goes only to the one on the record (rule 12), so nothing is typed."""

    channel = forms.ChoiceField(
        widget=forms.RadioSelect,
        label="How will you give them the invitation?",
        error_messages={
            "required": "Choose how to give them the invitation.",
            "invalid_choice": "Choose one of the ways shown to give them the invitation.",
        },
    )

    def __init__(self, *args, person, channels, **kwargs):
        super().__init__(*args, **kwargs)
        words = {
            InvitationChannel.EMAIL: f"By email to {person.email}",
            InvitationChannel.SMS: f"By text message to {person.phone}",
            InvitationChannel.IN_PERSON: "In person: I will give them a one-time code now",
        }
        self.fields["channel"].choices = [(c, words[c]) for c in channels]


class JoinCodeForm(GovUKFormMixin, forms.Form):
    code = forms.CharField(
        max_length=20,
        label="Your code",
        help_text="8 letters and numbers, like KM7Q-4TXP.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
        error_messages={"required": "Enter the code you were given."},
    )
    date_of_birth = forms.DateField(
        label="Your date of birth",
        help_text="For example, 27 3 1990.",
        input_formats=["%d %m %Y", "%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"],
        widget=forms.TextInput(attrs={"autocomplete": "bday"}),
        error_messages={
            "required": "Enter your date of birth.",
            "invalid": "Enter your date of birth like 27 3 1990.",
        },
    )


class SetPasswordForm(GovUKFormMixin, forms.Form):
    password = forms.CharField(
        label="Create a password",
        help_text="Use at least 8 characters. A few words together are easy to remember.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter a password."},
    )
    password_again = forms.CharField(
        label="Type the password again",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Type the password again."},
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", "The passwords do not match. Type the same password twice.")
        return data


class StopSharingForm(GovUKFormMixin, forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=limits.SHORT_TEXT,
        label="Why are you stopping? (optional)",
        help_text="You do not have to say. The agency will see what you write.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
