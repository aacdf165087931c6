"""The broker of development and the SQLite test pass (no server to run): kombu's filesystem
transport, with each message written whole before a worker can see it.

Kombu's transport creates a message's file, then locks and writes it. A worker listing the
queue's folder in between moves the still empty file away, fails to decode it and stops
("Unrecoverable error: JSONDecodeError"), seen under load in the suite. Here a message is
written under a name no queue reads and renamed into place, which is atomic within a folder.
Registered as `portal-filesystem://` (settings: CELERY_BROKER_URL without REDIS_URL)."""

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

SCHEME = "portal-filesystem"


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        """Put `payload` onto `queue`: written beside it, then renamed into it."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f".{name}.partial")  # no queue's name
        try:
            with open(partial, "wb", buffering=0) as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel


TRANSPORT_ALIASES[SCHEME] = f"{__name__}:Transport"
