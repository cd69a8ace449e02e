"""The poster's typed short address: 8 characters, forgiving of case and spaces, leading to the form."""

from __future__ import annotations

import pytest

from insight_hub.organisations.models import SHORT_CODE_ALPHABET, Service
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


def test_every_service_gets_its_own_eight_character_code(world):
    codes = {ServiceFactory(organisation=world.trust_a).short_code for _ in range(50)}
    assert len(codes) == 50
    assert all(len(code) == 8 and set(code) <= set(SHORT_CODE_ALPHABET) for code in codes)


def test_a_typed_code_leads_to_the_public_form_however_it_was_typed(client, world):
    code = world.service_a.short_code
    for typed in (code, code.lower(), f"{code[:4]}-{code[4:]}"):
        response = client.get(f"/f/{typed}")
        assert response.status_code == 302
        assert response["Location"] == f"/feedback/s/{world.service_a.public_id}/"


def test_an_unknown_or_closed_code_is_a_plain_404(client, world):
    assert client.get("/f/ZZZZZZZZ").status_code == 404
    assert client.get("/f/short").status_code == 404
    Service.objects.filter(pk=world.service_a.pk).update(active=False)
    assert client.get(f"/f/{world.service_a.short_code}").status_code == 404


def test_the_poster_shows_the_short_address_and_keeps_the_full_address_in_the_qr_code(client, world):
    client.force_login(world.px_a)
    page = client.get(f"/feedback/services/{world.service_a.pk}/poster/").content.decode()
    assert f"/f/{world.service_a.short_code}" in page
    assert "<svg" in page


def test_the_services_list_links_each_open_service_to_its_form_and_poster(client, world):
    client.force_login(world.px_a)
    page = client.get(f"/organisations/{world.trust_a.ods_code}/").content.decode()
    assert f"/feedback/s/{world.service_a.public_id}/" in page
    assert f"/feedback/services/{world.service_a.pk}/poster/" in page
    assert f"/f/{world.service_a.short_code}" in page
