"""gunicorn's settings for `gunicorn wsgi:app` (read from the working directory).

Sync workers handle one connection at a time: a client that connects and sends nothing
yet (a browser's preconnect, a robot that pauses between posts) would hold a worker
idle until it speaks. TCP_DEFER_ACCEPT has the kernel hand a connection over only once
its request has arrived, so idle connections never take a worker from readers (nginx
calls it ``deferred``). Behind a buffering proxy it changes nothing.
"""

import socket

DEFER_ACCEPT_SECONDS = 10  # a connection silent this long is handed over anyway


def when_ready(server):
    """Set TCP_DEFER_ACCEPT on every listening TCP socket (Linux), before the workers fork."""
    if not hasattr(socket, "TCP_DEFER_ACCEPT"):
        return
    for listener in server.LISTENERS:
        sock = listener.sock
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, DEFER_ACCEPT_SECONDS)
