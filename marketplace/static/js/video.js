// The platform's roadshow video: the live stream (low-latency hls.js) or the replay, the replay's
// timeline (a click seeks to the moment), #t=SECONDS links, and, for those who run the room, the
// arriving stream's status. No inline script: loaded from room.html / video/replay.html.
(function () {
  "use strict";
  const video = document.querySelector("video[data-video-src]");
  if (!video) return;
  const source = video.dataset.videoSrc;
  const live = video.dataset.videoLive === "true";
  const waiting = document.querySelector("[data-video-waiting]");

  function hashSeconds() {
    const match = /^#t=(\d+(?:\.\d+)?)$/.exec(window.location.hash);
    return match ? Number(match[1]) : null;
  }

  function seek(seconds, play) {
    const go = () => {
      video.currentTime = seconds;
      if (play) video.play().catch(() => {});
    };
    if (video.readyState >= 1) go();
    else video.addEventListener("loadedmetadata", go, { once: true });
  }

  if (live) {
    video.addEventListener("playing", () => { if (waiting) waiting.hidden = true; });
  }

  if (window.Hls && window.Hls.isSupported()) {
    const config = live
      ? { lowLatencyMode: true, liveSyncDuration: 2, liveMaxLatencyDuration: 5,
          maxLiveSyncPlaybackRate: 1.5, backBufferLength: 30, manifestLoadingMaxRetry: 2 }
      : { backBufferLength: 60 };
    let hls = null;
    const start = () => {
      hls = new window.Hls(config);
      hls.on(window.Hls.Events.ERROR, (_event, data) => {
        if (!data.fatal) return;
        hls.destroy();
        // Live: the stream may not have started yet (or the host's encoder restarted); retry.
        if (live) {
          if (waiting) waiting.hidden = false;
          window.setTimeout(start, 3000);
        }
      });
      hls.loadSource(source);
      hls.attachMedia(video);
    };
    start();
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = source;  // Safari plays HLS natively
  }

  if (!live) {
    const initial = hashSeconds();
    if (initial !== null) seek(initial, false);
    window.addEventListener("hashchange", () => {
      const seconds = hashSeconds();
      if (seconds !== null) seek(seconds, true);
    });
    document.querySelectorAll("[data-seek]").forEach((button) => {
      button.addEventListener("click", () => {
        const seconds = Number(button.dataset.seek);
        window.history.replaceState(null, "", "#t=" + seconds);
        seek(seconds, true);
      });
    });
  }

  const panel = document.querySelector("[data-video-status]");
  if (!panel) return;
  const strings = JSON.parse(panel.dataset.strings);
  const field = (name) => panel.querySelector("[data-video-" + name + "]");
  async function refresh() {
    try {
      const response = await fetch(panel.dataset.videoStatus, { credentials: "same-origin" });
      if (!response.ok) return;
      const status = await response.json();
      field("arriving").textContent = status.arriving ? strings.arriving : strings.not_arriving;
      field("bitrate").textContent = status.bitrate_kbps ? status.bitrate_kbps + " " + strings.kbps : "—";
      field("resolution").textContent = status.width && status.height
        ? status.width + "×" + status.height + (status.fps ? " @ " + status.fps + " fps" : "") : "—";
    } catch (error) {
      // The next refresh tries again.
    }
  }
  refresh();
  window.setInterval(refresh, 3000);
})();
