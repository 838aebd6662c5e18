"""Choices drawn from the database for filters and select fields, read when needed."""

from models import Division, User, db

from .filters import LazyOptions


def lookup_query(model):
    """Active lookup rows in their administrators' order, for a select field."""

    def query():
        return (
            db.session.query(model)
            .filter(model.active.is_(True))
            .order_by(model.sort_order, model.name)
        )

    return query


def lookup_options(model):
    return LazyOptions(
        lambda: [
            (str(row.id), row.name)
            for row in db.session.execute(
                db.select(model.id, model.name).order_by(model.sort_order, model.name)
            )
        ]
    )


def division_options():
    return LazyOptions(
        lambda: [
            (str(row.id), row.name)
            for row in db.session.execute(
                db.select(Division.id, Division.name).order_by(Division.name)
            )
        ]
    )


def user_options():
    return LazyOptions(
        lambda: [
            (str(row.id), row.username)
            for row in db.session.execute(
                db.select(User.id, User.username).order_by(User.username)
            )
        ]
    )
