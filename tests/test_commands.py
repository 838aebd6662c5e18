"""`flask users create | deactivate | set-password`: happy paths and refusals."""

import pytest
from conftest import PASSWORD
from sqlalchemy import func, select

from models import Participant, User, db

NEW_PASSWORD = "a long enough password"


def user(username):
    return db.session.execute(select(User).filter_by(username=username)).scalar_one_or_none()


def people_and_accounts():
    return (
        db.session.execute(select(func.count()).select_from(Participant)).scalar_one(),
        db.session.execute(select(func.count()).select_from(User)).scalar_one(),
    )


def test_create_makes_a_staff_member_and_an_account_that_signs_in(app, runner, make):
    division = make.division(name="Customer Services")
    division_code = division.code
    db.session.commit()
    result = runner.invoke(
        args=[
            "users", "create", "jsmith",
            "--capacity", "complaint_manager",
            "--capacity", "decision_maker",
            "--password", NEW_PASSWORD,
            "--given-name", "Jane",
            "--family-name", "Smith",
            "--email", "jane.smith@example.qld.gov.au",
            "--level", "AO6",
            "--division", division_code,
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Created user jsmith" in result.output
    db.session.expire_all()
    account = user("jsmith")
    assert account.is_active
    assert account.check_password(NEW_PASSWORD)
    assert account.capacity_codes == {"complaint_manager", "decision_maker"}
    person = account.participant
    assert (person.kind, person.given_name, person.family_name) == ("staff", "Jane", "Smith")
    assert person.level.code == "AO6"
    assert person.division.code == division_code
    assert person.email == "jane.smith@example.qld.gov.au"


def test_create_prompts_for_a_hidden_password_twice(app, runner, make):
    result = runner.invoke(
        args=["users", "create", "admin2", "--capacity", "administrator"],
        input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert NEW_PASSWORD not in result.output
    assert "Repeat for confirmation" in result.output
    account = user("admin2")
    assert account.check_password(NEW_PASSWORD)
    assert account.participant.family_name == "admin2"


def test_create_saves_nothing_when_the_confirmation_differs(app, runner, make):
    before = people_and_accounts()
    result = runner.invoke(
        args=["users", "create", "typo", "--capacity", "support_agent"],
        input=f"{NEW_PASSWORD}\nsomething else\n",
    )
    assert result.exit_code != 0
    assert "do not match" in result.output
    assert people_and_accounts() == before


@pytest.mark.parametrize(
    ("username", "extra", "message"),
    [
        ("newbie", ["--capacity", "overlord"], "Unknown capacity overlord"),
        ("newbie", ["--capacity", "complaint_manager", "--level", "AO99"], "Unknown level AO99"),
        ("newbie", ["--capacity", "complaint_manager", "--division", "NOPE"], "Unknown division"),
        ("newbie", ["--capacity", "coordinator"], "A coordinator belongs to a division"),
        (
            "newbie",
            ["--capacity", "support_agent", "--password", "short"],
            "at least 8 characters",
        ),
        ("no spaces", ["--capacity", "administrator"], "is not allowed"),
    ],
    ids=["capacity", "level", "division", "coordinator-without-division", "password", "username"],
)
def test_create_refuses_bad_input_with_one_line_and_status_2(
    app, runner, make, username, extra, message
):
    before = people_and_accounts()
    args = ["users", "create", username, *extra]
    if "--password" not in extra:
        args += ["--password", NEW_PASSWORD]
    result = runner.invoke(args=args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert people_and_accounts() == before


def test_create_refuses_an_existing_username(app, runner, make):
    make.user("taken", "support_agent")
    before = people_and_accounts()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "taken",
            "--capacity",
            "administrator",
            "--password",
            NEW_PASSWORD,
        ]
    )
    assert result.exit_code == 2
    assert "A user called taken already exists." in result.output
    assert people_and_accounts() == before
    db.session.expire_all()
    assert user("taken").capacity_codes == {"support_agent"}


def test_create_needs_a_capacity(app, runner, make):
    before = people_and_accounts()
    result = runner.invoke(args=["users", "create", "nobody", "--password", NEW_PASSWORD])
    assert result.exit_code == 2
    assert "--capacity" in result.output
    assert people_and_accounts() == before


def test_deactivate_marks_the_account_inactive_and_keeps_it(app, runner, make):
    make.user("leaver", "complaint_manager")
    result = runner.invoke(args=["users", "deactivate", "leaver"])
    assert result.exit_code == 0, result.output
    assert "Deactivated user leaver." in result.output
    db.session.expire_all()
    assert user("leaver") is not None and not user("leaver").is_active
    again = runner.invoke(args=["users", "deactivate", "leaver"])
    assert again.exit_code == 0
    assert "already inactive" in again.output


def test_set_password_replaces_the_old_one(app, runner, make):
    make.user("forgetful", "support_agent")
    result = runner.invoke(args=["users", "set-password", "forgetful", "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert user("forgetful").check_password(NEW_PASSWORD)
    assert not user("forgetful").check_password(PASSWORD)


def test_set_password_prompts_when_not_given(app, runner, make):
    make.user("prompted", "support_agent")
    result = runner.invoke(
        args=["users", "set-password", "prompted"], input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert user("prompted").check_password(NEW_PASSWORD)


def test_set_password_refuses_a_short_one_and_keeps_the_old(app, runner, make):
    make.user("careful", "support_agent")
    result = runner.invoke(args=["users", "set-password", "careful", "--password", "short"])
    assert result.exit_code == 2
    assert "at least 8 characters" in result.output
    db.session.expire_all()
    assert user("careful").check_password(PASSWORD)


@pytest.mark.parametrize(
    "args",
    [["deactivate", "ghost"], ["set-password", "ghost", "--password", NEW_PASSWORD]],
    ids=["deactivate", "set-password"],
)
def test_commands_on_an_unknown_user_refuse_with_status_2(app, runner, make, args):
    result = runner.invoke(args=["users", *args])
    assert result.exit_code == 2
    assert result.output.strip() == "Error: There is no user called ghost."


def test_seed_on_a_database_without_tables_says_to_upgrade_first(tmp_path):
    from app import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}", "TESTING": True})
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 2
    assert "run `flask db upgrade` first" in result.output
