"""Entry point. ``python wsgi.py`` serves on gevent (WebSocket-ready); gunicorn imports ``app``."""

import os

if __name__ == "__main__":
    # Patch the standard library before anything opens sockets or threads.
    from gevent import monkey

    monkey.patch_all()

from marketplace import create_app  # noqa: E402
from marketplace.extensions import socketio  # noqa: E402

app = create_app()

if __name__ == "__main__":
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    print(f" * 百校千项 platform on http://{host}:{port}/  (Ctrl-C to stop)", flush=True)
    socketio.run(app, host=host, port=port, debug=False, log_output=True)
