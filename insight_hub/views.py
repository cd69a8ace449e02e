"""Pages that belong to no one app: the home page and the health check."""

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from insight_hub.inbox import inbox_for
from insight_hub.organisations import selectors
from insight_hub.organisations.models import Role
from insight_hub.organisations.permissions import scope_for

# What each role can do, in the words of the people who hold it. Each card names the URL it leads to;
# a card whose feature has not landed yet is simply not shown.
ROLE_CARDS = {
    Role.PX_LEAD: [
        ("Your organisation", "organisations:list", "See your services and sites, and add new services."),
        ("Log a patient story", "stories:create", "Record a story, its consent, and check what is hidden."),
        (
            "Safety concerns",
            "stories:awaiting",
            "Stories flagged as safety concerns that wait for a response.",
        ),
        ("Feedback", "feedback:response_list", "FFT and survey answers with their comments; export them."),
        ("Surveys", "feedback:survey_list", "Word your FFT follow-up questions and build local surveys."),
    ],
    Role.ICB_LEAD: [
        ("Organisations in the system", "organisations:list", "Every partner in the ICS and their services."),
        ("Patient stories", "stories:list", "Stories shared with the ICS, with personal details hidden."),
        (
            "Journeys along pathways",
            "stories:pathway_list",
            "Stories read stage by stage across organisations.",
        ),
        ("System feedback", "feedback:response_list", "FFT answers and redacted comments, every trust."),
        ("Patient charter", "charters:list", "The commitments you own, their evidence, and your reviews."),
    ],
    Role.BOARD: [
        ("Board reports", "reports:list", "Reports released to your board: read them, download the PDF."),
        ("Dashboards", "dashboards:index", "Your organisation's figures, themes and stories by month."),
        ("Your organisation", "organisations:list", "The organisations whose reports you receive."),
        # No "Feedback" card: a board member reads no responses (that page is a 404 for them); what patients
        # said reaches them through the dashboards and the reports.
    ],
    Role.SYSTEM_ADMIN: [
        ("Organisations and services", "organisations:list", "Set up partners, sites and services."),
        (
            "Users and reference data",
            "admin:index",
            "Add people, give them roles, keep reference data current.",
        ),
        ("Care pathways", "stories:pathway_list", "Set up pathways so stories can be read as journeys."),
        ("Surveys", "feedback:survey_list", "FFT follow-up wording and local surveys for every partner."),
        ("Patient charter", "charters:list", "Co-design the charter with partners, adopt it and publish it."),
        ("Operations", "operations", "Workers, the schedule, email and imports: working, and since when."),
    ],
}


def _in_a_sentence(label: str) -> str:
    """A role's label inside a sentence: "patient experience lead", but "ICB quality lead"."""
    first, space, rest = label.partition(" ")
    return (first if first.isupper() else first.lower()) + space + rest


@login_required
def home(request):
    scope = scope_for(request.user)
    roles = [role for role in Role if scope.has_role(role)]
    return render(
        request,
        "home.html",
        {
            "roles": [(_in_a_sentence(Role(role).label), ROLE_CARDS[role]) for role in roles],
            "inbox": inbox_for(request.user) if roles else [],
            "icss": selectors.icss_for(request.user),
            "memberships": request.user.memberships.select_related("organisation"),
        },
    )


@never_cache
def healthz(request):
    """For load balancers and docker-compose: the database answers, and the cache/broker if configured."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure here means "not healthy", reported as such
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        cache.set("healthz", "ok", 5)
        checks["cache"] = "ok" if cache.get("healthz") == "ok" else "error: no round trip"
    except Exception as exc:  # noqa: BLE001
        checks["cache"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)
