import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from insight_hub.organisations.models import (
    FFTSetting,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    Service,
)

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    username = factory.Sequence(lambda n: f"person{n}@example.nhs.uk")
    email = factory.SelfAttribute("username")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or TEST_PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("ods_code",)

    ods_code = factory.Sequence(lambda n: f"R{n:02d}")
    name = factory.Sequence(lambda n: f"TEST HOSPITALS {n} NHS TRUST")
    kind = OrganisationKind.ACUTE
    region = "South East"


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Ward {n}")
    fft_setting = FFTSetting.INPATIENT


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.PX_LEAD
    job_title = "Head of Patient Experience"


class ResponseFactory(factory.django.DjangoModelFactory):
    """A feedback response (feedback app); its organisation is its service's, as the services make them."""

    class Meta:
        model = "feedback.Response"

    service = factory.SubFactory(ServiceFactory)
    organisation = factory.SelfAttribute("service.organisation")
    source = "public_form"
    dedupe_key = factory.Sequence(lambda n: f"test:{n}")
    responded_at = factory.LazyFunction(timezone.now)
    fft_score = 1


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "feedback.Comment"

    response = factory.SubFactory(ResponseFactory)
    organisation = factory.SelfAttribute("response.organisation")
    service = factory.SelfAttribute("response.service")
    question_type = "what_good"
    text = "The nurses on the ward were kind."
    responded_at = factory.SelfAttribute("response.responded_at")


class StoryFactory(factory.django.DjangoModelFactory):
    """A story made through `stories.services.story_create`, so it is redacted as a real one is.

    `consent=True` records consent for internal learning; `status="shared"` (or "submitted") also moves it
    through the statuses, recording consent first."""

    class Meta:
        model = "stories.Story"

    organisation = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"Story {n}")
    narrative = "The nurses on the ward were kind and explained everything."
    teller = "patient"
    occurred_on = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    occurred_precision = "day"
    source_channel = "interview"

    @classmethod
    def _create(cls, model_class, *args, consent=False, status="draft", user=None, **kwargs):
        from stories import services

        story = services.story_create(user=user, **kwargs)
        if consent or status != "draft":
            services.story_consent_record(
                story=story, user=user, internal_learning=True, board_quote=False, publication=False
            )
        if status in {"submitted", "shared"}:
            services.story_status_set(story=story, status="submitted")
        if status == "shared":
            services.story_status_set(story=story, status="shared")
        return story


class PathwayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stories.Pathway"

    name = factory.Sequence(lambda n: f"Pathway {n}")


class PathwayStageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stories.PathwayStage"

    pathway = factory.SubFactory(PathwayFactory)
    order = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Stage {n}")
    organisation = factory.SubFactory(OrganisationFactory)
