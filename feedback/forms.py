"""Forms: the public response form (standard and easy read), the survey builder, and the staff filters."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.core.exceptions import ValidationError

from insight_hub.forms import FilterForm
from insight_hub.organisations.models import Organisation, Service
from insight_hub.themes.models import QuestionType, Sentiment

from .models import AgeBand, Disability, EthnicCategory, FFTAnswer, Question, QuestionKind, Sex
from .services import COMMENT_MAX_LENGTH, QuestionSpec

HONEYPOT = "website"

# Easy read: short, plain words (the answers keep their FFT meaning and order).
EASY_READ_FFT = {
    FFTAnswer.VERY_GOOD: "Very good",
    FFTAnswer.GOOD: "Good",
    FFTAnswer.NEITHER: "Not good, not bad",
    FFTAnswer.POOR: "Bad",
    FFTAnswer.VERY_POOR: "Very bad",
    FFTAnswer.DONT_KNOW: "I do not know",
}
EASY_READ_FOLLOW_UP = {
    QuestionType.WHAT_GOOD: "What was good?",
    QuestionType.COULD_IMPROVE: "What could be better?",
    QuestionType.NONSPECIFIC: "Tell us more",
}
RATING_CHOICES = [
    (str(n), label) for n, label in [(5, "5 (best)"), (4, "4"), (3, "3"), (2, "2"), (1, "1 (worst)")]
]


class FaceRadioSelect(forms.RadioSelect):
    """Radios with a drawn face beside each answer's words (easy read); the words stay the label."""

    template_name = "feedback/widgets/face_radios.html"


def question_field_name(question: Question) -> str:
    return f"q{question.order}"


class PublicResponseForm(forms.Form):
    """One person's answers to a survey version. Built from the version's questions; every error names its
    question, and nothing here touches the database."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=500)
    ethnic_category = forms.ChoiceField(
        label="What is your ethnic group?",
        choices=[("", "Choose an ethnic group"), *EthnicCategory.choices],
        required=False,
    )
    age_band = forms.ChoiceField(
        label="How old are you?", choices=[("", "Choose an age group"), *AgeBand.choices], required=False
    )
    sex = forms.ChoiceField(
        label="What is your sex?", choices=Sex.choices, required=False, widget=forms.RadioSelect
    )
    disability = forms.ChoiceField(
        label="Do you have a disability or a long-term health condition?",
        choices=Disability.choices,
        required=False,
        widget=forms.RadioSelect,
    )

    DEMOGRAPHICS = ("ethnic_category", "age_band", "sex", "disability")

    def __init__(self, *args, questions: Sequence[Question], easy_read: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        self.easy_read = easy_read
        question_fields = {question_field_name(q): self._field_for(q) for q in self.questions}
        # Questions first, then the optional "about you" questions, in the order people read them.
        self.fields = {**question_fields, **self.fields}
        if easy_read:
            self.fields["ethnic_category"].label = "What is your ethnic group?"
            self.fields["age_band"].label = "How old are you?"
            self.fields["disability"].label = "Do you have a disability or an illness that lasts a long time?"

    def _field_for(self, question: Question) -> forms.Field:
        label = question.text
        if question.kind == QuestionKind.FFT:
            choices = [(str(a.value), EASY_READ_FFT[a] if self.easy_read else a.label) for a in FFTAnswer]
            return forms.ChoiceField(
                label="How was your visit?" if self.easy_read else label,
                choices=choices,
                widget=FaceRadioSelect if self.easy_read else forms.RadioSelect,
                error_messages={
                    "required": "Choose how your visit was"
                    if self.easy_read
                    else "Select how your experience was",
                    "invalid_choice": "Select one of the answers to how your experience was",
                },
            )
        if question.kind == QuestionKind.FREE_TEXT:
            return forms.CharField(
                label=EASY_READ_FOLLOW_UP.get(question.question_type, label) if self.easy_read else label,
                required=question.required,
                max_length=COMMENT_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 5}),
                help_text="Please do not include names or other personal details.",
                error_messages={
                    "required": f"Answer “{label}”",
                    "max_length": (
                        f"Your answer to “{label}” must be {COMMENT_MAX_LENGTH:,} characters or fewer"
                    ),
                },
            )
        choices = (
            RATING_CHOICES if question.kind == QuestionKind.RATING else [(c, c) for c in question.choices]
        )
        return forms.ChoiceField(
            label=label,
            choices=choices,
            required=question.required,
            widget=forms.RadioSelect,
            error_messages={
                "required": f"Select an answer to “{label}”",
                "invalid_choice": f"Select one of the answers to “{label}”",
            },
        )

    def question_fields(self):
        return [self[question_field_name(q)] for q in self.questions]

    def demographic_fields(self):
        return [self[name] for name in self.DEMOGRAPHICS]

    def answers(self) -> dict[Question, object]:
        return {q: self.cleaned_data.get(question_field_name(q)) for q in self.questions}

    def demographics(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in self.DEMOGRAPHICS}


# The survey builder.


class SurveyForm(forms.Form):
    name = forms.CharField(label="Survey name", max_length=200)


class FollowUpForm(forms.Form):
    """An FFT survey's free-text follow-ups, in each trust's own words."""

    first_text = forms.CharField(label="First follow-up question", max_length=500)
    first_type = forms.ChoiceField(label="What the first question asks about", choices=QuestionType.choices)
    second_text = forms.CharField(
        label="Second follow-up question",
        max_length=500,
        required=False,
        help_text="Leave empty to ask only one.",
    )
    second_type = forms.ChoiceField(
        label="What the second question asks about", choices=QuestionType.choices, required=False
    )

    @classmethod
    def initial_from(cls, questions: Sequence[Question]) -> dict:
        follow_ups = [q for q in questions if q.kind == QuestionKind.FREE_TEXT]
        initial = {}
        for prefix, question in zip(("first", "second"), follow_ups, strict=False):
            initial[f"{prefix}_text"] = question.text
            initial[f"{prefix}_type"] = question.question_type
        return initial

    def clean(self):
        data = super().clean()
        if data.get("second_text") and not data.get("second_type"):
            self.add_error("second_type", "Choose what the second question asks about")
        return data

    def question_specs(self, fft_question: str) -> list[QuestionSpec]:
        data = self.cleaned_data
        specs = [QuestionSpec(kind=QuestionKind.FFT, text=fft_question, required=True)]
        for prefix in ("first", "second"):
            if data.get(f"{prefix}_text"):
                specs.append(
                    QuestionSpec(
                        kind=QuestionKind.FREE_TEXT,
                        text=data[f"{prefix}_text"],
                        question_type=data[f"{prefix}_type"],
                    )
                )
        return specs


LOCAL_KINDS = [(k.value, k.label) for k in QuestionKind if k != QuestionKind.FFT]


class QuestionForm(forms.Form):
    text = forms.CharField(label="Question", max_length=500, required=False)
    kind = forms.ChoiceField(label="Type of answer", choices=LOCAL_KINDS)
    question_type = forms.ChoiceField(
        label="For free text: what it asks about",
        choices=[("", "Not free text"), *QuestionType.choices],
        required=False,
    )
    choices = forms.CharField(
        label="For single choice: the answers, one a line",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    required = forms.BooleanField(label="People must answer this question", required=False)

    def clean(self):
        data = super().clean()
        if not data.get("text"):
            return data  # an empty row is left out
        if data.get("kind") == QuestionKind.FREE_TEXT and not data.get("question_type"):
            self.add_error("question_type", "Choose what this free-text question asks about")
        if data.get("kind") == QuestionKind.SINGLE_CHOICE and len(self.choice_list()) < 2:
            self.add_error("choices", "Give at least two answers, one a line")
        return data

    def choice_list(self) -> list[str]:
        return [
            line.strip() for line in (self.cleaned_data.get("choices") or "").splitlines() if line.strip()
        ]

    def spec(self) -> QuestionSpec | None:
        data = self.cleaned_data
        if not data.get("text"):
            return None
        return QuestionSpec(
            kind=data["kind"],
            text=data["text"],
            question_type=data.get("question_type") or "",
            choices=tuple(self.choice_list()),
            required=data.get("required", False),
        )


class BaseQuestionFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not self.specs():
            raise ValidationError("Add at least one question.")

    def specs(self) -> list[QuestionSpec]:
        return [spec for form in self.forms if (spec := form.spec()) is not None]


QuestionFormSet = forms.formset_factory(QuestionForm, formset=BaseQuestionFormSet, extra=3, max_num=30)


def question_initial(questions: Sequence[Question]) -> list[dict]:
    return [
        {
            "text": q.text,
            "kind": q.kind,
            "question_type": q.question_type,
            "choices": "\n".join(q.choices),
            "required": q.required,
        }
        for q in questions
    ]


# Staff filters.


class ResponseFilterForm(FilterForm):
    """The list's filters, read from the query string. An invalid value is reported and ignored."""

    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="All organisations",
        to_field_name="ods_code",
    )
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(), required=False, empty_label="All services"
    )
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    fft_score = forms.TypedChoiceField(
        label="FFT answer",
        choices=[("", "Any answer"), *FFTAnswer.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )
    has_comment = forms.ChoiceField(
        label="Comments",
        choices=[("", "With or without"), ("yes", "With a comment"), ("no", "Without a comment")],
        required=False,
    )
    sentiment = forms.ChoiceField(
        label="Comment sentiment", choices=[("", "Any sentiment"), *Sentiment.choices], required=False
    )

    def __init__(self, *args, organisations, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["service"].queryset = services.select_related("organisation")
        self.fields["service"].label_from_instance = lambda s: f"{s.name} ({s.organisation.display_name})"
