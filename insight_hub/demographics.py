"""Equality monitoring categories, the same on survey responses and stories.

Ethnicity uses the NHS Data Dictionary ethnic category codes (the 2001 census categories, A–Z).
"""

from django.db import models


class EthnicCategory(models.TextChoices):
    """NHS Data Dictionary ethnic category codes (2001 census categories)."""

    A = "A", "White - British"
    B = "B", "White - Irish"
    C = "C", "White - Any other White background"
    D = "D", "Mixed - White and Black Caribbean"
    E = "E", "Mixed - White and Black African"
    F = "F", "Mixed - White and Asian"
    G = "G", "Mixed - Any other mixed background"
    H = "H", "Asian or Asian British - Indian"
    J = "J", "Asian or Asian British - Pakistani"
    K = "K", "Asian or Asian British - Bangladeshi"
    L = "L", "Asian or Asian British - Any other Asian background"
    M = "M", "Black or Black British - Caribbean"
    N = "N", "Black or Black British - African"
    P = "P", "Black or Black British - Any other Black background"
    R = "R", "Other Ethnic Groups - Chinese"
    S = "S", "Other Ethnic Groups - Any other ethnic group"
    Z = "Z", "Not stated"


class AgeBand(models.TextChoices):
    UNDER_16 = "0-15", "Under 16"
    A16 = "16-24", "16 to 24"
    A25 = "25-34", "25 to 34"
    A35 = "35-44", "35 to 44"
    A45 = "45-54", "45 to 54"
    A55 = "55-64", "55 to 64"
    A65 = "65-74", "65 to 74"
    A75 = "75-84", "75 to 84"
    A85 = "85+", "85 or over"
    NOT_STATED = "not_stated", "Prefer not to say"


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Another term"
    NOT_STATED = "not_stated", "Prefer not to say"


class YesNo(models.TextChoices):
    """Disability, interpreter needed: yes, no, or not said."""

    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_STATED = "not_stated", "Prefer not to say"
