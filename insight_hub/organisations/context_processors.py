from django.urls import NoReverseMatch, reverse

from .models import Membership
from .permissions import scope_for

# (label, url name, roles that see it); apps add their entry here as they land.
NAVIGATION = [
    ("Home", "home", None),
    ("Stories", "stories:list", None),
    ("Search", "search:search", None),
    # Responses are records: a board member reads dashboards and reports instead.
    ("Feedback", "feedback:response_list", ["px_lead", "icb_lead", "system_admin"]),
    ("Dashboards", "dashboards:index", None),
    ("Board reports", "reports:list", ["px_lead", "icb_lead", "board", "system_admin"]),
    ("Charters", "charters:list", None),
    ("Review tags", "themes:review_queue", ["px_lead", "icb_lead"]),
    ("Organisations", "organisations:list", None),
    ("Access audit", "privacy:audit_list", ["system_admin"]),
    ("Requests about a person", "privacy:subject_find", ["system_admin"]),
    ("Operations", "operations", ["system_admin"]),
]


def scope(request):
    """The signed-in person's role and reach, for the header and navigation of every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "current_membership": None}
    hub_scope = scope_for(user)
    items = []
    for label, name, roles in NAVIGATION:
        if roles and not any(hub_scope.has_role(role) for role in roles):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        current = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"label": label, "url": url, "current": current})
    membership = (
        Membership.objects.filter(user=user).select_related("organisation").order_by("created_at").first()
    )
    return {"nav_items": items, "current_membership": membership, "hub_scope": hub_scope}
