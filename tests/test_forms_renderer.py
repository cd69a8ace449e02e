"""The NHS.UK form renderer, the error summary, and the CSP-safety of the base template and error pages."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django import forms
from django.contrib.messages import constants as message_levels
from django.contrib.messages.storage.base import Message
from django.template.loader import get_template, render_to_string
from django.test import RequestFactory

from insight_hub.forms import EmailAuthenticationForm, NHSDateInput


class Elements(HTMLParser):
    """Every start tag as (tag, attrs dict), plus the text of <script> elements."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.script_bodies: list[tuple[dict, str]] = []
        self._in_script: dict | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag == "script":
            self._in_script = attributes
            self.script_bodies.append((attributes, ""))

    def handle_data(self, data):
        if self._in_script is not None:
            attributes, body = self.script_bodies[-1]
            self.script_bodies[-1] = (attributes, body + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None

    def by_id(self, element_id: str) -> tuple[str, dict]:
        matches = [(tag, attrs) for tag, attrs in self.elements if attrs.get("id") == element_id]
        assert len(matches) == 1, f"expected one element with id {element_id!r}, found {len(matches)}"
        return matches[0]

    def ids(self) -> list[str]:
        return [attrs["id"] for _tag, attrs in self.elements if attrs.get("id")]

    def classes(self, element_id: str) -> set[str]:
        return set((self.by_id(element_id)[1].get("class") or "").split())


class FeedbackForm(forms.Form):
    name = forms.CharField(label="Your name", help_text="As shown on your staff badge")
    email = forms.EmailField(label="Email address", required=False)
    organisation = forms.ChoiceField(choices=[("", "Choose an organisation"), ("raa", "Trust A")])
    contact = forms.ChoiceField(
        label="How should we contact you?",
        choices=[("email", "Email"), ("phone", "Phone")],
        widget=forms.RadioSelect,
        help_text="Select one option",
    )
    topics = forms.MultipleChoiceField(
        choices=[("parking", "Parking"), ("food", "Food")], widget=forms.CheckboxSelectMultiple
    )
    comment = forms.CharField(widget=forms.Textarea, help_text="Do not include personal information")
    agree = forms.BooleanField(label="I have permission to share this")
    visited = forms.DateField(
        label="Date of visit", widget=NHSDateInput(), help_text="For example, 15 3 2025"
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        raise forms.ValidationError("This feedback could not be saved")


@pytest.fixture
def invalid_form():
    form = FeedbackForm(data={"visited_day": "31", "visited_month": "2", "visited_year": "2025"})
    assert not form.is_valid()
    return form


def test_every_field_kind_gets_nhsuk_markup_and_error_modifiers(invalid_form):
    page = Elements(str(invalid_form))

    for name in ["name", "organisation", "contact", "topics", "comment", "agree", "visited"]:
        assert {"nhsuk-form-group", "nhsuk-form-group--error"} <= page.classes(f"id_{name}_group"), name
        error_tag, error = page.by_id(f"id_{name}_error")
        assert error_tag == "span" and "nhsuk-error-message" in error["class"]
    assert page.classes("id_email_group") == {"nhsuk-form-group"}

    assert page.classes("id_name") == {"nhsuk-input", "nhsuk-input--error"}
    assert page.classes("id_email") == {"nhsuk-input"}
    assert page.classes("id_organisation") == {"nhsuk-select", "nhsuk-select--error"}
    assert page.classes("id_comment") == {"nhsuk-textarea", "nhsuk-textarea--error"}
    assert page.classes("id_agree") == {"nhsuk-checkboxes__input"}
    assert page.classes("id_contact") == {"nhsuk-radios"}
    assert page.by_id("id_contact")[1]["data-module"] == "nhsuk-radios"
    assert page.classes("id_contact_0") == {"nhsuk-radios__input"}
    assert page.classes("id_topics") == {"nhsuk-checkboxes"}
    assert page.classes("id_topics_1") == {"nhsuk-checkboxes__input"}
    assert page.classes("id_visited") == {"nhsuk-date-input"}
    assert "nhsuk-input--error" in page.classes("id_visited_0")
    # The user's day/month/year come back as typed, so nothing has to be re-entered.
    assert [page.by_id(f"id_visited_{i}")[1]["value"] for i in range(3)] == ["31", "2", "2025"]

    html = str(invalid_form)
    assert '<span class="nhsuk-u-visually-hidden">Error: </span>Your name: this field is required.' in html
    assert '<legend class="nhsuk-fieldset__legend">How should we contact you?</legend>' in html
    assert '<label class="nhsuk-label" for="id_name">Your name</label>' in html
    # NHS.UK marks optional fields, not required ones; Django's "Label:" colon is gone.
    assert '<label class="nhsuk-label" for="id_email">Email address (optional)</label>' in html
    assert "This feedback could not be saved" in html
    assert '<input type="hidden" name="token" id="id_token">' in html


def test_hints_and_errors_are_tied_to_their_control_or_fieldset(invalid_form):
    page = Elements(str(invalid_form))

    assert page.by_id("id_name")[1]["aria-describedby"] == "id_name_helptext id_name_error"
    assert page.by_id("id_organisation")[1]["aria-describedby"] == "id_organisation_error"
    assert page.by_id("id_comment")[1]["aria-describedby"] == "id_comment_helptext id_comment_error"
    assert page.by_id("id_agree")[1]["aria-describedby"] == "id_agree_error"
    assert "nhsuk-hint" in page.classes("id_name_helptext")

    fieldsets = [attrs for tag, attrs in page.elements if tag == "fieldset"]
    described = [attrs.get("aria-describedby") for attrs in fieldsets]
    assert described == [
        "id_contact_helptext id_contact_error",
        "id_topics_error",
        "id_visited_helptext id_visited_error",
    ]
    # Every id referred to exists exactly once.
    ids = page.ids()
    assert len(ids) == len(set(ids))
    for _tag, attrs in page.elements:
        for ref in (attrs.get("aria-describedby") or "").split():
            assert ref in ids


def test_a_valid_field_has_no_error_markup():
    form = FeedbackForm(data={"name": "Ada", "comment": "Fine"})
    form.is_valid()
    field = Elements(form["name"].as_field_group())
    assert field.classes("id_name") == {"nhsuk-input"}
    assert field.by_id("id_name")[1]["aria-describedby"] == "id_name_helptext"
    assert "nhsuk-error-message" not in form["name"].as_field_group()


def test_one_field_renders_alone_for_htmx_validation(invalid_form):
    fragment = invalid_form["name"].as_field_group()
    page = Elements(fragment)
    tag, group = page.elements[0]
    assert tag == "div" and group["id"] == "id_name_group"
    assert "nhsuk-form-group--error" in group["class"]
    assert page.by_id("id_name_error")
    assert "<form" not in fragment and "There is a problem" not in fragment


def test_error_summary_links_every_error_to_its_field(invalid_form):
    html = render_to_string("components/error_summary.html", {"form": invalid_form})
    page = Elements(html)
    summary = [attrs for _tag, attrs in page.elements if "nhsuk-error-summary" in (attrs.get("class") or "")]
    assert summary and summary[0]["data-module"] == "nhsuk-error-summary"
    assert "There is a problem" in html

    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', html)
    field_ids = set(Elements(str(invalid_form)).ids())
    assert [target for target, _text in links] == [
        "id_name",  # the non-field error points at the first field
        "id_name",
        "id_organisation",
        "id_contact_0",  # radios, checkboxes and dates: the first input
        "id_topics_0",
        "id_comment",
        "id_agree",
        "id_visited_0",
    ]
    assert {target for target, _text in links} <= field_ids
    assert links[0][1] == "This feedback could not be saved"


def test_error_summary_takes_several_forms_and_is_empty_without_errors(invalid_form):
    clean = FeedbackForm()
    assert render_to_string("components/error_summary.html", {"form": clean}).strip() == ""
    assert render_to_string("components/error_summary.html", {"forms": [clean, clean]}).strip() == ""
    html = render_to_string("components/error_summary.html", {"forms": [clean, invalid_form]})
    assert html.count("<li>") == 8


def test_sign_in_form_asks_for_an_email_address():
    form = EmailAuthenticationForm(data={})
    assert not form.is_valid()
    html = str(form)
    assert '<label class="nhsuk-label" for="id_username">Email address</label>' in html
    assert "autofocus" not in html
    assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html
    assert "Enter your email address" in html and "Enter your password" in html


def _assert_csp_safe(html: str) -> Elements:
    page = Elements(html)
    assert not re.search(r"<style[\s>]", html, re.IGNORECASE), "inline <style> element"
    for tag, attrs in page.elements:
        assert "style" not in attrs, f"style= attribute on <{tag}>"
        assert not any(name.startswith(("on", "hx-on")) for name in attrs), f"inline handler on <{tag}>"
    for attrs, body in page.script_bodies:
        assert attrs.get("src"), "inline <script> without src"
        assert not body.strip(), "script with src and a body"
    return page


@pytest.mark.django_db
def test_sign_in_page_is_nhsuk_and_csp_safe(client):
    response = client.get("/accounts/login/")
    html = response.content.decode()
    page = _assert_csp_safe(html)
    assert '<html lang="en-GB">' in html
    assert "<title>Sign in – Insight Hub</title>" in html
    assert page.by_id("maincontent")[0] == "main"
    assert 'href="#maincontent"' in html
    assert "includeIndicatorStyles" in html and '"allowEval": false' in html
    scripts = {attrs["src"]: attrs for attrs, _body in page.script_bodies}
    # Names may carry a content hash (ManifestStaticFilesStorage): htmx.min.<hash>.js.
    htmx = [attrs for src, attrs in scripts.items() if re.search(r"/vendor/htmx/htmx\.min\.(\w+\.)?js$", src)]
    app = [attrs for src, attrs in scripts.items() if re.search(r"/js/app\.(\w+\.)?js$", src)]
    assert len(htmx) == 1 and "defer" in htmx[0]
    assert len(app) == 1 and app[0].get("type") == "module"
    assert "Sign out" not in html  # nobody is signed in
    assert "Crown copyright" not in html and "Open-source, MIT licence" in html


def test_signed_in_layout_shows_person_navigation_breadcrumbs_and_messages(world):
    request = RequestFactory().get("/organisations/")
    request.user = world.px_a
    html = render_to_string(
        "base.html",
        {
            "breadcrumbs": [("Home", "/"), ("Organisations", "/organisations/")],
            "messages": [
                Message(message_levels.SUCCESS, "Service added"),
                Message(message_levels.INFO, "Import queued"),
            ],
        },
        request=request,
    )
    page = _assert_csp_safe(html)
    membership = world.px_a.memberships.first()
    assert membership.organisation.display_name in html
    assert membership.get_role_display() in html
    assert 'action="/accounts/logout/" method="post"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert re.search(r'hx-headers=\'\{"X-CSRFToken": "[^"]+"\}\'', html)
    current = [attrs for tag, attrs in page.elements if attrs.get("aria-current") == "page"]
    assert [attrs["href"] for attrs in current] == ["/organisations/"]
    assert 'class="nhsuk-breadcrumb"' in html and "Back to </span>Organisations" in html
    assert "nhsuk-notification-banner--success" in html and "Import queued" in html
    ids = page.ids()
    assert len(ids) == len(set(ids))


def test_layout_without_breadcrumbs_renders_none():
    html = render_to_string("base.html", {})
    _assert_csp_safe(html)
    assert "nhsuk-breadcrumb" not in html
    assert "nhsuk-header__navigation" not in html


@pytest.mark.django_db
def test_error_pages_are_csp_safe(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    _assert_csp_safe(html)
    assert "Page not found" in html
    _assert_csp_safe(render_to_string("403.html", {}))
    # 500.html stands alone: no request, no context processors.
    html = get_template("500.html").render()
    _assert_csp_safe(html)
    assert "Sorry, there is a problem with the service" in html
    assert "{%" not in html


def test_a_label_that_already_says_optional_is_not_marked_twice():
    class MappingForm(forms.Form):
        mapping = forms.FileField(label="A saved mapping (optional)", required=False)
        notes = forms.CharField(label="Notes", required=False)

    html = str(MappingForm())
    assert "(optional) (optional)" not in html
    assert html.count("(optional)") == 2  # once for each field
    assert "Notes (optional)</label>" in html


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["stories:import_upload", "feedback:imports:upload"])
def test_import_upload_pages_mark_the_saved_mapping_optional_once(client, world, url):
    from django.urls import reverse

    client.force_login(world.px_a)
    response = client.get(reverse(url))
    assert response.status_code == 200
    page = response.content.decode()
    assert "A saved mapping (optional)" in page
    assert "(optional) (optional)" not in page
