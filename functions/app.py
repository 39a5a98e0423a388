"""The Chalice application: creates the app and registers each domain's blueprint."""

from chalice.app import Chalice, Cron

from chalicelib.booking import service as booking_service
from chalicelib.booking.models import Kind
from chalicelib.booking.routes import bp as booking
from chalicelib.core import api, http
from chalicelib.dashboard.routes import bp as dashboard
from chalicelib.delivery import service as delivery_service
from chalicelib.delivery.routes import bp as delivery
from chalicelib.frontline import service as frontline_service
from chalicelib.frontline.routes import bp as frontline
from chalicelib.fund.routes import bp as fund
from chalicelib.hardship.routes import bp as hardship
from chalicelib.identity.authorizer import SIGN_IN
from chalicelib.identity.routes import bp as identity
from chalicelib.notify.routes import bp as notify
from chalicelib.orgs.routes import bp as orgs
from chalicelib.privacy.routes import bp as privacy
from chalicelib.recruitment.routes import bp as recruitment
from chalicelib.recuperation import service as recuperation_service
from chalicelib.recuperation.routes import bp as recuperation
from chalicelib.reports.routes import bp as reports
from chalicelib.status.routes import bp as status
from chalicelib.support import service as support_service
from chalicelib.support.routes import bp as support
from chalicelib.system.routes import bp as system

app = Chalice(app_name="worker-services")
app.api.binary_types.append("image/webp")  # report photos (png and jpeg are binary already)
http.install(app)
api.use_sign_in(SIGN_IN)  # staff and partner routes run behind identity's authorizer
app.register_blueprint(system)
app.register_blueprint(identity)
app.register_blueprint(orgs)
app.register_blueprint(support)
app.register_blueprint(status)
app.register_blueprint(privacy)
app.register_blueprint(fund)
app.register_blueprint(booking)
app.register_blueprint(recruitment)
app.register_blueprint(frontline)
app.register_blueprint(delivery)
app.register_blueprint(hardship)
app.register_blueprint(recuperation)
app.register_blueprint(reports)
app.register_blueprint(dashboard)
app.register_blueprint(notify)

# Cross-domain hooks: a cancelled recuperation booking puts the nominee back before the city.
booking_service.on_cancel(Kind.recuperation, recuperation_service.placement_cancelled)
frontline_service.show_packages_with(delivery_service.recent_packages)  # a contact person's family cards


# Staff alerts on a clock (times in UTC; Beijing is UTC+8).
@app.schedule(Cron(30, 0, "*", "*", "?", "*"))  # 08:30 Beijing, every day
def overdue_digest(event: object) -> None:
    """Each unit with overdue requests of its own is told how many."""
    support_service.send_overdue_digests()


@app.schedule(Cron(0, 1, "?", "*", "MON", "*"))  # 09:00 Beijing, Mondays
def contact_reminder(event: object) -> None:
    """Each contact person hears of the families they have not contacted for 7 days."""
    frontline_service.send_contact_reminders()
