"""The one after-commit mechanism: work runs once the transaction really commits, never on rollback."""

import logging

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role, User
from marketplace.extensions import db
from marketplace.jobs import after_commit


@pytest.fixture
def ran():
    return []


@pytest.fixture
def user(make_user):
    return make_user(Role.TTO, name="原名")


def _rename(user, name):
    user.name = name  # a change in the current transaction


def test_work_runs_once_when_the_transaction_commits(app, user, ran):
    _rename(user, "新名")
    after_commit.call(ran.append, "mail", what="record")
    assert ran == []
    db.session.commit()
    assert ran == ["mail"]
    _rename(user, "又一个名字")
    db.session.commit()
    assert ran == ["mail"]


def test_work_is_dropped_when_the_transaction_rolls_back(app, user, ran):
    _rename(user, "新名")
    after_commit.call(ran.append, "mail", what="record")
    db.session.rollback()
    db.session.commit()
    assert ran == []
    assert db.session.get(User, user.id).name == "原名"


def test_work_is_dropped_when_the_session_closes_without_a_commit(app, user, ran):
    _rename(user, "新名")
    after_commit.call(ran.append, "mail", what="record")
    db.session.close()
    assert ran == []


def test_with_nothing_written_the_work_runs_at_once(app, user, ran):
    db.session.commit()
    assert db.session.get(User, user.id).name == "原名"  # a read begins a transaction
    after_commit.call(ran.append, "mail", what="record")
    assert ran == ["mail"]


def test_a_write_without_the_orm_units_of_work_counts_as_a_change(app, user, ran):
    user_id = user.id
    db.session.commit()  # no transaction: the UPDATE begins one
    db.session.execute(sa.update(User).where(User.id == user_id).values(name="新名"))
    after_commit.call(ran.append, "mail", what="record")
    assert ran == []
    db.session.rollback()
    assert ran == []
    db.session.execute(sa.text("DELETE FROM notifications"))
    after_commit.call(ran.append, "after text", what="record")
    db.session.commit()
    assert ran == ["after text"]


def test_a_rolled_back_savepoint_drops_only_what_was_noted_inside_it(app, user, ran):
    _rename(user, "新名")
    after_commit.call(ran.append, "before", what="record")
    savepoint = db.session.begin_nested()
    _rename(user, "savepoint")
    after_commit.call(ran.append, "inside", what="record")
    savepoint.rollback()
    after_commit.call(ran.append, "after", what="record")
    db.session.commit()
    assert ran == ["before", "after"]


def test_a_released_savepoint_waits_for_the_outer_commit(app, user, ran):
    _rename(user, "新名")
    with db.session.begin_nested():
        _rename(user, "savepoint")
        after_commit.call(ran.append, "inside", what="record")
    assert ran == []  # releasing the savepoint is not the commit
    db.session.rollback()
    assert ran == []
    _rename(user, "新名")
    with db.session.begin_nested():
        _rename(user, "savepoint")
        after_commit.call(ran.append, "inside", what="record")
    db.session.commit()
    assert ran == ["inside"]


def test_a_key_runs_repeated_work_once(app, user, ran):
    _rename(user, "新名")
    for _ in range(3):
        after_commit.call(ran.append, "once", what="record", key="tests.once")
    db.session.commit()
    assert ran == ["once"]


def test_batches_collect_ids_per_commit_and_follow_savepoints(app, user, ran):
    batch = after_commit.AfterCommit("tests.batch", ran.append, "record ids")
    batch.note(db.session, [3, 1, None])
    with db.session.begin_nested():
        batch.note(db.session, [2])
    savepoint = db.session.begin_nested()
    batch.note(db.session, [9])
    savepoint.rollback()
    batch.note(db.session, [1])
    assert ran == []
    db.session.commit()  # noted without any write: a batch still waits for the commit
    assert ran == [[1, 2, 3]]
    batch.note(db.session, [5])
    db.session.rollback()
    db.session.commit()
    assert ran == [[1, 2, 3]]


def test_work_runs_in_a_fresh_app_context_with_its_own_session(app, user, ran):
    def read_name(user_id):
        ran.append(db.session.get(User, user_id).name)

    _rename(user, "新名")
    after_commit.call(read_name, user.id, what="read the committed name")
    db.session.commit()
    assert ran == ["新名"]


def test_a_failing_follow_up_is_logged_and_the_commit_stands(app, user, ran, caplog):
    def fail():
        raise RuntimeError("mail server on fire")

    _rename(user, "新名")
    after_commit.call(fail, what="tell the mail server")
    after_commit.call(ran.append, "next", what="record")
    with caplog.at_level(logging.ERROR, logger="marketplace.jobs.after_commit"):
        db.session.commit()
    assert "could not tell the mail server" in caplog.text
    assert "mail server on fire" in caplog.text
    assert ran == ["next"]
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "新名"
