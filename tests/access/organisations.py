"""Access matrix: organisations and their services. A person sees the organisations within reach (outsiders
404); services are added and changed by the organisation's px_lead or the ICS's system administrator."""

from __future__ import annotations

from tests.access.matrix import NOT_FOUND, OK, Route, expect


def setup(world) -> dict:
    return {}


def _ods(key):
    return lambda o: [getattr(o.world, key).ods_code]


def _service(key):
    return lambda o: [getattr(o.world, f"trust_{key}").ods_code, getattr(o.world, f"service_{key}").pk]


ROUTES = [
    Route("organisations:list", expect(OK)),
    Route(
        "organisations:detail",
        expect(NOT_FOUND, px_a=OK, board_a=OK, icb_lead=OK, admin=OK),
        args=_ods("trust_a"),
        label="trust A",
    ),
    Route(
        "organisations:detail",
        expect(NOT_FOUND, px_b=OK, icb_lead=OK, admin=OK),
        args=_ods("trust_b"),
        label="trust B",
    ),
    Route(
        "organisations:detail", expect(NOT_FOUND, icb_lead=OK, admin=OK), args=_ods("icb"), label="the ICB"
    ),
    Route(
        "organisations:service_create",
        expect(NOT_FOUND, px_a=OK, admin=OK),
        args=_ods("trust_a"),
        label="trust A",
    ),
    Route(
        "organisations:service_create",
        expect(NOT_FOUND, px_b=OK, admin=OK),
        args=_ods("trust_b"),
        label="trust B",
    ),
    Route(
        "organisations:service_edit",
        expect(NOT_FOUND, px_a=OK, admin=OK),
        args=_service("a"),
        label="trust A's service",
    ),
    Route(
        "organisations:service_edit",
        expect(NOT_FOUND, px_b=OK, admin=OK),
        args=_service("b"),
        label="trust B's service",
    ),
]
