"""A real uvicorn server on 127.0.0.1 (random free port) in a thread, for browser and live API tests."""

from __future__ import annotations

import socket
import threading
import time


class LiveServer:
    """`with LiveServer(store_path) as url:` serves the app until the block ends."""

    def __init__(self, store_path: str):
        import uvicorn

        from sco_observatory.web.app import create_app

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(create_app(store_path), host="127.0.0.1", port=self.port,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started and time.time() < deadline:
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)


