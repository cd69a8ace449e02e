"""Who is who in an integrated care system: the ICS, its organisations (keyed by ODS code), their sites
and services, and the people who work in them with a role."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models

# Short codes people type from a poster: no 0/O, 1/I/L, so a code read aloud or from paper is typed right.
SHORT_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SHORT_CODE_LENGTH = 8


def new_short_code() -> str:
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))


def normalise_short_code(typed: str) -> str:
    """What a person typed, as stored: capitals, without spaces or hyphens."""
    return "".join(typed.split()).replace("-", "").upper()


class OrganisationKind(models.TextChoices):
    ACUTE = "acute", "Acute trust"
    MENTAL_HEALTH = "mental_health", "Mental health trust"
    COMMUNITY = "community", "Community trust"
    AMBULANCE = "ambulance", "Ambulance trust"
    PRIMARY_CARE = "primary_care", "Primary care (GP practice, dentist, pharmacy)"
    PCN = "pcn", "Primary care network"
    SOCIAL_CARE = "social_care", "Social care provider"
    ICB = "icb", "Integrated care board"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    VOLUNTARY_SECTOR = "voluntary_sector", "Voluntary sector"
    HEALTHWATCH = "healthwatch", "Healthwatch"
    OTHER = "other", "Other NHS trust"


class FFTSetting(models.TextChoices):
    """The settings NHS England publishes Friends and Family Test results by."""

    INPATIENT = "inpatient", "Inpatient"
    AE = "ae", "A&E"
    MATERNITY = "maternity", "Maternity"
    OUTPATIENT = "outpatient", "Outpatient"
    AMBULANCE = "ambulance", "Ambulance"
    MENTAL_HEALTH = "mental_health", "Mental health"
    COMMUNITY = "community", "Community"
    GP = "gp", "GP"
    DENTAL = "dental", "Dental"
    OTHER = "other", "Other"


class Role(models.TextChoices):
    PX_LEAD = "px_lead", "Patient experience lead"
    ICB_LEAD = "icb_lead", "ICB quality lead"
    BOARD = "board", "Board member"
    SYSTEM_ADMIN = "system_admin", "System administrator"


class Organisation(models.Model):
    """Any body in the system, ICBs included, identified by its ODS code."""

    ods_code = models.CharField("ODS code", max_length=10, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    region = models.CharField(max_length=60, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    # For a trust: the ICB of its head office as ODS records it (geography, not formal membership).
    icb = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="trusts_in_area",
        limit_choices_to={"kind": OrganisationKind.ICB},
    )
    # For an ICB formed by merger (April 2026): the ICBs it replaced, so older data can be read.
    predecessors = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="successors")
    closed_on = models.DateField(null=True, blank=True, help_text="Empty while the organisation is open.")
    # The ICS this organisation takes part in, if any. Set by the ICS set-up, not by the ODS load.
    ics = models.ForeignKey(
        "ICS", null=True, blank=True, on_delete=models.SET_NULL, related_name="organisations"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """ODS writes trust names in capitals; people read them in title case."""
        if not self.name.isupper():
            return self.name
        small = {"And", "Of", "The", "For", "On"}
        words = [w.capitalize() if w not in {"NHS", "ICB"} else w for w in self.name.split()]
        return " ".join(w.lower() if i and w in small else w for i, w in enumerate(words))


class ICS(models.Model):
    """An integrated care system: its ICB and the partners that take part in it."""

    name = models.CharField(max_length=200)
    icb = models.OneToOneField(
        Organisation,
        on_delete=models.PROTECT,
        related_name="ics_led",
        limit_choices_to={"kind": OrganisationKind.ICB},
    )
    # The ICB's named lead for patient experience, shown on every home page of the ICS.
    px_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "ICS"
        verbose_name_plural = "ICSs"

    def __str__(self) -> str:
        return self.name

    @property
    def region(self) -> str:
        return self.icb.region


class Site(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="sites")
    ods_code = models.CharField("ODS site code", max_length=10, blank=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="site_name_unique_in_organisation")
        ]

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    """A service people use (a ward, a clinic, a team), the unit feedback and stories are about."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="services")
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="services")
    name = models.CharField(max_length=200)
    fft_setting = models.CharField("FFT setting", max_length=20, choices=FFTSetting.choices)
    # Unguessable id for the public survey link and poster QR code, so services cannot be enumerated.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The typed address on the poster (/f/<code>): 8 characters, unguessable enough for a form that is on a
    # public wall anyway; the QR code keeps the full address with `public_id`.
    short_code = models.CharField(
        max_length=SHORT_CODE_LENGTH, unique=True, default=new_short_code, editable=False
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="service_name_unique_in_organisation"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's role at an organisation. ICB roles are held at the ICB and reach its whole ICS."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    job_title = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique_role")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} at {self.organisation}"
