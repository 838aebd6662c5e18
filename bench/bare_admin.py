"""A bare Flask-Admin over the portal's complaint table, for bench/http_bench.py to compare
with: a stock `ModelView` (no access rules, clocks, privacy or case file), the same page
size and the same searchable columns, searched the stock way (ILIKE on each column).

    BARE_DATABASE_URL=postgresql://... gunicorn 'bench.bare_admin:app'
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import Flask  # noqa: E402
from flask_admin import Admin  # noqa: E402
from flask_admin.contrib.sqla import ModelView  # noqa: E402

from app import database_url  # noqa: E402
from models import Complaint, db  # noqa: E402
from views.admin.cases import ComplaintView  # noqa: E402


class BareComplaints(ModelView):
    can_view_details = True
    page_size = 20
    column_list = ("reference", "received_at", "status", "summary", "complainant", "division")
    column_searchable_list = ComplaintView.column_searchable_list  # the portal's columns
    column_default_sort = [("received_at", True), ("id", True)]


def create_bare_app(url: str) -> Flask:
    bare = Flask(__name__)
    bare.config.update(SQLALCHEMY_DATABASE_URI=database_url(url), SECRET_KEY="bench-only")
    db.init_app(bare)
    admin = Admin(bare, name="Bare")
    admin.add_view(BareComplaints(Complaint, db.session, endpoint="complaint"))
    return bare


app = (
    create_bare_app(os.environ["BARE_DATABASE_URL"])
    if os.environ.get("BARE_DATABASE_URL")
    else None
)
