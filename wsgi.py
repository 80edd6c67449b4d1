"""Entry point. ``python wsgi.py`` serves on gevent (WebSocket-ready); gunicorn imports ``app``
(production: ``SERVER_ROLE=live|pages gunicorn -c gunicorn.conf.py wsgi:app``, see gunicorn.conf.py)."""

import os

if __name__ == "__main__":
    # Patch the standard library before anything opens sockets or threads.
    from gevent import monkey

    monkey.patch_all()

from marketplace import create_app  # noqa: E402
from marketplace.extensions import socketio  # noqa: E402

#: Settings read here rather than in marketplace.config: the Redis channel that separates
#: deployments (or test runs) sharing one Redis server.
_OVERRIDES = {key: os.environ[key] for key in ("SOCKETIO_CHANNEL",) if os.environ.get(key)}
app = create_app(_OVERRIDES or None)

if __name__ == "__main__":
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    # PUBLIC_URL defaults to http://HOST:PORT (marketplace/public_urls.py): links and the live room.
    print(f" * 百校千项 platform on {app.config['PUBLIC_URL']}/  (listening on {host}:{port}; "
          "Ctrl-C to stop)", flush=True)
    socketio.run(app, host=host, port=port, debug=False, log_output=True)
