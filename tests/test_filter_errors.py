"""An odd value in a filter on a GET page names its field in the error summary and beside the field
("Organisation: select a valid choice; ‘zzz’ is not one of them."), not Django's bare "Select a valid
choice. zzz is not one of the available choices."; the page stays 200 (the bad filter is left out), and a
CSV asked for with a bad period is 400 naming the field. The naming is done once, by the form renderer's
bound field (`insight_hub.forms.NHSBoundField`), so every page gets it."""

from __future__ import annotations

from html import unescape

import pytest
from django import forms
from django.urls import reverse

from dashboards.models import Dashboard, DashboardStatus
from insight_hub.forms import named_error

pytestmark = pytest.mark.django_db


def _page(client, person, name, params, **kwargs):
    client.force_login(person)
    response = client.get(reverse(name, kwargs=kwargs), params)
    return response.status_code, unescape(response.content.decode())


@pytest.mark.parametrize(
    ("who", "name", "params", "label"),
    [
        ("icb_lead", "dashboards:system", {"organisation": "zzz"}, "Organisation"),
        ("px_a", "search:search", {"q": "ward", "sentiment": "zzz"}, "Sentiment"),
        ("px_a", "reports:new", {"scope": "zzz"}, "Report for"),
        ("px_a", "feedback:complex_comments", {"reason": "zzz"}, "Reason"),
        ("px_a", "stories:list", {"sentiment": "zzz"}, "Sentiment"),
        ("px_a", "stories:share_check", {"import_source": "zzz"}, "Came from"),
    ],
)
def test_an_odd_filter_value_names_its_field(client, world, who, name, params, label):
    status, html = _page(client, getattr(world, who), name, params)
    assert status == 200
    assert f"{label}: select a valid choice; ‘zzz’ is not one of them." in html
    assert "is not one of the available choices" not in html
    assert 'class="nhsuk-error-summary"' in html  # listed at the top of the page, linked to the field


@pytest.mark.parametrize(
    ("who", "name", "bad", "good", "field"),
    [
        ("icb_lead", "dashboards:system", {"organisation": "zzz"}, {"months": "6"}, "organisation"),
        ("icb_lead", "dashboards:equality", {"characteristic": "zzz"}, {}, "characteristic"),
        ("px_a", "search:search", {"q": "-parking"}, {"q": "ward"}, "q"),
        ("px_a", "stories:list", {"sentiment": "zzz"}, {"sentiment": "negative"}, "sentiment"),
        ("px_a", "feedback:complex_comments", {"reason": "zzz"}, {}, "reason"),
        ("px_a", "feedback:response_list", {"date_from": "zzz"}, {}, "date_from"),
    ],
)
def test_an_htmx_swap_brings_the_error_summary_and_fields_along_and_clears_them(
    client, world, who, name, bad, good, field
):
    """htmx swaps the results only; the form's summary and fields are above or beside them, so the swap
    carries both out of band: the message when a filter is bad, an empty summary once it is put right."""
    client.force_login(getattr(world, who))
    swapped = unescape(client.get(reverse(name), bad, headers={"HX-Request": "true"}).content.decode())
    assert "<html" not in swapped  # the fragment, not the page
    errors, fields = swapped.split('<div id="filter-errors" hx-swap-oob="true">')[1].split(
        '<div id="filter-fields" hx-swap-oob="true">'
    )
    assert 'class="nhsuk-error-summary"' in errors and f'href="#id_{field}"' in errors
    assert f'id="id_{field}_error"' in fields and "nhsuk-form-group--error" in fields
    put_right = client.get(reverse(name), {**good, "page": "1"}, headers={"HX-Request": "true"})
    swapped = put_right.content.decode()
    errors = swapped.split('<div id="filter-errors" hx-swap-oob="true">')[1].split("</div>")[0]
    assert errors.strip() == ""  # an empty summary: a stale one is replaced
    assert '<div id="filter-fields" hx-swap-oob="true">' in swapped
    assert "nhsuk-form-group--error" not in swapped
    full = client.get(reverse(name), bad).content.decode()  # a full page has them in place, once
    assert full.count('id="filter-errors"') == 1 and "hx-swap-oob" not in full


def test_an_organisation_page_names_its_fft_setting_filter(client, world):
    status, html = _page(
        client, world.px_a, "dashboards:organisation", {"setting": "zzz"}, ods_code=world.trust_a.ods_code
    )
    assert status == 200 and "FFT setting: select a valid choice; ‘zzz’ is not one of them." in html


def test_a_csv_with_a_bad_period_is_400_naming_the_field(client, world):
    dashboard = Dashboard.objects.create(
        ics=world.ics, title="Waiting", owner=world.icb_lead, status=DashboardStatus.PUBLISHED
    )
    client.force_login(world.icb_lead)
    response = client.get(
        reverse("dashboards:export_csv", args=[dashboard.pk]), {"months": "custom", "from_month": "zzz"}
    )
    assert response.status_code == 400
    assert "From: Enter a month as year and month" in response.content.decode()


class _Form(forms.Form):
    organisation = forms.ChoiceField(choices=[("a", "Trust A")], required=False)
    added = forms.DateField(label="Added from", required=False)
    words = forms.CharField(label="Words", max_length=3, required=False)
    own = forms.ChoiceField(
        choices=[("a", "A")], required=False, error_messages={"invalid_choice": "Choose a listed trust"}
    )


def test_djangos_own_messages_name_the_field_and_a_forms_own_words_are_kept():
    form = _Form({"organisation": "zzz", "added": "yesterday", "words": "abcdef", "own": "q"})
    assert list(form["organisation"].errors) == [
        "Organisation: select a valid choice; ‘zzz’ is not one of them."
    ]
    assert list(form["added"].errors) == ["Added from: enter a valid date."]
    assert list(form["words"].errors) == ["Words: ensure this value has at most 3 characters (it has 6)."]
    assert list(form["own"].errors) == ["Choose a listed trust"]  # the form's own words are kept
    summary = str(form)  # the inline message says the same
    assert "Organisation: select a valid choice; ‘zzz’ is not one of them." in unescape(summary)
    very_long = forms.ValidationError(
        forms.ChoiceField.default_error_messages["invalid_choice"],
        code="invalid_choice",
        params={"value": "x" * 99},
    )
    assert (
        named_error("Organisation", very_long)
        == f"Organisation: select a valid choice; ‘{'x' * 39}…’ is not one of them."
    )
