"""The Chalice application: creates the app and registers each domain's blueprint."""

from chalice import Chalice

from chalicelib.core import http
from chalicelib.orgs.routes import bp as orgs
from chalicelib.system.routes import bp as system

app = Chalice(app_name="worker-services")
http.install(app)
app.register_blueprint(system)
app.register_blueprint(orgs)
