"""GOV.UK Design System classes for Django form widgets, so every form looks and reads alike."""

from contextlib import contextmanager

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

WIDGET_CLASSES = {
    forms.Textarea: "govuk-textarea",
    forms.Select: "govuk-select",
    forms.SelectMultiple: "govuk-select",
    forms.CheckboxInput: "govuk-checkboxes__input",
    forms.CheckboxSelectMultiple: "govuk-checkboxes__input",
    forms.RadioSelect: "govuk-radios__input",
    forms.FileInput: "govuk-file-upload",
}


class GovUKFormMixin:
    """Adds the GOV.UK class to each widget and links hints and errors for screen readers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            css = next((c for t, c in WIDGET_CLASSES.items() if isinstance(widget, t)), "govuk-input")
            widget.attrs["class"] = f"{css} {widget.attrs.get('class', '')}".strip()
            if field.help_text:
                widget.attrs["aria-describedby"] = f"id_{name}_helptext"

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            widget = self.fields[name].widget
            widget.attrs["aria-invalid"] = "true"
            described = widget.attrs.get("aria-describedby", "")
            widget.attrs["aria-describedby"] = f"{described} id_{name}-error".strip()
            for base in ("govuk-input", "govuk-select", "govuk-textarea"):
                if widget.attrs["class"].startswith(base):
                    widget.attrs["class"] += f" {base}--error"


def add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's validation errors on the form's fields (or the whole form), so they
    show in the GOV.UK error summary beside what the person typed."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for field, errors in exc.message_dict.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


@contextmanager
def service_errors_on(form):
    """Run a form's service call: a ValidationError it raises goes on the form (see
    add_service_errors) and the rest of the block is skipped, so the view goes on to show the
    form again with the GOV.UK error summary. One place for what every form page does."""
    try:
        yield
    except ValidationError as error:
        add_service_errors(form, error)


class SignInForm(GovUKFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is not active.",
    }
