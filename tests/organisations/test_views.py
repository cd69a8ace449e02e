"""Every organisation page on three personas at least: the owner, a colleague, an outsider."""

from html import unescape

import pytest
from django.urls import reverse

from insight_hub.organisations.models import Service

pytestmark = pytest.mark.django_db


def get_as(client, user, url):
    client.force_login(user)
    return client.get(url)


@pytest.mark.parametrize(
    ("person", "status"),
    [
        ("px_a", 200),
        ("px_a_colleague", 200),
        ("board_a", 200),
        ("icb_lead", 200),
        ("admin", 200),
        ("px_b", 404),
        ("stranger", 404),
    ],
)
def test_organisation_page_by_persona(client, world, person, status):
    url = reverse("organisations:detail", args=[world.trust_a.ods_code])
    assert get_as(client, world.people()[person], url).status_code == status


@pytest.mark.parametrize(
    ("person", "status"),
    [
        ("px_a", 200),
        ("px_a_colleague", 200),
        ("admin", 200),
        ("board_a", 404),
        ("icb_lead", 404),
        ("px_b", 404),
        ("stranger", 404),
    ],
)
def test_service_edit_page_by_persona(client, world, person, status):
    url = reverse("organisations:service_edit", args=[world.trust_a.ods_code, world.service_a.pk])
    assert get_as(client, world.people()[person], url).status_code == status


def test_service_of_another_trust_is_not_found_under_your_own_trust(client, world):
    url = reverse("organisations:service_edit", args=[world.trust_a.ods_code, world.service_b.pk])
    assert get_as(client, world.px_a, url).status_code == 404


def test_unknown_organisation_is_not_found(client, world):
    assert get_as(client, world.icb_lead, reverse("organisations:detail", args=["NOPE"])).status_code == 404


def test_anonymous_people_are_sent_to_sign_in(client, world):
    url = reverse("organisations:detail", args=[world.trust_a.ods_code])
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_list_shows_only_what_is_in_reach(client, world):
    page = get_as(client, world.px_b, reverse("organisations:list")).content.decode()
    assert "Trust B" in page and "Trust A" not in page


def test_px_lead_adds_a_service(client, world):
    client.force_login(world.px_a)
    url = reverse("organisations:service_create", args=[world.trust_a.ods_code])
    response = client.post(url, {"name": "  Ward  12 ", "fft_setting": "inpatient"})
    assert response.status_code == 302
    assert Service.objects.filter(organisation=world.trust_a, name="Ward 12").exists()


def test_duplicate_service_name_is_refused_with_a_message_naming_it(client, world):
    client.force_login(world.px_a)
    url = reverse("organisations:service_create", args=[world.trust_a.ods_code])
    response = client.post(url, {"name": world.service_a.name.upper(), "fft_setting": "inpatient"})
    assert response.status_code == 200
    assert "already has a service called" in response.content.decode()
    assert Service.objects.filter(organisation=world.trust_a).count() == 1


def test_a_missing_field_is_named_in_the_error_summary(client, world):
    client.force_login(world.px_a)
    url = reverse("organisations:service_create", args=[world.trust_a.ods_code])
    page = client.post(url, {"name": "Ward 9"}).content.decode()
    assert "nhsuk-error-summary" in page and "#id_fft_setting" in page


def test_htmx_validation_returns_just_the_field(client, world):
    client.force_login(world.px_a)
    url = reverse("organisations:service_create", args=[world.trust_a.ods_code])
    response = client.post(url, {"name": world.service_a.name, "_validate": "name"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="field-name"' in body and "already has a service called" in body
    assert "<html" not in body
    assert Service.objects.filter(organisation=world.trust_a).count() == 1


def test_outsider_cannot_post_a_service_to_another_trust(client, world):
    client.force_login(world.px_b)
    url = reverse("organisations:service_create", args=[world.trust_a.ods_code])
    assert client.post(url, {"name": "Sneaky", "fft_setting": "inpatient"}).status_code == 404
    assert not Service.objects.filter(name="Sneaky").exists()


def test_home_names_the_ics_patient_experience_lead(client, world):
    page = unescape(get_as(client, world.px_a, reverse("home")).content.decode())  # O'Donnell: O&#x27;Donnell
    assert world.icb_lead.get_full_name() in page


def test_home_shows_the_gap_when_no_lead_is_named(client, world):
    world.ics.px_lead = None
    world.ics.save()
    page = get_as(client, world.px_a, reverse("home")).content.decode()
    assert "No one is named as the ICS" in page


def test_healthz_reports_the_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["database"] == "ok"
