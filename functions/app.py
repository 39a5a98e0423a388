"""The Chalice application: creates the app, registers every route from the route index and each
domain's scheduled and stream handlers.

A route's module (its service, store, models and the libraries they need) is imported when the route
is first called, not at start-up: a cold start pays only for the routes it serves (see
chalicelib/core/routing.py). `load_routes()` imports them all (the OpenAPI description and the tests
that walk the route registry)."""

import importlib
import json
import sys
from pathlib import Path

from chalice.app import Chalice, Cron

from chalicelib.core import http, routing, tracing
from chalicelib.delivery.events import bp as delivery_events
from chalicelib.identity.authorizer import SIGN_IN
from chalicelib.identity.authorizer import bp as sign_in
from chalicelib.notify.events import bp as notify_events
from chalicelib.privacy.events import bp as privacy_events

ROUTE_INDEX = Path(__file__).resolve().parent / "chalicelib" / "route_index.json"  # written by `make openapi`

app = Chalice(app_name="worker-services")
app.api.binary_types.append("image/webp")  # report photos (png and jpeg are binary already)
http.install(app)
tracing.install(app)  # every handler builds the Tracer (in Lambda) as it is first invoked
app.register_blueprint(sign_in)  # identity's built-in authorizer (its own Lambda function when deployed)
routing.use_sign_in(SIGN_IN)  # staff and partner routes run behind it
app.register_blueprint(notify_events)  # the domains' stream and scheduled handlers
app.register_blueprint(delivery_events)
app.register_blueprint(privacy_events)


def _recuperation_hears_of_cancellations() -> None:
    """A cancelled recuperation booking puts the nominee back before the city."""
    from chalicelib.booking import service as booking_service
    from chalicelib.booking.models import Kind
    from chalicelib.recuperation import service as recuperation_service

    booking_service.on_cancel(Kind.recuperation, recuperation_service.placement_cancelled)


def _family_cards_show_packages() -> None:
    """A contact person's family cards show the families' food packages."""
    from chalicelib.delivery import service as delivery_service
    from chalicelib.frontline import service as frontline_service

    frontline_service.show_packages_with(delivery_service.recent_packages)


# Cross-domain hooks, by the module that calls them: each is wired once that module has loaded (after
# a route's module or a scheduled job's service is imported, before it runs), so a request loads only
# the domains it uses.
_HOOKS = {"chalicelib.booking.service": _recuperation_hears_of_cancellations,
          "chalicelib.frontline.service": _family_cards_show_packages}


def _wire() -> None:
    for module, wire in list(_HOOKS.items()):
        if module in sys.modules:
            wire()  # wiring twice (two first requests at once) registers the same hook again: harmless
            _HOOKS.pop(module, None)


def _load(module: str) -> None:
    importlib.import_module(module)
    _wire()


_INDEX = json.loads(ROUTE_INDEX.read_text("utf-8"))
routing.register(app, _INDEX, _load)


def load_routes() -> None:
    """Import every route's module now (their declarations fill `api.REGISTRY`)."""
    for module in sorted({entry["module"] for entry in _INDEX}):
        _load(module)


# Staff alerts on a clock (times in UTC; Beijing is UTC+8).
@app.schedule(Cron(30, 0, "*", "*", "?", "*"))  # 08:30 Beijing, every day
def overdue_digest(event: object) -> None:
    """Each unit with overdue requests of its own is told how many."""
    from chalicelib.support import service as support_service

    _wire()
    support_service.send_overdue_digests()


@app.schedule(Cron(0, 1, "?", "*", "MON", "*"))  # 09:00 Beijing, Mondays
def contact_reminder(event: object) -> None:
    """Each contact person hears of the families they have not contacted for 7 days."""
    from chalicelib.frontline import service as frontline_service

    _wire()
    frontline_service.send_contact_reminders()
