"""The API client form a manager fills in."""

from django import forms

from core.forms import GovUKFormMixin

from .models import ApiScope


class ApiClientForm(GovUKFormMixin, forms.Form):
    name = forms.CharField(
        max_length=100,
        label="Name of the system",
        help_text="For example, the case management system. Your agency's other managers see this name.",
        error_messages={"required": "Enter a name for the system."},
    )
    scopes = forms.MultipleChoiceField(
        choices=ApiScope.choices,
        widget=forms.CheckboxSelectMultiple,
        label="What the system may do",
        help_text="Choose only what it needs. It sees only what your agency's staff may see.",
        error_messages={"required": "Choose what the system may do."},
    )


class TwoStepCodeForm(GovUKFormMixin, forms.Form):
    code = forms.CharField(
        max_length=20,
        label="Code",
        help_text="The 6-digit code your authenticator app shows now, or one of your recovery codes.",
        error_messages={"required": "Enter the 6-digit code from your app, or one of your recovery codes"},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )


class TwoStepResetForm(GovUKFormMixin, forms.Form):
    username = forms.CharField(
        max_length=150, label="Username", error_messages={"required": "Enter the username"}
    )
    reason = forms.CharField(
        max_length=500,
        label="Why it is reset",
        help_text="For example: phone lost, identity checked by video call with their manager.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why it is reset, and how you checked who asked"},
    )
