"""Idle connections never take a sync worker from readers (gunicorn.conf.py sets
TCP_DEFER_ACCEPT): a client that connects and says nothing, as a browser's preconnect or
a robot pausing between posts does, is not handed to a worker until it speaks."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from tests.reliability.conftest import DEMO_SLUG, prepared

pytestmark = [pytest.mark.slow, pytest.mark.serial]


def test_silent_connections_do_not_hold_the_only_worker(tmp_path):
    server = prepared("sqlite:///" + str(tmp_path / "blog.sqlite3"), tmp_path, workers=1)
    server.start()
    host, port = server.url.removeprefix("http://").split(":")
    silent = [socket.create_connection((host, int(port)), timeout=5) for _ in range(4)]
    try:
        began = time.monotonic()
        for _ in range(5):
            page = httpx.get(f"{server.url}/articles/{DEMO_SLUG}", timeout=10)
            assert page.status_code == 200
        # Without deferred accept the one worker would sit in recv() on a silent
        # connection until gunicorn's timeout: 5 pages would take a minute, not a moment.
        assert time.monotonic() - began < 3
    finally:
        for sock in silent:
            sock.close()
        server.stop()


def test_a_connection_that_speaks_late_is_still_answered(tmp_path):
    server = prepared("sqlite:///" + str(tmp_path / "blog.sqlite3"), tmp_path, workers=1)
    server.start()
    host, port = server.url.removeprefix("http://").split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            time.sleep(1.5)  # past nothing: the kernel holds it until the request comes
            sock.sendall(f"GET /articles/{DEMO_SLUG} HTTP/1.1\r\nHost: {host}\r\n"
                         "Connection: close\r\n\r\n".encode())
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200")
    finally:
        server.stop()
