"""The roadshow's own video without nginx: the stream key and its rotation, nginx's publish
callbacks, the HLS access check for each kind of user and state, the replay's settings and
timeline, the stream statistics, and the nginx templates accepted by ``nginx -t``.
(With the real nginx, ffmpeg and Chromium: tests/browser/test_video.py.)"""

import re
import subprocess
from datetime import timedelta

import pytest

from events.live.models import (
    LiveModerationEntry,
    LivePoll,
    LiveQuestion,
    ModerationAction,
    QuestionStatus,
)
from events.models import Registration, RegistrationStatus, RoadshowState
from events.video import services, status, timeline
from events.video.models import ReplayAudience, RoadshowVideo, VideoSession
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from tests.conftest import login, post
from tests.live_support import build_room

STAT_XML = """<?xml version="1.0" encoding="utf-8" ?><rtmp><server><application><name>live</name>
<live><stream><name>rs{id}</name><time>4000</time><bw_in>0</bw_in><bytes_in>1000000</bytes_in>
<meta><video><width>1280</width><height>720</height><frame_rate>25</frame_rate></video></meta>
<publishing/></stream></live></application></server></rtmp>"""


@pytest.fixture
def room(app, make_user):
    room = build_room(make_user)
    services.enable_video(room.host, room.roadshow)
    return room


def media(client, path: str) -> int:
    return client.get("/video/auth", headers={"X-Original-URI": path}).status_code


def callback(client, url: str, address: str = "127.0.0.1", **form) -> int:
    return client.post(url, data=form, environ_base={"REMOTE_ADDR": address}).status_code


def test_the_key_is_derived_rotated_and_audited(room):
    video = db.session.get(RoadshowVideo, room.roadshow.id)
    key = services.stream_key(video)
    name, secret = re.fullmatch(r"(rs\d+)\?k=([0-9a-f]{32})", key).groups()
    assert secret not in video.key_nonce  # stored: only the nonce
    services.rotate_key(room.host, room.roadshow)
    assert services.stream_key(video) != key
    with pytest.raises(services.PublishRefused):
        services.authorize_publish(name, secret)
    events = db.session.scalars(db.select(AuditEvent.event).filter_by(target_id=room.roadshow.id)).all()
    assert {"roadshow.video_enabled", "roadshow.video_key_rotated"} <= set(events)


def test_publish_callback_accepts_the_current_key_while_the_roadshow_may_go_live(client, room):
    name, secret = services.stream_key(db.session.get(RoadshowVideo, room.roadshow.id)).split("?k=")
    url = "/video/rtmp/publish"
    assert callback(client, url, name=name, k="0" * 32) == 403
    assert callback(client, url, name=name) == 403
    assert callback(client, url, address="203.0.113.9", name=name, k=secret) == 404
    assert callback(client, url, name=name, k=secret, addr="127.0.0.1") == 204
    session = db.session.scalars(db.select(VideoSession)).one()
    assert session.ended_at is None
    assert callback(client, "/video/rtmp/publish-done", name=name) == 204
    db.session.refresh(session)
    assert session.ended_at is not None
    room.roadshow.state = RoadshowState.ENDED
    db.session.commit()
    assert callback(client, url, name=name, k=secret) == 403  # over: nothing goes live again


def test_live_hls_reaches_only_those_in_the_room_while_live(client, auth, room):
    playlist = f"/hls/rs{room.roadshow.id}/index.m3u8"
    assert media(client, playlist) == 401
    login(auth, room.alice)
    assert media(client, playlist) == 403  # published, not live yet: only the room's staff
    room.roadshow.state = RoadshowState.LIVE
    db.session.commit()
    assert media(client, playlist) == 204 and media(client, f"/hls/rs{room.roadshow.id}/3.ts") == 204
    assert media(client, f"/hls/rs{room.roadshow.id + 1}/index.m3u8") == 403  # another roadshow
    assert media(client, "/static/js/app.js") == 403
    registration = db.session.scalars(db.select(Registration).filter_by(user_id=room.alice.id)).one()
    registration.status = RegistrationStatus.CANCELLED
    db.session.commit()
    assert media(client, playlist) == 403
    auth.logout()
    login(auth, room.outsider)
    assert media(client, playlist) == 403
    auth.logout()
    login(auth, room.moderator)
    assert media(client, playlist) == 204


def test_replay_follows_the_hosts_settings(client, auth, room):
    roadshow = room.roadshow
    roadshow.state = RoadshowState.ENDED
    db.session.commit()
    replay = f"/replay/rs{roadshow.id}/1/index.m3u8"
    login(auth, room.alice)
    assert media(client, replay) == 204
    auth.logout()
    login(auth, room.outsider)
    assert media(client, replay) == 403
    auth.logout()
    login(auth, room.host)
    page = f"/manage/roadshows/{roadshow.id}/video"
    post(client, f"{page}/replay", {"published": "1", "audience": ReplayAudience.SIGNED_IN.value})
    auth.logout()
    login(auth, room.outsider)
    assert media(client, replay) == 204
    services.set_replay(room.host, roadshow, published=False, audience=ReplayAudience.SIGNED_IN)
    assert media(client, replay) == 403
    auth.logout()
    login(auth, room.alice)
    assert media(client, replay) == 403
    auth.logout()
    login(auth, room.host)
    assert media(client, replay) == 204  # the host still sees what they took down


def test_timeline_places_the_rooms_moments_from_the_stream_start(room):
    roadshow, start = room.roadshow, room.roadshow.starts_at
    session = VideoSession(roadshow_id=roadshow.id, started_at=start, ended_at=start + timedelta(minutes=5),
                           duration=300.0, replay_path=f"rs{roadshow.id}/1/index.m3u8")
    listing = room.listings[0]
    db.session.add_all([session, LiveQuestion(
        roadshow_id=roadshow.id, client_uuid="q-answered", text="良率多少？", status=QuestionStatus.APPROVED,
        created_at=start + timedelta(seconds=8), answer="九成", answered_at=start + timedelta(seconds=40)),
        LiveQuestion(roadshow_id=roadshow.id, client_uuid="q-open", text="何时量产？",
                     status=QuestionStatus.APPROVED, created_at=start + timedelta(seconds=70)),
        LiveQuestion(roadshow_id=roadshow.id, client_uuid="q-hidden", text="广告",
                     status=QuestionStatus.HIDDEN, created_at=start + timedelta(seconds=9)),
        LiveQuestion(roadshow_id=roadshow.id, client_uuid="q-before", text="开场前", created_at=start
                     - timedelta(seconds=30), status=QuestionStatus.APPROVED),
        LivePoll(roadshow_id=roadshow.id, question="是否感兴趣？", opened_at=start + timedelta(seconds=95)),
        LiveModerationEntry(roadshow_id=roadshow.id, action=ModerationAction.PRESENT_LISTING,
                            listing_id=listing.id, created_at=start + timedelta(seconds=2))])
    db.session.commit()
    points = [(p.seconds, p.kind, p.text) for p in timeline.points(roadshow, session)]
    assert points == [(2, "present", listing.title), (40, "answer", "良率多少？"),
                      (70, "question", "何时量产？"), (95, "poll", "是否感兴趣？")]
    links = timeline.question_links(roadshow)
    assert sorted(seconds for seconds, _ in links.values()) == [40, 70]
    assert all(link.startswith("http://127.0.0.1:5000/roadshows/") for _, link in links.values())


def test_stream_statistics_from_nginx_rtmp(room):
    stats = status.stream_stats(STAT_XML.format(id=room.roadshow.id), f"rs{room.roadshow.id}")
    assert stats == {"arriving": True, "bitrate_kbps": 2000, "width": 1280, "height": 720, "fps": 25}
    assert status.stream_stats(STAT_XML.format(id=0), f"rs{room.roadshow.id}") == {"arriving": False}


def test_the_host_page_shows_the_key_and_attendees_never_see_it(client, auth, room):
    key = services.stream_key(db.session.get(RoadshowVideo, room.roadshow.id))
    room.roadshow.state = RoadshowState.LIVE
    db.session.commit()
    login(auth, room.host)
    assert key in client.get(f"/manage/roadshows/{room.roadshow.id}/video").get_data(as_text=True)
    page = client.get(f"/roadshows/{room.roadshow.id}/live")
    assert key in page.get_data(as_text=True)
    assert "media-src 'self' blob:" in page.headers["Content-Security-Policy"]
    auth.logout()
    for user in (room.moderator, room.alice):
        login(auth, user)
        text = client.get(f"/roadshows/{room.roadshow.id}/live").get_data(as_text=True)
        assert f"/hls/rs{room.roadshow.id}/index.m3u8" in text and key.split("?k=")[1] not in text
        auth.logout()


def test_nginx_accepts_the_video_templates(tmp_path):
    from deploy.video_local import VideoNginx, find_rtmp_module
    from tests.services import require_nginx

    require_nginx()
    if find_rtmp_module() is None:
        pytest.skip("the nginx RTMP module is not installed (apt-get install libnginx-mod-rtmp)")
    nginx = VideoNginx(tmp_path, "http://127.0.0.1:9")
    check = subprocess.run(nginx._command("-t"), capture_output=True, text=True)  # noqa: S603
    assert check.returncode == 0, check.stderr
    text = nginx.conf.read_text()
    assert "hls_fragment 1s;" in text and "auth_request /_video_auth;" in text
    assert not re.search(r"@[A-Z_]+@", text)  # every @NAME@ marker replaced
