"""WSGI entry point: `gunicorn server:app` in production; `python server.py` runs `mentor-match serve`.

HOST and PORT (environment) choose the address of `python server.py` (default 127.0.0.1:8000).
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    # Serve through gunicorn, whose workers each build the app: the model is not loaded here first.
    from matcher.api.serving import serve

    sys.exit(serve(os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "8000"))))
else:
    from matcher.api import create_app

    app = create_app()
