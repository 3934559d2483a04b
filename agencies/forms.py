"""The API client form a manager fills in."""

from django import forms

from config.govuk_forms import GovUKFormMixin

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
