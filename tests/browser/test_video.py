"""The platform's own roadshow video, for real: nginx with the RTMP module (deploy/nginx's video
templates), the app under gunicorn behind it, ffmpeg publishing a 20 s test pattern with a
burned-in clock and a tone, and Chromium playing it through hls.js.

Checked: a wrong or rotated key is refused at publish; the playlist and segments reach a
confirmed registrant and nobody else (anonymous, non-registrant, cancelled registrant, a
registrant whose registration is cancelled while live); the host sees the stream arriving with
its resolution; the replay's timeline seeks to the moment of a question asked at second 8; no
key in any log or in the attendee's page.
"""

import http.client
import io
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from deploy.video_local import VideoNginx, find_rtmp_module, publish_command
from events.live.models import LiveQuestion, QuestionStatus
from events.models import AgendaItem, Registration, RegistrationStatus, Roadshow, RoadshowState
from events.video import timeline
from events.video.models import ReplayAudience, RoadshowVideo, VideoSession
from marketplace import create_app
from marketplace.accounts.models import User
from marketplace.config import TestConfig
from marketplace.db_types import utcnow
from marketplace.demo import DEMO_PASSWORD
from marketplace.extensions import db
from tests.browser.conftest import PHONE, Browsing
from tests.conftest import zh
from tests.live_server import ServerProcess, free_port, login_session, post_form
from tests.live_support import new_listing
from tests.services import IN_CI

pytestmark = pytest.mark.browser

HOST, ALICE = "tto@demo.bxqx.cn", "investor@demo.bxqx.cn"
STRANGER, CANCELLED, REMOVED = "company@demo.bxqx.cn", "inventor@demo.bxqx.cn", "tto-lingnan@demo.bxqx.cn"
STREAM_SECONDS = 20
KEY = re.compile(r"rs\d+\?k=([0-9a-f]{32})")


@dataclass
class World:
    nginx: VideoNginx
    server: ServerProcess
    app: object
    roadshow_id: int
    host: requests.Session

    @property
    def url(self) -> str:
        return self.nginx.url


def _need(binary: str) -> None:
    if subprocess.run(["which", binary], capture_output=True).returncode != 0:  # noqa: S603, S607
        message = f"{binary} is not installed (apt-get install ffmpeg nginx-light libnginx-mod-rtmp)"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="module")
def world(live_server, browser_database_url, tmp_path_factory) -> Iterator[World]:
    """A published roadshow of the demo university (alice and REMOVED confirmed, CANCELLED
    cancelled), gunicorn on the browser tests' database, nginx with RTMP in front."""
    _need("ffmpeg")
    if find_rtmp_module() is None:
        _need("the nginx RTMP module")
    app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": browser_database_url})
    with app.app_context():
        users = {email: db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
                 for email in (HOST, ALICE, STRANGER, CANCELLED, REMOVED)}
        host = users[HOST]
        start = utcnow() + timedelta(minutes=10)
        roadshow = Roadshow(organisation=host.organisation, title="保密路演：视频测试专场", description="",
                            starts_at=start, ends_at=start + timedelta(hours=1),
                            state=RoadshowState.PUBLISHED, published_at=utcnow(), created_by=host)
        roadshow.agenda = [AgendaItem(listing=new_listing(host.organisation, "视频测试：固态电池隔膜"),
                                      position=1, presenter="王教授", starts_at=start,
                                      ends_at=start + timedelta(minutes=30))]
        roadshow.registrations = [
            Registration(user=users[ALICE], status=RegistrationStatus.CONFIRMED),
            Registration(user=users[REMOVED], status=RegistrationStatus.CONFIRMED),
            Registration(user=users[CANCELLED], status=RegistrationStatus.CANCELLED)]
        db.session.add(roadshow)
        db.session.commit()
        roadshow_id = roadshow.id
        db.session.remove()
    run = tmp_path_factory.mktemp("video")
    port, app_port = free_port(), free_port()
    nginx = VideoNginx(run / "nginx", f"http://127.0.0.1:{app_port}", port=port)
    server = ServerProcess(browser_database_url, run / "instance", port=app_port, extra_env={
        "PUBLIC_URL": nginx.url, "RTMP_PUBLIC_URL": nginx.rtmp_url, "VIDEO_STAT_URL": nginx.stat_url,
        "VIDEO_RECORD_DIR": str(nginx.record_dir), "VIDEO_REPLAY_DIR": str(nginx.replay_dir)})
    try:
        nginx.start()
        host = login_session(nginx.url, HOST, DEMO_PASSWORD)
        yield World(nginx, server, app, roadshow_id, host)
    finally:
        nginx.stop()
        server.stop()
        with app.app_context():
            db.engine.dispose()


def publish(world: World, key: str, seconds: float) -> subprocess.Popen:
    return subprocess.Popen(publish_command(world.nginx.rtmp_url, key, seconds),  # noqa: S603
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for(predicate, timeout: float, message: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(message)


def stream_key(world: World) -> str:
    page = world.host.get(f"{world.url}/manage/roadshows/{world.roadshow_id}/video", timeout=10).text
    return KEY.search(page).group(0)


def fetch(session: requests.Session | None, url: str) -> int:
    return (session or requests).get(url, timeout=10).status_code


def browser_page(browsing: Browsing, world: World, email: str, **options) -> Page:
    """A page of ``email``, logged in (the session cookie of an HTTP login)."""
    page = browsing.new_page(**options)
    cookies = login_session(world.url, email, DEMO_PASSWORD).cookies
    page.context.add_cookies([{"name": cookie.name, "value": cookie.value, "url": world.url}
                              for cookie in cookies])
    return page


def wait_playing(page: Page) -> None:
    """The <video> has a picture and its time advances by more than 3 s."""
    page.wait_for_function("() => { const v = document.querySelector('video');"
                           " return v && v.videoWidth > 0 && v.currentTime > 0; }", timeout=20_000)
    first = page.evaluate("document.querySelector('video').currentTime")
    page.wait_for_function(f"() => document.querySelector('video').currentTime > {first} + 3",
                           timeout=15_000)


def ask_and_answer(world: World, rid: int) -> None:
    with world.app.app_context():
        user = db.session.execute(db.select(User).filter_by(email=ALICE)).scalar_one()
        db.session.add(LiveQuestion(
            roadshow_id=rid, client_uuid=f"video-test-{rid}", author_id=user.id,
            text="隔膜的量产良率是多少？", status=QuestionStatus.APPROVED,
            answer="目前约九成。", answered_at=utcnow()))
        db.session.commit()
        db.session.remove()


def test_private_stream_plays_only_for_the_room_and_replays_with_its_questions(
        world, browser, screenshot_dir):
    url, rid, host = world.url, world.roadshow_id, world.host
    manage = f"/manage/roadshows/{rid}/video"
    assert post_form(host, url, manage, f"{manage}/enable").status_code == 302
    old_key = stream_key(world)
    assert post_form(host, url, manage, f"{manage}/rotate").status_code == 302
    key = stream_key(world)
    assert key != old_key

    # Refused at publish: a made-up key and the key before the rotation.
    for wrong in (f"rs{rid}?k={'0' * 32}", f"rs{rid}", old_key):
        refused = publish(world, wrong, 5)
        assert refused.wait(timeout=15) != 0
    assert not (world.nginx.hls_dir / f"rs{rid}").exists()
    secret = KEY.fullmatch(key).group(1)

    # The host goes live and streams for 20 s.
    room = f"/roadshows/{rid}/live"
    assert post_form(host, url, room, f"{room}/go").status_code == 302
    encoder = publish(world, key, STREAM_SECONDS)
    playlist = f"/hls/rs{rid}/index.m3u8"
    try:
        wait_for(lambda: (world.nginx.hls_dir / f"rs{rid}" / "index.m3u8").exists(), 15,
                 "nginx wrote no playlist for the renamed stream")
        with world.app.app_context():
            started = db.session.scalars(db.select(VideoSession).filter_by(roadshow_id=rid)).one().started_at
        # A question asked, and answered, at second 8 of the stream (while the checks below run).
        asking = threading.Timer((started + timedelta(seconds=8) - utcnow()).total_seconds(),
                                 ask_and_answer, (world, rid))
        asking.start()
        alice = login_session(url, ALICE, DEMO_PASSWORD)
        answer = wait_for(lambda: (lambda r: r if r.status_code == 200 else None)(
            alice.get(url + playlist, timeout=10)), 10, "the registrant cannot fetch the playlist")
        text = answer.text
        segment = f"/hls/rs{rid}/" + next(line for line in text.splitlines() if line.endswith(".ts"))
        assert fetch(alice, url + segment) == 200

        # The check is on the path nginx serves: no ../ from an allowed path to another one.
        (world.nginx.replay_dir / f"rs{rid}").mkdir(exist_ok=True)
        (world.nginx.replay_dir / f"rs{rid}" / "early.m3u8").write_text("#EXTM3U\n")
        connection = http.client.HTTPConnection("127.0.0.1", world.nginx.port, timeout=10)
        cookie = "; ".join(f"{name}={value}" for name, value in alice.cookies.items())
        connection.request("GET", f"/hls/rs{rid}/../../replay/rs{rid}/early.m3u8", headers={"Cookie": cookie})
        assert connection.getresponse().status == 403  # the replay is not open while live
        connection.close()

        # Nobody else: anonymous, a non-registrant, a cancelled registrant.
        assert fetch(None, url + playlist) == 401 and fetch(None, url + segment) == 401
        for email in (STRANGER, CANCELLED):
            other = login_session(url, email, DEMO_PASSWORD)
            assert (fetch(other, url + playlist), fetch(other, url + segment)) == (403, 403), email

        # A registrant whose registration is cancelled while live: refused from the next request.
        removed = login_session(url, REMOVED, DEMO_PASSWORD)
        assert fetch(removed, url + playlist) == 200
        with world.app.app_context():
            registration = db.session.execute(db.select(Registration).join(
                User, User.id == Registration.user_id).where(
                Registration.roadshow_id == rid, User.email == REMOVED)).scalar_one()
            registration.status = RegistrationStatus.CANCELLED
            db.session.commit()
        assert (fetch(removed, url + playlist), fetch(removed, url + segment)) == (403, 403)

        # The host's panel: the stream arrives, with its resolution and bitrate.
        status = wait_for(lambda: (lambda s: s if s.get("width") else None)(
            host.get(f"{url}/roadshows/{rid}/video/status", timeout=10).json()), 10, "no stream status")
        assert status["arriving"] and (status["width"], status["height"]) == (640, 360)
        assert status["bitrate_kbps"] > 100

        # Alice's browser plays it (hls.js, strict CSP); desktop and phone. (hls.js is fetched
        # once first: its first compression, cached afterwards, is slow on a busy machine.)
        script = re.search(r'src="([^"]*hls[^"]*)"', alice.get(url + room, timeout=10).text).group(1)
        assert alice.get(url + script, headers={"Accept-Encoding": "br"}, timeout=30).status_code == 200
        browsing = Browsing(browser, url)
        try:
            # Three browsers at once (the stream lasts 20 s): alice on a desktop and a phone, the host.
            desktop = browser_page(browsing, world, ALICE)
            phone = browser_page(browsing, world, ALICE, **PHONE)
            host_page = browser_page(browsing, world, HOST)
            for page in (desktop, phone, host_page):
                page.goto(room)
            wait_playing(desktop)
            assert desktop.evaluate("document.querySelector('video').videoWidth") == 640
            assert not KEY.search(desktop.content()), "the stream key reached an attendee's page"
            beside = desktop.locator(".live-questions").bounding_box()
            assert beside["x"] >= desktop.locator("video").bounding_box()["x"] + 300  # beside it
            desktop.screenshot(path=str(screenshot_dir / "video-room-desktop.png"))
            wait_playing(phone)
            video_box = phone.locator("video").bounding_box()
            questions_box = phone.locator(".live-questions").bounding_box()
            assert video_box["y"] + video_box["height"] <= questions_box["y"]  # video above the Q&A
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390
            phone.screenshot(path=str(screenshot_dir / "video-room-phone.png"))
            # The host's panel: the stream arriving, its resolution and bitrate; the OBS guide.
            expect(host_page.locator("[data-video-arriving]")).to_have_text(zh("Arriving"))
            expect(host_page.locator("[data-video-resolution]")).to_have_text(re.compile(r"^640×360"))
            expect(host_page.locator("[data-video-bitrate]")).to_contain_text("kbit/s")
            host_page.locator(".video-guide > summary").click()
            expect(host_page.locator(".video-guide")).to_contain_text(world.nginx.rtmp_url)
            host_page.locator(".video-host").screenshot(path=str(screenshot_dir / "video-host-panel.png"))
            asking.join()
            assert encoder.wait(timeout=STREAM_SECONDS + 10) == 0
        finally:
            problems = browsing.problems()
            browsing.close()
        assert not problems, "\n".join(problems)
    finally:
        if encoder.poll() is None:
            encoder.kill()

    # The replay: made from the recording, then watched in the room page after the event.
    def replay_ready():
        with world.app.app_context():
            return db.session.scalars(db.select(VideoSession).filter_by(roadshow_id=rid)).one().replay_path
    wait_for(replay_ready, 20, "the replay was not made")
    with world.app.app_context():
        roadshow = db.session.get(Roadshow, rid)
        roadshow.state, roadshow.ended_at = RoadshowState.ENDED, utcnow()
        db.session.commit()
        seconds = [seconds for seconds, _link in timeline.question_links(roadshow).values()]
        assert len(seconds) == 1 and abs(seconds[0] - 8) <= 1

    # The transcript export links to that moment, on PUBLIC_URL.
    export = host.get(f"{url}/roadshows/{rid}/report.xlsx", timeout=10)
    sheet = load_workbook(io.BytesIO(export.content))[zh("Transcript")]
    assert sheet.cell(row=2, column=8).value == f"{url}{room}#t={seconds[0]}"

    browsing = Browsing(browser, url)
    try:
        page = browser_page(browsing, world, ALICE)
        page.goto(room)
        expect(page.locator("h1")).to_have_text(zh("Replay"))
        page.locator(".timeline-seek", has_text="隔膜的量产良率是多少？").click()
        page.wait_for_function("() => document.querySelector('video').readyState >= 2")
        assert abs(page.evaluate("document.querySelector('video').currentTime") - 8) <= 1
        page.screenshot(path=str(screenshot_dir / "video-replay-timeline.png"))
    finally:
        problems = browsing.problems()
        browsing.close()
    assert not problems, "\n".join(problems)

    # The replay: not for a non-registrant, until the host allows every signed-in user; gone
    # for everyone but the host when taken down.
    with world.app.app_context():
        replay_path = db.session.scalars(db.select(VideoSession).filter_by(roadshow_id=rid)).one().replay_path
    replay = f"{url}/replay/{replay_path}"
    stranger = login_session(url, STRANGER, DEMO_PASSWORD)
    alice = login_session(url, ALICE, DEMO_PASSWORD)
    assert (fetch(stranger, replay), fetch(alice, replay)) == (403, 200)
    settings = f"{manage}/replay"
    post_form(host, url, manage, settings, {"published": "1", "audience": ReplayAudience.SIGNED_IN.value})
    assert fetch(stranger, replay) == 200
    post_form(host, url, manage, settings, {"published": "0", "audience": ReplayAudience.REGISTRANTS.value})
    assert (fetch(stranger, replay), fetch(alice, replay), fetch(host, replay)) == (403, 403, 200)
    with world.app.app_context():
        assert db.session.get(RoadshowVideo, rid).replay_published is False

    # The key is in no log: nginx's (HTTP, RTMP, errors) and the app's.
    logs = [*Path(world.nginx.run_dir).glob("*.log"), world.server.log_path]
    for log in logs:
        assert secret not in log.read_text(errors="replace"), f"the stream key is in {log.name}"
