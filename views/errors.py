"""Error pages in the user's words; a database refusal never reaches the user as a 500."""

import logging

from flask import g, render_template, request
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from models import db

log = logging.getLogger(__name__)
# Seconds a browser or client is asked to wait before trying again.
RETRY_AFTER = "5"


def init_app(app):
    from views import api

    @app.errorhandler(404)
    def not_found(error):
        if api.is_api_request():
            return api.error_response(error)
        return render_template("errors/404.html"), 404

    @app.errorhandler(403)
    def forbidden(error):
        if api.is_api_request():
            return api.error_response(error)
        return render_template("errors/403.html"), 403

    @app.errorhandler(405)
    def method_not_allowed(error):
        if api.is_api_request():
            return api.error_response(error)
        return error

    @app.errorhandler(IntegrityError)
    @app.errorhandler(StaleDataError)
    def conflict(error):
        # A save the screens did not catch: undo it and say so, rather than a 500.
        db.session.rollback()
        return render_template("errors/409.html"), 409

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_away(error):
        # The database is restarting, unreachable or busy: say so and when to try again,
        # never a 500. The pool checks each connection before use (pool_pre_ping), so the
        # pages come back by themselves once it is back.
        log.error("Database unavailable for %s %s: %s", request.method, request.path, error)
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection is gone; the next request gets a new one
            db.session.remove()
        if api.is_api_request():
            return api.error_response(error)
        # The page names nobody: reading who is signed in would need the database again.
        g._login_user = app.login_manager.anonymous_user()
        return render_template("errors/503.html"), 503, {"Retry-After": RETRY_AFTER}

    @app.errorhandler(500)
    def server_error(error):
        return render_template("errors/500.html"), 500
