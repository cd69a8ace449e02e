"""The location step of the response import: which locations match a service without asking, what is
suggested, what the person may choose, and new services added with the import, all or nothing."""

from __future__ import annotations

import csv
import io
import json
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from feedback.importers import locations, selectors, services
from feedback.importers.forms import location_field
from feedback.importers.locations import (
    MAX_SHOWN,
    automatic_keys,
    best_match,
    location_choice_problems,
    location_key,
    unmatched_locations,
)
from feedback.importers.rows import Lookups, ParsedResponse, RowParser
from feedback.models import ImportBatch, ImportStatus, Response
from insight_hub.organisations.models import Service, Site
from tests.factories import ServiceFactory

ELM, RIVERSIDE = location_field("Elm Lodge"), location_field("Riverside")
MAPPING = {"date": "date", "surgery": "location_1", "rating": "fft_score", "comment": "comment:nonspecific"}


# --- matching (pure) ---------------------------------------------------------------------------------


def test_case_spacing_and_punctuation_are_one_location():
    assert location_key("St. Mary's  WARD ") == location_key("st marys ward") == "st marys ward"
    assert location_key("A&E (Main)") == location_key("a e main")


def test_a_name_read_without_punctuation_matches_its_service_without_asking():
    keys = automatic_keys([(1, "St Mary's Ward"), (2, "Oak Ward")])
    assert keys[location_key("ST MARYS WARD.")] == 1


def test_a_name_two_services_share_once_punctuation_is_ignored_matches_neither():
    keys = automatic_keys([(1, "A&E"), (2, "A-E")])
    assert location_key("A E") not in keys


def test_the_ods_code_of_a_site_with_one_service_matches_that_service():
    keys = automatic_keys([(1, "Oak Ward")], [("rx1ab", 1)])
    assert keys["rx1ab"] == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Riverside", 1),  # its distinctive word is the service's
        ("riverside surgery", 1),
        ("Oak Wrad", 2),  # a typo
        ("Ward 9", None),  # numbers differ: not close, however alike the rest
        ("Surgery", None),  # generic words alone say nothing
        ("Elm Lodge", None),
        ("", None),
    ],
)
def test_a_close_service_is_suggested_and_only_a_close_one(value, expected):
    services_ = [(1, "Riverside Surgery"), (2, "Oak Ward"), (3, "Ward 1")]
    assert best_match(value, services_) == expected


def test_a_generic_word_in_the_plural_is_still_generic():
    # "Outpatient clinics" is the demo trusts' service; a practice file says which site in its own words.
    services_ = [(1, "Outpatient clinics"), (2, "Emergency department"), (3, "Maternity unit")]
    assert best_match("Outpatient clinic - Canterbury", services_) == 1
    assert best_match("Canterbury outpatient clinic", services_) == 1
    assert best_match("Canterbury clinics", services_) is None  # generic words alone still say nothing


def test_two_equally_close_services_suggest_neither():
    assert best_match("Hill", [(1, "Hill Surgery"), (2, "Hill Practice")]) is None


def test_spellings_of_one_location_are_listed_once_with_all_their_rows():
    counts = unmatched_locations({"Elm Lodge": 5, "ELM LODGE ": 2, "Birch Surgery": 6})
    assert [(u.value, u.rows) for u in counts.shown] == [("Elm Lodge", 7), ("Birch Surgery", 6)]
    assert not counts.capped


def test_past_the_limit_the_locations_with_most_rows_are_listed_and_the_rest_counted():
    counts = unmatched_locations({f"Place {i}": 1000 - i for i in range(MAX_SHOWN + 20)})
    assert len(counts.shown) == MAX_SHOWN and counts.shown[0].value == "Place 0"
    assert counts.capped and counts.more_values == 20
    assert counts.more_rows == sum(1000 - i for i in range(MAX_SHOWN, MAX_SHOWN + 20))


def test_choices_are_refused_unless_each_is_the_organisations_service_a_good_new_name_or_nothing():
    ok = {"A": {"service": 1}, "B": {"new": "Elm Lodge", "fft_setting": "gp"}, "C": {}}
    assert location_choice_problems(ok, service_ids={1}, service_names={"Oak Ward"}) == []
    bad = {
        "A": {"service": 99},  # not the organisation's
        "B": {"new": "oak ward", "fft_setting": "gp"},  # already a service
        "C": {"new": " ", "fft_setting": "gp"},
        "D": {"new": "Elm", "fft_setting": "moon"},
        "E": "service 1",
        "F": {"other": 1},
    }
    problems = location_choice_problems(bad, service_ids={1}, service_names={"Oak Ward"})
    assert [p.split(":")[0] for p in problems] == ["“A”", "“B”", "“C”", "“D”", "“E”", "“F”"]


def _parser(chosen: dict) -> RowParser:
    lookups = Lookups("RAA", "Trust A", {"oak ward": 1}, timezone=ZoneInfo("Europe/London"))
    return RowParser(["date", "surgery", "rating"], MAPPING, lookups, fingerprint="f", locations=chosen)


def test_the_parser_reads_a_mapped_location_as_its_service():
    parse = _parser({"Riverside Surgery": {"service": 1}})
    result = parse(2, ["2025-03-01", "RIVERSIDE surgery", "1"])
    assert isinstance(result, ParsedResponse) and result.service_id == 1


def test_a_location_left_unmapped_or_mapped_to_a_service_not_the_organisations_is_reported():
    parse = _parser({"Elm Lodge": {}, "Birch": {"service": 42}})
    for place, said in [("Elm Lodge", "was left unmapped"), ("Birch", "is not a service of Trust A")]:
        problems = parse(2, ["2025-03-01", place, "1"])
        assert isinstance(problems, list) and said in problems[0].message


# --- on the database ---------------------------------------------------------------------------------


@pytest.fixture
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def _commits(django_capture_on_commit_callbacks, monkeypatch):
    start = services.import_start

    def committed(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return start(**kwargs)

    monkeypatch.setattr(services, "import_start", committed)
    monkeypatch.setattr(services, "tagging_queue", lambda *, label, ids: None)


def practice_file(rows: list[tuple[str, int]]) -> bytes:
    """A GP practice's file: each (surgery, how many rows)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "surgery", "rating", "comment"])
    for place, count in rows:
        for i in range(count):
            writer.writerow([f"2025-03-{1 + i % 28:02d}", place, 1 + i % 5, f"Comment {place} {i}"])
    return out.getvalue().encode()


def uploaded(world, content: bytes) -> ImportBatch:
    batch = services.import_upload(
        user=world.px_a, organisation=world.trust_a, uploaded_file=SimpleUploadedFile("gp.csv", content)
    )
    return services.import_mapping_save(batch=batch, mapping=MAPPING)


@pytest.mark.django_db
@pytest.mark.usefixtures("_media", "_commits")
class TestOnTheDatabase:
    def test_the_whole_file_is_read_and_matched_locations_are_not_listed(self, world):
        Site.objects.create(organisation=world.trust_a, name="Hill site", ods_code="RAA01")
        hill = ServiceFactory(organisation=world.trust_a, name="Hill Clinic")
        hill.site = Site.objects.get(ods_code="RAA01")
        hill.save()
        content = practice_file(
            [(world.service_a.name.upper() + ".", 3), ("RAA01", 2), ("Elm Lodge", 4), ("Birch", 5000)]
        )
        counts = selectors.location_counts(uploaded(world, content))
        assert [(u.value, u.rows) for u in counts.shown] == [("Birch", 5000), ("Elm Lodge", 4)]

    def test_a_practice_maps_a_surgery_adds_one_leaves_one_and_the_rows_follow(self, world):
        content = practice_file([("Riverside", 3), ("Elm Lodge", 4), ("Nowhere", 2)])
        batch = uploaded(world, content)
        services.import_locations_save(
            batch=batch,
            choices={
                "Riverside": {"service": world.service_a.pk},
                "Elm Lodge": {"new": "Elm Lodge Surgery", "fft_setting": "gp"},
                "Nowhere": {},
            },
        )
        assert not Service.objects.filter(name="Elm Lodge Surgery").exists()  # not until confirmed
        assert services.import_start(batch=batch)
        batch.refresh_from_db()
        elm = Service.objects.get(name="Elm Lodge Surgery")
        assert (elm.organisation, elm.fft_setting) == (world.trust_a, "gp")
        assert batch.location_mapping["Elm Lodge"] == {"service": elm.pk, "created": True}
        assert (batch.status, batch.rows_imported, batch.rows_failed) == (ImportStatus.DONE, 7, 2)
        assert Response.objects.filter(service=world.service_a).count() == 3
        assert Response.objects.filter(service=elm).count() == 4
        assert {e["value"] for e in batch.errors} == {"Nowhere"}

    def test_rows_left_unmapped_are_reported_as_left_unmapped_and_import_when_the_file_comes_again(
        self, world
    ):
        content = practice_file([("Riverside", 3), ("Nowhere", 2), ("Atlantis", 1)])
        batch = uploaded(world, content)
        services.import_locations_save(
            batch=batch,
            choices={"Riverside": {"service": world.service_a.pk}, "Nowhere": {}, "Atlantis": {}},
        )
        services.import_start(batch=batch)
        batch.refresh_from_db()
        problems = {e["value"]: e["message"] for e in batch.errors}
        # The person chose this: the report says so rather than "correct the name".
        assert "left unmapped in the import's location step" in problems["Nowhere"]
        assert "correct the name" not in problems["Nowhere"]
        # As the report says: the same file again, now mapped, adds only the rows left out.
        again = uploaded(world, content)
        services.import_locations_save(
            batch=again,
            choices={
                "Riverside": {"service": world.service_a.pk},
                "Nowhere": {"service": world.service_a.pk},
                "Atlantis": {},
            },
        )
        services.import_start(batch=again)
        again.refresh_from_db()
        assert (again.rows_imported, again.rows_failed) == (2, 1)
        assert Response.objects.filter(service=world.service_a).count() == 5

    def test_a_retried_run_uses_the_saved_choices_and_adds_nothing_twice(self, world):
        batch = uploaded(world, practice_file([("Elm Lodge", 4)]))
        services.import_locations_save(
            batch=batch, choices={"Elm Lodge": {"new": "Elm Lodge", "fft_setting": "gp"}}
        )
        services.import_start(batch=batch)
        batch.refresh_from_db()
        assert (batch.status, batch.rows_imported) == (ImportStatus.DONE, 4)
        # A worker died and the task is delivered again: the batch is still running.
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.RUNNING)
        services.import_batch_run(batch_id=batch.pk)
        batch.refresh_from_db()
        # The rows this import wrote before are counted as its own again, and not written twice.
        assert (batch.status, batch.rows_imported, batch.rows_failed) == (ImportStatus.DONE, 4, 0)
        assert Service.objects.filter(organisation=world.trust_a, name="Elm Lodge").count() == 1
        assert Response.objects.count() == 4

    def test_new_services_are_added_with_the_import_all_or_none(self, world):
        batch = uploaded(world, practice_file([("Elm Lodge", 2), ("Birch", 2)]))
        services.import_locations_save(
            batch=batch,
            choices={
                "Elm Lodge": {"new": "Elm Lodge", "fft_setting": "gp"},
                "Birch": {"new": "Birch", "fft_setting": "gp"},
            },
        )
        # The second cannot be added when the import is confirmed (a setting no longer valid).
        mapping = batch.location_mapping | {"Birch": {"new": "Birch", "fft_setting": "retired"}}
        ImportBatch.objects.filter(pk=batch.pk).update(location_mapping=mapping)
        batch.refresh_from_db()
        with pytest.raises(ValidationError):
            services.import_start(batch=batch)
        batch.refresh_from_db()
        assert batch.status == ImportStatus.PREVIEW
        assert not Service.objects.filter(name__in=["Elm Lodge", "Birch"]).exists()
        assert Response.objects.count() == 0

    def test_confirming_twice_adds_each_new_service_once_and_two_locations_can_share_one(self, world):
        batch = uploaded(world, practice_file([("Elm Lodge", 2), ("Elm Lodge Branch", 1)]))
        new = {"new": "Elm Lodge", "fft_setting": "gp"}
        services.import_locations_save(batch=batch, choices={"Elm Lodge": new, "Elm Lodge Branch": new})
        assert services.import_start(batch=batch)
        assert not services.import_start(batch=batch)
        assert Service.objects.filter(name="Elm Lodge").count() == 1
        assert Response.objects.filter(service__name="Elm Lodge").count() == 3

    def test_choices_cannot_change_once_the_import_has_started(self, world):
        batch = uploaded(world, practice_file([("Elm Lodge", 1)]))
        services.import_start(batch=batch)
        with pytest.raises(ValidationError):
            services.import_locations_save(batch=batch, choices={"Elm Lodge": {}})


# --- the pages ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("_media", "_commits")
class TestThePage:
    def batch(self, world, rows=(("Riverside", 3), ("Elm Lodge", 4))):
        return uploaded(world, practice_file(list(rows)))

    def url(self, batch):
        return reverse("feedback:imports:locations", kwargs={"uid": batch.uid})

    def test_saving_the_columns_leads_to_the_locations_with_a_close_service_chosen(self, client, world):
        ServiceFactory(organisation=world.trust_a, name="Riverside Surgery")
        batch = self.batch(world)
        client.force_login(world.px_a)
        columns = [
            selectors.file_columns(batch)[0].index(c) for c in ["date", "surgery", "rating", "comment"]
        ]
        data = {f"column_{i}": MAPPING[c] for i, c in zip(columns, MAPPING, strict=True)}
        response = client.post(reverse("feedback:imports:mapping", kwargs={"uid": batch.uid}), data)
        assert response.status_code == 302 and response["Location"] == self.url(batch)
        page = client.get(self.url(batch))
        assert page.status_code == 200
        form = page.context["form"]
        riverside = Service.objects.get(name="Riverside Surgery")
        assert [u.value for u in form.unmatched] == ["Elm Lodge", "Riverside"]
        assert form[f"location_{RIVERSIDE}"].value() == str(riverside.pk)  # suggested
        assert form[f"location_{ELM}"].value() == locations.UNMAPPED

    def test_a_new_service_is_guessed_to_have_the_setting_of_the_files_matched_services(self, client, world):
        # The organisation's services mostly have another setting; the file's matched surgery is a GP one.
        for i in range(3):
            ServiceFactory(organisation=world.trust_a, name=f"A&E {i}", fft_setting="ae")
        ServiceFactory(organisation=world.trust_a, name="Oak Surgery", fft_setting="gp")
        batch = self.batch(world, rows=(("Oak Surgery", 5), ("Elm Lodge", 4)))
        client.force_login(world.px_a)
        page = client.get(self.url(batch))
        form = page.context["form"]
        assert [u.value for u in form.unmatched] == ["Elm Lodge"]
        assert form["fft_setting"].value() == "gp"
        # A select whose every option is an answer is not "(optional)"; the setting comes after the locations.
        html = page.content.decode()
        assert "(4 rows) (optional)" not in html and "(4 rows)" in html
        assert list(form.fields)[-1] == "fft_setting"

    def test_without_matched_services_the_guess_is_the_organisations_usual_setting(self, client, world):
        for i in range(3):
            ServiceFactory(organisation=world.trust_a, name=f"Ward {i}", fft_setting="inpatient")
        batch = self.batch(world)
        client.force_login(world.px_a)
        form = client.get(self.url(batch)).context["form"]
        assert form["fft_setting"].value() == "inpatient"

    def test_the_preview_counts_the_rows_each_service_will_get(self, client, world):
        oak = ServiceFactory(organisation=world.trust_a, name="Oak Surgery", fft_setting="gp")
        batch = self.batch(world, rows=(("Oak Surgery", 5), ("Elm Lodge", 4), ("Riverside", 3), ("Gone", 2)))
        client.force_login(world.px_a)
        data = {
            "fft_setting": "gp",
            f"location_{ELM}": "new",
            f"name_{ELM}": "Elm Lodge Surgery",
            f"location_{RIVERSIDE}": str(oak.pk),
            f"location_{location_field('Gone')}": "",
        }
        assert client.post(self.url(batch), data).status_code == 302
        preview = client.get(reverse("feedback:imports:preview", kwargs={"uid": batch.uid}))
        shown = [(s.name, s.rows, s.new, s.unmapped) for s in preview.context["by_service"]]
        assert shown == [
            ("Oak Surgery", 8, False, False),
            ("Elm Lodge Surgery", 4, True, False),
            ("Locations left unmapped", 2, False, True),
        ]
        assert "Where the rows will go" in preview.content.decode()

    def test_the_choices_are_saved_and_lead_on(self, client, world):
        batch = self.batch(world)
        client.force_login(world.px_a)
        data = {
            "fft_setting": "gp",
            f"location_{ELM}": "new",
            f"name_{ELM}": "Elm Lodge Surgery",
            f"location_{RIVERSIDE}": str(world.service_a.pk),
        }
        response = client.post(self.url(batch), data)
        assert response.status_code == 302
        batch.refresh_from_db()
        assert batch.location_mapping == {
            "Elm Lodge": {"new": "Elm Lodge Surgery", "fft_setting": "gp"},
            "Riverside": {"service": world.service_a.pk},
        }
        preview = client.get(reverse("feedback:imports:preview", kwargs={"uid": batch.uid}))
        assert "adds 1 new service" in preview.content.decode()

    def test_one_tick_adds_every_location_left_unmapped_as_a_new_service_and_keeps_the_others(
        self, client, world
    ):
        batch = self.batch(world, rows=(("Riverside", 3), ("Elm Lodge", 4), ("Birch House", 2)))
        client.force_login(world.px_a)
        birch = location_field("Birch House")
        data = {
            "fft_setting": "gp",
            "all_new": "on",
            f"location_{ELM}": "",
            f"name_{ELM}": "Elm Lodge Surgery",  # renamed by the person
            f"location_{birch}": "",
            f"name_{birch}": "Birch House",
            f"location_{RIVERSIDE}": str(world.service_a.pk),  # a choice made stays
        }
        assert client.post(self.url(batch), data).status_code == 302
        batch.refresh_from_db()
        assert batch.location_mapping == {
            "Elm Lodge": {"new": "Elm Lodge Surgery", "fft_setting": "gp"},
            "Birch House": {"new": "Birch House", "fft_setting": "gp"},
            "Riverside": {"service": world.service_a.pk},
        }
        # Ticked with a name emptied: that field says so, and nothing is saved.
        response = client.post(self.url(batch), data | {f"name_{birch}": " "})
        assert response.status_code == 400
        assert "Give the new service a name." in response.content.decode()

    def test_coming_back_to_the_step_shows_the_setting_chosen_not_the_guess(self, client, world):
        batch = self.batch(world)
        services.import_locations_save(
            batch=batch, choices={"Elm Lodge": {"new": "Elm\u00a0 Lodge", "fft_setting": "ambulance"}}
        )
        batch.refresh_from_db()
        assert batch.location_mapping["Elm Lodge"]["new"] == "Elm Lodge"  # spaced plainly when kept
        client.force_login(world.px_a)
        form = client.get(self.url(batch)).context["form"]
        assert form[f"location_{ELM}"].value() == "new"
        assert form["fft_setting"].value() == "ambulance"

    def test_a_new_services_name_is_offered_spaced_plainly(self, client, world):
        value = "PTS\u00a0 - Patient Transport"  # as in the real trusts' export
        batch = self.batch(world, rows=((value, 2),))
        client.force_login(world.px_a)
        form = client.get(self.url(batch)).context["form"]
        assert form[f"name_{location_field(value)}"].value() == "PTS - Patient Transport"

    def test_the_choices_go_into_the_saved_mapping_and_come_back_with_the_next_file(self, client, world):
        oak = ServiceFactory(organisation=world.trust_a, name="Oak Surgery", fft_setting="gp")
        batch = self.batch(world, rows=(("Riverside", 3), ("Elm Lodge", 4), ("Gone", 1)))
        services.import_locations_save(
            batch=batch,
            choices={
                "Riverside": {"service": oak.pk},
                "Elm Lodge": {"new": "Elm Lodge Surgery", "fft_setting": "gp"},
                "Gone": {},
            },
        )
        client.force_login(world.px_a)
        saved = client.get(reverse("feedback:imports:mapping_json", kwargs={"uid": batch.uid})).json()
        assert saved["locations"] == {
            "Riverside": "Oak Surgery",
            "Elm Lodge": "Elm Lodge Surgery",
            "Gone": "",
        }
        services.import_start(batch=batch)  # adds Elm Lodge Surgery
        # Next month's file, uploaded with the saved mapping: the same choices, the new service now existing.
        upload = {
            "organisation": world.trust_a.pk,
            "file": SimpleUploadedFile(
                "gp.csv", practice_file([("Riverside", 1), ("Elm Lodge", 1), ("Gone", 1)])
            ),
            "mapping": SimpleUploadedFile("m.json", json.dumps(saved).encode()),
        }
        response = client.post(reverse("feedback:imports:upload"), upload)
        assert response.status_code == 302
        again = ImportBatch.objects.latest("pk")
        elm = Service.objects.get(name="Elm Lodge Surgery")
        assert again.location_mapping == {
            "Riverside": {"service": oak.pk},
            "Elm Lodge": {"service": elm.pk},
            "Gone": {},
        }
        form = client.get(self.url(again)).context["form"]
        assert form[f"location_{RIVERSIDE}"].value() == str(oak.pk)
        assert form[f"location_{location_field('Gone')}"].value() == locations.UNMAPPED

    @pytest.mark.parametrize(
        "data",
        [
            {"fft_setting": "gp", f"location_{ELM}": "new", f"name_{ELM}": "", f"location_{RIVERSIDE}": ""},
            {"fft_setting": "gp", f"location_{ELM}": "not-a-choice", f"location_{RIVERSIDE}": ""},
            {"fft_setting": "moon", f"location_{ELM}": "", f"location_{RIVERSIDE}": ""},
            {"fft_setting": "gp", f"location_{ELM}": "new", f"name_{ELM}": "x" * 300},
        ],
    )
    def test_odd_input_is_a_400_that_says_why_and_saves_nothing(self, client, world, data):
        batch = self.batch(world)
        client.force_login(world.px_a)
        response = client.post(self.url(batch), data)
        assert response.status_code == 400
        assert "There is a problem" in response.content.decode()
        batch.refresh_from_db()
        assert batch.location_mapping == {}

    def test_another_trusts_service_is_not_a_choice(self, client, world):
        batch = self.batch(world)
        client.force_login(world.px_a)
        data = {"fft_setting": "gp", f"location_{ELM}": str(world.service_b.pk), f"location_{RIVERSIDE}": ""}
        response = client.post(self.url(batch), data)
        assert response.status_code == 400
        batch.refresh_from_db()
        assert batch.location_mapping == {}

    @pytest.mark.parametrize("who", ["px_b", "icb_lead", "admin", "board_a"])
    def test_anyone_but_the_trusts_own_px_leads_gets_404(self, client, world, who):
        batch = self.batch(world)
        client.force_login(getattr(world, who))
        assert client.get(self.url(batch)).status_code == 404
        data = {"fft_setting": "gp", f"location_{ELM}": "new", f"name_{ELM}": "Mine"}
        assert client.post(self.url(batch), data).status_code == 404
        batch.refresh_from_db()
        assert batch.location_mapping == {}

    def test_a_choice_stays_with_its_location_when_the_list_changes_before_it_is_posted(self, client, world):
        batch = self.batch(world)
        client.force_login(world.px_a)
        client.get(self.url(batch))
        ServiceFactory(organisation=world.trust_a, name="Elm Lodge")  # added meanwhile: Elm Lodge matches
        data = {"fft_setting": "gp", f"location_{ELM}": "new", f"name_{ELM}": "Elm Lodge"}
        assert client.post(self.url(batch), data).status_code == 302
        batch.refresh_from_db()
        assert batch.location_mapping == {"Riverside": {}}

    def test_the_preview_reads_a_location_to_be_added_as_a_service(self, client, world):
        batch = self.batch(world)
        services.import_locations_save(
            batch=batch, choices={"Elm Lodge": {"new": "Elm Lodge", "fft_setting": "gp"}, "Riverside": {}}
        )
        header, rows = selectors.import_preview(batch)
        problems = {row.cells[1]: bool(row.problems) for row in rows}
        assert problems == {"Riverside": True, "Elm Lodge": False}

    def test_a_file_with_more_locations_than_are_listed_says_so(self, client, world):
        batch = self.batch(world, rows=[(f"Place {i}", 1) for i in range(MAX_SHOWN + 3)])
        client.force_login(world.px_a)
        page = client.get(self.url(batch)).content.decode()
        assert f"Only the {MAX_SHOWN} locations with the most rows are listed" in page
        assert "3 more locations (3 rows)" in page
