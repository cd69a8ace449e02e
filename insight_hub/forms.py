"""NHS.UK design-system markup for every Django form.

`settings.FORM_RENDERER = "insight_hub.forms.NHSFormRenderer"` makes any plain `forms.Form` / `ModelForm`
come out in NHS.UK frontend (v10) markup, whether rendered whole (`{{ form }}`), field by field
(`{{ form.email.as_field_group }}`) or as a lone field returned to htmx
(`HttpResponse(form["email"].as_field_group())`):

* form group `nhsuk-form-group` (`--error` when the field has errors), with id `<field id>_group` so an
  htmx request can swap one field (`hx-target="#id_email_group" hx-swap="outerHTML"`);
* label `nhsuk-label`, or a fieldset legend for radios, checkboxes and date inputs; optional fields
  are marked "(optional)", required ones are not marked (the NHS.UK convention);
* hint `nhsuk-hint` from `help_text`, error message `nhsuk-error-message` with a visually hidden
  "Error:" prefix; both are tied to the control (or the fieldset) by `aria-describedby`, using Django's
  own ids (`<id>_helptext`, `<id>_error`) so that the admin and Django's own attributes agree;
* controls get `nhsuk-input`, `nhsuk-textarea`, `nhsuk-select`, `nhsuk-file-upload__input` (with the
  `--error` modifier where NHS.UK has one), radios and checkboxes use `nhsuk-radios` / `nhsuk-checkboxes`.

Extra classes set on a widget are kept, e.g. `forms.TextInput(attrs={"class": "nhsuk-input--width-10"})`,
`forms.RadioSelect(attrs={"class": "nhsuk-radios--inline"})`.

Put `novalidate` on `<form>` so that the server's NHS.UK error messages are shown rather than the
browser's own bubbles. Buttons: `{% include "components/forms/submit.html" with text="Save" %}`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from functools import cache

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.core import validators
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.utils.functional import Promise

__all__ = ["EmailAuthenticationForm", "NHSBoundField", "NHSDateInput", "NHSFormRenderer", "named_error"]


def _kind(widget: forms.Widget) -> str:
    """The NHS.UK component a widget is rendered as (the field template switches on it)."""
    if widget.is_hidden:
        return "hidden"
    if isinstance(widget, NHSDateInput):
        return "date"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.Select):  # also SelectMultiple, NullBooleanSelect
        return "select"
    if isinstance(widget, forms.FileInput):  # also ClearableFileInput
        return "file"
    if isinstance(widget, forms.MultiWidget):
        return "multi"
    return "input"


# Class for the control itself, and whether NHS.UK has an `--error` modifier for it.
_CONTROL_CLASSES = {
    "input": ("nhsuk-input", True),
    "textarea": ("nhsuk-textarea", True),
    "select": ("nhsuk-select", True),
    "file": ("nhsuk-file-upload__input", False),
    "checkbox": ("nhsuk-checkboxes__input", False),
}


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


@cache
def _django_messages() -> frozenset[int]:
    """Django's own error messages (its form fields' defaults and its validators'), by identity: none
    names its field ("Select a valid choice. zzz is not one of the available choices."). A field keeps
    the very object unless its form gave its own wording, so identity tells them apart in any language."""
    messages: list[object] = []
    for cls in (forms.Field, *_subclasses(forms.Field)):
        if cls.__module__.startswith("django."):
            messages += vars(cls).get("default_error_messages", {}).values()
    for value in vars(validators).values():
        if isinstance(value, type) and isinstance(getattr(value, "message", None), str | Promise):
            messages.append(value.message)
    return frozenset(map(id, messages))


def named_error(label: str, error: ValidationError) -> str:
    """The message with its field named where Django's own wording leaves it out, as the error summary lists
    it away from the field: "Organisation: select a valid choice; ‘zzz’ is not one of them." A form's own
    words are kept as they are: they are written to say what they are about ("Select the organisation")."""
    message = " ".join(error)  # the message with its values put in
    if not label or id(error.message) not in _django_messages():
        return message
    if error.code == "invalid_choice":
        value = str((error.params or {}).get("value", ""))
        value = value if len(value) <= 40 else f"{value[:39]}…"
        shown = f"‘{value}’ is not one of them" if value else "that one is not one of them"
        return f"{label}: select a valid choice; {shown}."
    return f"{label}: {message[:1].lower()}{message[1:]}"


class NHSBoundField(BoundField):
    """A BoundField that knows its NHS.UK component and adds its classes to the widget, and whose errors
    name it where Django's own wording does not (`named_error`): every page's error summary, inline
    message and filter form gets it from here."""

    @property
    def errors(self):
        errors = super().errors
        if not errors:
            return errors
        label = str(self.label or "").removesuffix("(optional)").strip()
        named = [named_error(label, error) for error in errors.as_data()]
        return self.form.error_class(named, renderer=self.form.renderer)

    @property
    def nhsuk_kind(self) -> str:
        return _kind(self.field.widget)

    @property
    def nhsuk_optional(self) -> bool:
        """Show "(optional)" after the label: not required, and not a lone checkbox (consent-style), nor a
        label that already says so (it would read "(optional) (optional)"), nor a field marked
        `always_answered` (a select whose blank option is itself an answer, such as "leave unmapped")."""
        if str(self.label).rstrip().endswith("(optional)"):
            return False
        if getattr(self.field, "always_answered", False):  # a select whose every option is an answer
            return False
        return not self.field.required and self.nhsuk_kind not in {"checkbox", "hidden"}

    @property
    def nhsuk_error_target_id(self) -> str:
        """The id an error-summary link points at: the control, or the first radio/checkbox/date part."""
        if not self.auto_id:
            return ""
        return self.id_for_label or f"{self.auto_id}_0"

    @property
    def nhsuk_group_id(self) -> str:
        return f"{self.auto_id}_group" if self.auto_id else ""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        control = _CONTROL_CLASSES.get(_kind(widget))
        if control:
            base, has_error_modifier = control
            wanted = [base]
            if has_error_modifier and self.errors:
                wanted.append(f"{base}--error")
            existing = (attrs.get("class") or widget.attrs.get("class") or "").split()
            attrs["class"] = " ".join([*wanted, *(c for c in existing if c not in wanted)])
        return attrs


class NHSFormRenderer(TemplatesSetting):
    """Form renderer for the whole site (settings.FORM_RENDERER)."""

    form_template_name = "django/forms/nhsuk/form.html"
    field_template_name = "django/forms/nhsuk/field.html"
    bound_field_class = NHSBoundField

    # Plain Django widgets whose own templates are replaced by NHS.UK ones. Mapped here, by exact
    # template name, rather than by overriding Django's templates in place, so that the admin's
    # subclasses (AdminRadioSelect and friends, which use their own template names) are unaffected.
    widget_templates = {
        "django/forms/widgets/radio.html": "django/forms/widgets/nhsuk/radios.html",
        "django/forms/widgets/checkbox_select.html": "django/forms/widgets/nhsuk/checkboxes.html",
    }

    def get_template(self, template_name):
        return super().get_template(self.widget_templates.get(template_name, template_name))


class NHSDateInput(forms.MultiWidget):
    """NHS.UK date input (separate Day, Month and Year boxes) for a plain `forms.DateField`.

        date_of_visit = forms.DateField(widget=NHSDateInput(), help_text="For example, 15 3 2025")

    The three boxes are joined into YYYY-MM-DD for DateField to parse, so an impossible or partial
    date gets DateField's usual "Enter a valid date." error.
    """

    template_name = "django/forms/widgets/nhsuk/date_input.html"
    parts = (("day", "Day", 2), ("month", "Month", 2), ("year", "Year", 4))

    def __init__(self, attrs=None):
        widgets = {
            name: forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
            for name, _label, _width in self.parts
        }
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, str):
            # Our own "YYYY-M-D" join, coming back unparsed when invalid: give the user's boxes back.
            year, _, rest = value.partition("-")
            month, _, day = rest.partition("-")
            return [day or None, month or None, year or None]
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def value_from_datadict(self, data, files, name):
        day, month, year = (str(v or "").strip() for v in super().value_from_datadict(data, files, name))
        if not (day or month or year):
            return None
        return f"{year}-{month}-{day}"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        invalid = str(context["widget"]["attrs"].get("aria-invalid", "")) == "true"
        for subwidget, (_name, label, width) in zip(context["widget"]["subwidgets"], self.parts, strict=True):
            subwidget["label"] = label
            classes = ["nhsuk-input", f"nhsuk-input--width-{width}", "nhsuk-date-input__input"]
            if invalid:
                classes.insert(1, "nhsuk-input--error")
            subwidget["attrs"]["class"] = " ".join(classes)
        return context


class EmailAuthenticationForm(AuthenticationForm):
    """Sign-in form: the username is the person's email address; NHS.UK wording for the errors.

    Use with `LoginView.as_view(authentication_form=EmailAuthenticationForm)`.
    """

    username = UsernameField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter a correct email address and password",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        # AuthenticationForm sets the label and autofocus from the user model; keep ours, and let the
        # error summary (not autofocus) take focus.
        self.fields["username"].label = "Email address"
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["username"].error_messages["required"] = "Enter your email address"
        self.fields["password"].error_messages["required"] = "Enter your password"

    def clean_username(self) -> str:
        # Accounts are made with the address in lower case (services.user_create); people type it any way.
        return self.cleaned_data["username"].strip().lower()


def add_service_errors(
    form: forms.Form, error: ValidationError, *, field_for: dict[str, str] | None = None
) -> None:
    """Show a service's refusal beside the field it is about, or at the top of the form when it names no
    field of this form (or no field at all). `field_for` maps a model field a service names to the form field
    that edits it, where the two differ."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        name = (field_for or {}).get(name, name)
        form.add_error(name if name in form.fields else None, messages)


class FilterForm(forms.Form):
    """A list's filters from the query string, with a `date_from`/`date_to` pair: each bad value is shown on
    its field and left out, so that one bad value does not empty the list."""

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date must be on or after the start date")
        return data

    def filters(self) -> dict:
        """The valid filters only."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            k: v
            for k, v in getattr(self, "cleaned_data", {}).items()
            if v not in (None, "") and k not in self.errors
        }
