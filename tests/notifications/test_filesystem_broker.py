"""The development broker (portal/lib/fsbroker.py) never hands a worker a message that is
not written yet: kombu's own filesystem transport does, now and then, and the worker stops."""

import threading

from kombu import Connection
from kombu.transport import filesystem

from portal.lib import fsbroker

MESSAGES = 400
PAYLOAD = {"body": "x" * 20_000, "headers": {}}


def _race(tmp_path, scheme: str) -> tuple[int, list[Exception]]:
    """A publisher and a consumer on one queue folder at once: how many messages the
    consumer decoded, and what it failed on."""
    options = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path)}
    publisher = Connection(f"{scheme}://", transport_options=options).channel()
    consumer = Connection(f"{scheme}://", transport_options=options).channel()
    received, errors, done = [], [], threading.Event()

    def consume():
        while not done.is_set() or len(received) < MESSAGES:
            try:
                received.append(consumer._get("celery"))
            except filesystem.Empty:
                if done.is_set():
                    return
            except ValueError as error:  # an empty or half-written file
                errors.append(error)

    reader = threading.Thread(target=consume)
    reader.start()
    for _n in range(MESSAGES):
        publisher._put("celery", PAYLOAD)
    done.set()
    reader.join(timeout=60)
    return sum(message == PAYLOAD for message in received), errors


def test_every_message_reaches_the_worker_whole(tmp_path):
    # Three races: kombu's own transport fails at least one of them in most runs here.
    for n in range(3):
        folder = tmp_path / str(n)
        folder.mkdir()

        decoded, errors = _race(folder, fsbroker.SCHEME)

        assert errors == []
        assert decoded == MESSAGES


def test_the_portal_broker_keeps_the_filesystem_transports_kind():
    """The health check and the sweeper tell a filesystem broker by its driver type."""
    assert fsbroker.Transport.driver_type == "filesystem"
    assert Connection(f"{fsbroker.SCHEME}://").transport.driver_type == "filesystem"
