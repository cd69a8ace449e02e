"""Forms for stories. They check what a person typed and say what is wrong next to the field; the rules that
must hold however a story arrives (form or import) are the services'."""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db.models import Q
from django.utils import timezone

from insight_hub.forms import NHSDateInput
from insight_hub.organisations.models import Organisation, Service
from insight_hub.organisations.permissions import organisations_for, scope_for
from insight_hub.privacy.redaction import Kind
from insight_hub.themes.models import Sentiment, Theme

from . import selectors
from .models import (
    NARRATIVE_MAX_LENGTH,
    ActionStatus,
    AgeBand,
    ChangeClaim,
    CriticalityScale,
    DatePrecision,
    EthnicCategory,
    Pathway,
    PathwayStage,
    SafetyConcern,
    Sex,
    SourceChannel,
    StoryAction,
    StoryStatus,
    Teller,
    YesNo,
)

# Free text written about a story (the reply to its teller, an action, a change claimed) is held to the
# story's own limit: a paste of a whole document is refused with a message, not stored and redacted.
TEXT_MAX_LENGTH = NARRATIVE_MAX_LENGTH


def _too_long(what: str) -> str:
    return f"{what} must be {TEXT_MAX_LENGTH:,} characters or fewer"


class ApproximateDateField(forms.Field):
    """Day, month and year boxes where the day may be left empty: "March 2024" is a date to the month.
    Cleans to `(date, precision)`."""

    widget = NHSDateInput
    default_error_messages = {
        "invalid": "Enter a real date, for example 15 3 2024, or just the month and year, for example 3 2024",
        "future": "The date it happened must be today or in the past",
    }

    def to_python(self, value):
        if not value:
            return None
        year, _, rest = str(value).partition("-")
        month, _, day = rest.partition("-")
        try:
            if not day:
                return datetime.date(int(year), int(month), 1), DatePrecision.MONTH
            return datetime.date(int(year), int(month), int(day)), DatePrecision.DAY
        except (ValueError, OverflowError):  # OverflowError: a day or year of 20 digits
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value):
        super().validate(value)
        if value and value[0] > timezone.localdate():
            raise forms.ValidationError(self.error_messages["future"], code="future")

    def prepare_value(self, value):
        # A stored month-precision date shows the month and year only, as the person entered it.
        if isinstance(value, tuple):
            date, precision = value
            return f"{date.year}-{date.month}-" if precision == DatePrecision.MONTH else date
        return value


def _blank(choices) -> list[tuple[str, str]]:
    return [("", "Not recorded"), *choices]


class StoryForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        error_messages={
            "required": "Select the organisation the story is about",
            "invalid_choice": "Select an organisation you log stories for",
        },
    )
    title = forms.CharField(
        max_length=200,
        help_text="A few words to find it by, for example “Discharged without my medicines”.",
        error_messages={
            "required": "Enter a title",
            "max_length": "The title must be 200 characters or fewer",
        },
    )
    narrative = forms.CharField(
        label="The story",
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="In the person’s own words where you can. Names, NHS numbers, contact details and dates "
        "are hidden automatically before anyone outside your organisation reads it. Up to 20,000 characters.",
        error_messages={"required": "Enter the story"},
    )
    teller = forms.ChoiceField(
        label="Who told it",
        choices=Teller.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who told the story"},
    )
    when = ApproximateDateField(
        label="When it happened",
        help_text="For example, 15 3 2024. Leave the day empty if only the month is known.",
        error_messages={"required": "Enter when it happened, at least the month and year"},
    )
    source_channel = forms.ChoiceField(
        label="How the story reached you",
        choices=[("", "Select"), *SourceChannel.choices],
        error_messages={"required": "Select how the story reached you"},
    )
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The services the story is about.",
        error_messages={"invalid_choice": "Select services of the story’s organisation"},
    )
    stages = forms.ModelMultipleChoiceField(
        label="Pathway stages",
        queryset=PathwayStage.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Where the story sits along a care pathway, so a journey can be read across organisations.",
        error_messages={"invalid_choice": "Select stages of pathways in your integrated care system"},
    )
    ethnic_category = forms.ChoiceField(
        label="Ethnic group", choices=_blank(EthnicCategory.choices), required=False
    )
    age_band = forms.ChoiceField(label="Age", choices=_blank(AgeBand.choices), required=False)
    sex = forms.ChoiceField(choices=_blank(Sex.choices), required=False)
    disability = forms.ChoiceField(label="Disability", choices=_blank(YesNo.choices), required=False)
    first_language = forms.CharField(max_length=100, required=False)
    interpreter_needed = forms.ChoiceField(choices=_blank(YesNo.choices), required=False)

    DEMOGRAPHICS = (
        "ethnic_category",
        "age_band",
        "sex",
        "disability",
        "first_language",
        "interpreter_needed",
    )

    def __init__(self, *args, user, story=None, **kwargs):
        if story is not None:
            kwargs["initial"] = {
                "title": story.title,
                "narrative": story.narrative,
                "teller": story.teller,
                "when": (story.occurred_on, story.occurred_precision),
                "source_channel": story.source_channel,
                "services": list(story.services.all()),
                "stages": list(story.stages.all()),
                **{name: getattr(story, name) for name in self.DEMOGRAPHICS},
            }
        super().__init__(*args, **kwargs)
        org_ids = scope_for(user).px_org_ids if story is None else {story.organisation_id}
        self.fields["organisation"].queryset = Organisation.objects.filter(pk__in=org_ids)
        self.fields["services"].queryset = Service.objects.filter(organisation_id__in=org_ids, active=True)
        self.fields["stages"].queryset = selectors.stages_for(org_ids)
        self.fields["stages"].label_from_instance = lambda stage: (
            f"{stage.pathway.name}: {stage.order}. {stage.name} ({stage.organisation.display_name})"
        )
        if len(org_ids) > 1:
            self.fields["services"].label_from_instance = lambda s: (
                f"{s.name} ({s.organisation.display_name})"
            )
        if story is not None:
            del self.fields["organisation"]
        elif len(org_ids) == 1:  # a lead of one organisation is not asked to choose it from "---------"
            self.fields["organisation"].empty_label = None
            self.fields["organisation"].initial = next(iter(org_ids))

    def clean_narrative(self):
        narrative = self.cleaned_data["narrative"].strip()
        if len(narrative) > NARRATIVE_MAX_LENGTH:
            raise forms.ValidationError(
                f"The story must be {NARRATIVE_MAX_LENGTH:,} characters or fewer; it is {len(narrative):,}"
            )
        return narrative

    def clean(self):
        cleaned = super().clean()
        organisation = cleaned.get("organisation")
        if organisation and any(s.organisation_id != organisation.pk for s in cleaned.get("services", [])):
            self.add_error("services", f"Select services of {organisation.display_name} only")
        return cleaned

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["occurred_on"], data["occurred_precision"] = data.pop("when")
        data.pop("organisation", None)
        return data


class ConsentForm(forms.Form):
    internal_learning = forms.BooleanField(
        label="Internal learning: staff may read and discuss the story", required=False
    )
    board_quote = forms.BooleanField(label="An anonymised quote may be used in board reports", required=False)
    publication = forms.BooleanField(label="The story may be published", required=False)
    note = forms.CharField(
        label="How consent was given",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, “Signed consent form, scanned to the PALS file”.",
    )


class ConsentWithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(
        label="Date consent was withdrawn",
        widget=NHSDateInput(),
        help_text="For example, 15 3 2025",
        error_messages={"required": "Enter the date consent was withdrawn", "invalid": "Enter a real date"},
    )
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_withdrawn_on(self):
        value = self.cleaned_data["withdrawn_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("The date consent was withdrawn must be today or in the past")
        return value


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=StoryStatus.choices)


class RedactionAddForm(forms.Form):
    phrase = forms.CharField(
        label="Words to hide",
        max_length=200,
        help_text="Hidden wherever they appear in the title and the story, whatever their capitals.",
        error_messages={"required": "Enter the words to hide"},
    )
    kind = forms.ChoiceField(
        label="What they are",
        choices=[(kind.value, kind.value.replace("_", " ").capitalize()) for kind in Kind],
        initial=Kind.PERSON,
    )


class RedactionRemoveForm(forms.Form):
    field = forms.ChoiceField(choices=[("title", "title"), ("narrative", "narrative")])
    index = forms.IntegerField(min_value=0)


class FlagForm(forms.Form):
    concern = forms.ChoiceField(
        label="What kind of concern is it?",
        choices=SafetyConcern.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the kind of concern"},
    )


class SafetyResponseForm(forms.Form):
    response = forms.CharField(
        label="Response to the concern",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What was checked and done. The concern is closed when you save it.",
        error_messages={"required": "Enter the response to the concern before closing it"},
    )


class TellerResponseForm(forms.Form):
    response = forms.CharField(
        label="What the person who told the story was told",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=TEXT_MAX_LENGTH,
        error_messages={
            "required": "Enter what the person who told the story was told",
            "max_length": _too_long("The response"),
        },
    )


class ChangeClaimForm(forms.Form):
    claim = forms.ChoiceField(
        label="What are you claiming?",
        choices=ChangeClaim.choices,
        widget=forms.RadioSelect,
        help_text="Another patient experience lead of your organisation signs the claim off.",
        error_messages={"required": "Select whether the change is planned or made"},
    )
    description = forms.CharField(
        label="What changed",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Say what is different for patients, as you would tell the person who told the story.",
        max_length=TEXT_MAX_LENGTH,
        error_messages={
            "required": "Say what changed (or what will change)",
            "max_length": _too_long("What changed"),
        },
    )


class ActionForm(forms.ModelForm):
    class Meta:
        model = StoryAction
        fields = ["description", "owner", "due_on", "status", "outcome"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "due_on": NHSDateInput(),
            "outcome": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"due_on": "For example, 15 3 2026", "outcome": "What changed, once it has."}
        error_messages = {
            "description": {"required": "Enter what will change"},
            "owner": {"required": "Select who owns the action", "invalid_choice": "Select someone listed"},
            "due_on": {"required": "Enter the due date", "invalid": "Enter a real date"},
        }

    def __init__(self, *args, story, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = selectors.action_owners_for(story).order_by("first_name", "last_name")
        self.fields["owner"].label_from_instance = lambda user: user.get_full_name() or user.get_username()
        self.fields["status"].choices = ActionStatus.choices
        for name, what in (("description", "What will change"), ("outcome", "What changed")):
            field = self.fields[name]
            field.max_length = TEXT_MAX_LENGTH
            field.validators.append(MaxLengthValidator(TEXT_MAX_LENGTH, message=_too_long(what)))
        if not self.instance.pk:
            del self.fields["status"], self.fields["outcome"]


class ImportForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        error_messages={"required": "Select the organisation the stories belong to"},
    )
    file = forms.FileField(
        label="File",
        help_text="A CSV file with the columns listed above, or a Care Opinion API export (JSON).",
        error_messages={"required": "Select a CSV or JSON file"},
    )
    criticality_scale = forms.ChoiceField(
        label="The file's criticality is on",
        choices=CriticalityScale.choices,
        initial=CriticalityScale.CARE_OPINION,
        widget=forms.RadioSelect,
        help_text=(
            "Care Opinion's 0 (not critical) to 5 (severely critical), or a signed scale where negative "
            "numbers are critical and positive ones praise. Praise is kept as praise, never as criticality."
        ),
        required=False,  # a file with no criticality needs no choice: Care Opinion's 0–5 is assumed
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(pk__in=scope_for(user).px_org_ids)

    def clean_criticality_scale(self):
        return self.cleaned_data.get("criticality_scale") or CriticalityScale.CARE_OPINION

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".json")):
            raise forms.ValidationError("The selected file must be a CSV or JSON file")
        # Checked before the file is read: the importer reads it into memory whole.
        limit = settings.MAX_STORY_IMPORT_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The selected file is {_size(upload.size)}: the largest stories file you can import is "
                f"{_size(limit)}. Split it into smaller files."
            )
        # The name says CSV or JSON; the content must agree (a renamed workbook or PDF is refused here).
        head = upload.read(4096)
        upload.seek(0)
        for signature, kind in BINARY_SIGNATURES:
            if head.startswith(signature):
                raise forms.ValidationError(
                    f"The selected file is {kind}, not a CSV or JSON file. "
                    "Save it as CSV (UTF-8) and try again."
                )
        if b"\x00" in head:
            raise forms.ValidationError("The selected file is not a text file. Choose a CSV or JSON file.")
        return upload


# The start of files people might pick by mistake, and what to call them in the message.
BINARY_SIGNATURES = [
    (b"PK\x03\x04", "an Excel workbook or another zipped file"),
    (b"\xd0\xcf\x11\xe0", "an old-style Excel or Word file"),
    (b"%PDF", "a PDF"),
    (b"\x89PNG", "an image"),
    (b"\xff\xd8\xff", "an image"),
]


def _size(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MB" if size >= 1024 * 1024 else f"{size:,} bytes"


class PathwayForm(forms.ModelForm):
    class Meta:
        model = Pathway
        fields = ["ics", "name", "description"]
        labels = {"ics": "Integrated care system"}
        error_messages = {"name": {"required": "Enter the pathway’s name"}}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ics"].queryset = self.fields["ics"].queryset.filter(pk__in=scope_for(user).admin_ics_ids)


class StageForm(forms.Form):
    name = forms.CharField(max_length=200, help_text="For example, Hyper-acute stroke unit.")
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())
    service = forms.ModelChoiceField(queryset=Service.objects.none(), required=False)

    def __init__(self, *args, pathway, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(ics=pathway.ics)
        self.fields["service"].queryset = Service.objects.filter(
            organisation__ics=pathway.ics
        ).select_related("organisation")
        self.fields["service"].label_from_instance = lambda s: f"{s.name} ({s.organisation.display_name})"


def _person_label(user) -> str:
    return user.get_full_name() or user.get_username()


class SafetyLeadForm(forms.Form):
    user = forms.ModelChoiceField(label="Safety lead", queryset=None)
    deputy = forms.ModelChoiceField(
        label="Deputy",
        queryset=None,
        help_text="Receives a concern the safety lead leaves unanswered; another patient experience lead.",
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("user", "deputy"):
            self.fields[name].queryset = selectors.px_leads_of(organisation)
            self.fields[name].label_from_instance = _person_label

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("user") and cleaned.get("user") == cleaned.get("deputy"):
            self.add_error("deputy", "Choose someone other than the safety lead as deputy")
        return cleaned


class SafetyAssignForm(forms.Form):
    user = forms.ModelChoiceField(label="Give this concern to", queryset=None)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people
        self.fields["user"].label_from_instance = _person_label


CONSENT_FILTER_CHOICES = [
    ("", "Any"),
    ("none", "Not recorded"),
    ("internal_learning", "Internal learning"),
    ("board_quote", "Board report quote"),
    ("publication", "Publication"),
    ("withdrawn", "Withdrawn"),
]
SAFETY_FILTER_CHOICES = [
    ("", "Any"),
    ("flagged", "Flagged as a safety concern"),
    ("awaiting", "Awaiting a response"),
    ("not_flagged", "Not flagged"),
]
CRITICALITY_FILTER_CHOICES = [
    ("", "Any"),
    ("high", "Strongly or severely critical (4 or 5)"),
    # The source's own scale, not "critical stories" (`stories.models.CRITICAL_STORY`: a safety concern or
    # 4-5), so these two say "rated", never plain "critical".
    ("critical", "Rated 1 to 5 (any criticality)"),
    ("not_critical", "Rated 0 (not critical at source)"),
    ("praise", "Praise (from a signed scale)"),
    ("unrated", "No criticality from the source"),
]


class StoryFilterForm(forms.Form):
    """The list's filters, read from and kept in the query string."""

    q = forms.CharField(label="Search", required=False, max_length=200)
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), required=False, empty_label="Any"
    )
    service = forms.ModelChoiceField(queryset=Service.objects.none(), required=False, empty_label="Any")
    stage = forms.ModelChoiceField(
        label="Pathway stage", queryset=PathwayStage.objects.none(), required=False, empty_label="Any"
    )
    theme = forms.ModelChoiceField(queryset=Theme.objects.none(), required=False, empty_label="Any")
    sentiment = forms.ChoiceField(choices=[("", "Any"), *Sentiment.choices], required=False)
    consent = forms.ChoiceField(choices=CONSENT_FILTER_CHOICES, required=False)
    # The safety flag (a person's, the tagger's or the source's) and the source's criticality rating are
    # two filters: a story can be rated critical without a flag, and flagged without a rating.
    safety = forms.ChoiceField(label="Safety flag", choices=SAFETY_FILTER_CHOICES, required=False)
    criticality = forms.ChoiceField(
        label="Criticality (source's rating)", choices=CRITICALITY_FILTER_CHOICES, required=False
    )
    status = forms.ChoiceField(choices=[("", "Any"), *StoryStatus.choices], required=False)
    date_from = forms.DateField(
        label="Happened from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="Happened to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = organisations_for(user)
        self.fields["organisation"].queryset = organisations
        self.fields["service"].queryset = Service.objects.filter(
            organisation__in=organisations
        ).select_related("organisation")
        self.fields["service"].label_from_instance = lambda s: f"{s.name} ({s.organisation.display_name})"
        self.fields["stage"].queryset = PathwayStage.objects.filter(
            pathway__in=selectors.pathways_for(user)
        ).select_related("pathway")
        self.fields["stage"].label_from_instance = lambda stage: f"{stage.pathway.name}: {stage.name}"
        # Framework themes, and the local themes of the person's own ICSs only.
        self.fields["theme"].queryset = Theme.objects.filter(active=True).filter(
            Q(ics__isnull=True) | Q(ics_id__in=selectors.ics_ids_for(user))
        )

    def filters(self) -> selectors.StoryFilters:
        if not self.is_valid():
            return selectors.StoryFilters()
        return selectors.StoryFilters(**self.cleaned_data)
