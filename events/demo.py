"""Demo roadshows (``flask demo load``): one upcoming with registrations and a waiting list, one
closed-door roadshow of the demo inventor's patents whose registrations wait for the host's approval,
one past with its questions, answers and attendance. Idempotent: looked up by title."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from events.live.models import (
    LiveAttendance,
    LiveInterest,
    LiveModerationEntry,
    LiveQuestion,
    ModerationAction,
    QuestionStatus,
)
from events.models import (
    AgendaItem,
    Registration,
    RegistrationStatus,
    Roadshow,
    RoadshowModerator,
    RoadshowState,
)
from marketplace.accounts import services as accounts
from marketplace.db_types import utcnow
from marketplace.demo import DEMO_MARK
from marketplace.extensions import db
from marketplace.listings.models import Grade, Listing, ListingKind, ListingState
from marketplace.listings.queries import inventor_listings

UPCOMING = f"{DEMO_MARK}新材料与先进制造专利成果线上路演"
PAST = f"{DEMO_MARK}储能与电池材料专场路演（第一期）"
CLOSED = f"{DEMO_MARK}李振华课题组专利成果闭门路演（限投资机构）"
PRESENTERS = ["李振华 教授（发明人）", "王晓梅（技术转移中心）", "陈思远 副研究员（发明人）"]


def _day_at(days: int, hour_shanghai: int) -> datetime:
    """``days`` from today at ``hour_shanghai`` o'clock China Standard Time, in UTC."""
    today = utcnow().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=days, hours=hour_shanghai - 8)


def _roadshow(title, host, listings, start, *, state, capacity, description) -> Roadshow:
    roadshow = Roadshow(organisation_id=host.organisation_id, created_by_id=host.id, title=title,
                        description=description, starts_at=start, ends_at=start + timedelta(hours=2),
                        capacity=capacity, state=state, is_demo=True, published_at=utcnow())
    for number, listing in enumerate(listings, start=1):
        slot = start + timedelta(minutes=10 + 35 * (number - 1))
        roadshow.agenda.append(AgendaItem(listing=listing, position=number,
                                          presenter=PRESENTERS[(number - 1) % len(PRESENTERS)],
                                          starts_at=slot, ends_at=slot + timedelta(minutes=30)))
    db.session.add(roadshow)
    return roadshow


def _register(roadshow, email, status, when) -> None:
    user = accounts.find_user_by_email(email)
    if user is not None:
        db.session.add(Registration(roadshow=roadshow, user_id=user.id, status=status,
                                    created_at=when, queued_at=when,
                                    decided_at=when if status is RegistrationStatus.CONFIRMED else None))


def load_demo() -> int:
    """Create the two demo roadshows that are missing; return how many were created."""
    host = accounts.find_user_by_email("tto@demo.bxqx.cn")
    if host is None or host.organisation_id is None:
        return 0
    existing = set(db.session.scalars(select(Roadshow.title).where(Roadshow.is_demo)))
    listings = db.session.scalars(select(Listing).where(
        Listing.organisation_id == host.organisation_id, Listing.is_demo,
        Listing.state == ListingState.PUBLISHED, Listing.grade == Grade.A,
        Listing.kind == ListingKind.INVENTION).order_by(Listing.id).limit(5)).all()
    if len(listings) < 5:
        return 0
    created = 0
    if UPCOMING not in existing:
        roadshow = _roadshow(
            UPCOMING, host, listings[:3], _day_at(10, 14), state=RoadshowState.PUBLISHED,
            capacity=2, description="华东理工科技大学技术转移中心推介三项A级发明专利，发明人现场讲解，"
            "欢迎投资机构与企业研发负责人报名参加，会上可匿名提问、投票，并对感兴趣的项目一键表达意向。")
        now = utcnow()
        _register(roadshow, "investor@demo.bxqx.cn", RegistrationStatus.CONFIRMED, now - timedelta(days=2))
        _register(roadshow, "company@demo.bxqx.cn", RegistrationStatus.CONFIRMED, now - timedelta(days=1))
        _register(roadshow, "tto-zhongyuan@demo.bxqx.cn", RegistrationStatus.WAITLISTED,
                  now - timedelta(hours=5))
        inventor = accounts.find_user_by_email("inventor@demo.bxqx.cn")
        if inventor is not None:
            db.session.add(RoadshowModerator(roadshow=roadshow, user_id=inventor.id,
                                             added_by_id=host.id))
        created += 1
    if CLOSED not in existing:
        created += _closed_roadshow(host)
    if PAST not in existing:
        start = _day_at(-20, 14)
        roadshow = _roadshow(
            PAST, host, listings[3:5], start, state=RoadshowState.ENDED, capacity=100,
            description="面向储能与动力电池企业的专场路演，介绍两项正极材料相关发明专利及其许可方式。")
        roadshow.went_live_at, roadshow.ended_at = start, start + timedelta(hours=2)
        _register(roadshow, "investor@demo.bxqx.cn", RegistrationStatus.CONFIRMED, start - timedelta(days=5))
        _register(roadshow, "company@demo.bxqx.cn", RegistrationStatus.CONFIRMED, start - timedelta(days=4))
        db.session.flush()
        _past_room(roadshow, host)
        created += 1
    db.session.commit()
    return created


def _closed_roadshow(host) -> int:
    """A roadshow of the demo inventor's own patents; registrations wait for approval (one does)."""
    inventor = accounts.find_user_by_email("inventor@demo.bxqx.cn")
    if inventor is None:
        return 0
    own = db.session.scalars(inventor_listings(inventor.id).where(
        Listing.state == ListingState.PUBLISHED, Listing.is_demo).limit(2)).all()
    if not own:
        return 0
    roadshow = _roadshow(
        CLOSED, host, own, _day_at(17, 10), state=RoadshowState.PUBLISHED, capacity=30,
        description="李振华教授课题组介绍尚未公开细节的专利成果，仅面向经审核的投资机构，"
        "报名后由华东理工科技大学技术转移中心逐一审核。")
    roadshow.requires_approval = True
    _register(roadshow, "investor@demo.bxqx.cn", RegistrationStatus.PENDING,
              utcnow() - timedelta(hours=3))
    return 1


def _past_room(roadshow: Roadshow, host) -> None:
    """What happened in the past roadshow's live room: questions, answers, interest, attendance."""
    investor = accounts.find_user_by_email("investor@demo.bxqx.cn")
    company = accounts.find_user_by_email("company@demo.bxqx.cn")
    if investor is None or company is None:
        return
    first, second = roadshow.agenda
    log = [(first.starts_at, ModerationAction.PRESENT_LISTING, first.listing_id, None),
           (second.starts_at, ModerationAction.PRESENT_LISTING, second.listing_id, None)]
    qas = [
        (first, investor, False, "这项专利目前的中试规模是多少？是否已有量产合作方？",
         "已完成百公斤级中试，正在与两家企业洽谈量产，欢迎有产线的企业联系。", 5),
        (first, company, True, "独占许可和普通许可的报价差别大吗？",
         "独占许可需一次性入门费加销售提成，普通许可可按开放许可标准执行，详见项目页。", 3),
        (second, company, False, "材料在低温（-20℃）下的容量保持率如何？", None, 2),
    ]
    for number, (item, author, anonymous, text, answer, votes) in enumerate(qas, start=1):
        asked = item.starts_at + timedelta(minutes=8 + number)
        question = LiveQuestion(
            roadshow_id=roadshow.id, client_uuid=f"d3m0d3m0-0000-4000-8000-{roadshow.id:06d}{number:06d}",
            author_id=author.id, listing_id=item.listing_id, text=text, anonymous=anonymous,
            status=QuestionStatus.APPROVED, answer=answer, upvotes=votes, created_at=asked,
            answered_by_id=host.id if answer else None,
            answered_at=asked + timedelta(minutes=4) if answer else None)
        db.session.add(question)
        db.session.flush()
        log.append((asked + timedelta(minutes=1), ModerationAction.APPROVE, None, question.id))
        if answer:
            log.append((asked + timedelta(minutes=4), ModerationAction.ANSWER, None, question.id))
    log.append((roadshow.ended_at, ModerationAction.END, None, None))
    for at, action, listing_id, question_id in sorted(log, key=lambda entry: entry[0]):
        db.session.add(LiveModerationEntry(roadshow_id=roadshow.id, actor_id=host.id, action=action,
                                           listing_id=listing_id, question_id=question_id,
                                           created_at=at))
    db.session.add(LiveInterest(roadshow_id=roadshow.id, listing_id=first.listing_id,
                                user_id=company.id, created_at=first.starts_at + timedelta(minutes=20)))
    for user, minutes in ((investor, 120), (company, 75)):
        db.session.add(LiveAttendance(
            roadshow_id=roadshow.id, user_id=user.id, first_joined_at=roadshow.went_live_at,
            last_joined_at=roadshow.went_live_at,
            last_left_at=roadshow.went_live_at + timedelta(minutes=minutes)))
