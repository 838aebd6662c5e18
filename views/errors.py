"""Error pages in the user's words; a database refusal never reaches the user as a 500."""

from flask import render_template


def init_app(app):
    @app.errorhandler(404)
    def not_found(error):
        return render_template("errors/404.html"), 404

    @app.errorhandler(403)
    def forbidden(error):
        return render_template("errors/403.html"), 403

    @app.errorhandler(500)
    def server_error(error):
        return render_template("errors/500.html"), 500
