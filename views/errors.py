"""Error pages in the user's words; a database refusal never reaches the user as a 500."""

from flask import render_template
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from models import db


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

    @app.errorhandler(500)
    def server_error(error):
        return render_template("errors/500.html"), 500
