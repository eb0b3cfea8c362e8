"""Free loopback ports for servers the tests start.

A port is free when we look and taken when the server binds it, later, in another process:
with ``bind(("127.0.0.1", 0))`` two xdist workers could each be handed the same port in that
gap (and a client's outgoing connection can take an ephemeral port too). So each worker takes
ports from a block of its own, below Linux's ephemeral range (32768-60999), in turn from a
random start, skipping any that something already holds.
"""

from __future__ import annotations

import itertools
import random
import socket

from tests.support.workers import worker_id

FIRST, BLOCK, BLOCKS = 10_000, 1_500, 15  # ports 10000-32499: gw0-gw13 and a serial run


def _block() -> int:
    """``gw0`` -> 0, ``gw1`` -> 1, ...; a serial run (``master``) takes the last block."""
    worker = worker_id()
    return int(worker[2:]) % (BLOCKS - 1) if worker.startswith("gw") else BLOCKS - 1


_start = FIRST + _block() * BLOCK
_offset = random.randrange(BLOCK)  # another run on the machine likely starts elsewhere
_next = itertools.cycle(range(_offset, _offset + BLOCK))


def free_port() -> int:
    """A loopback port no other worker of this run will be given, free when asked."""
    for _ in range(BLOCK):
        port = _start + next(_next) % BLOCK
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:  # held by a server of ours or by another program
                continue
            return port
    raise RuntimeError(f"no free port in {_start}-{_start + BLOCK - 1}")
