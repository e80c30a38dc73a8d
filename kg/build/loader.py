"""One `bulk_load` call in a thread, reading N-Quads from a pipe this process writes.

Worker processes send N-Quads; the building thread writes them to a pipe that pyoxigraph's
bulk loader reads in a thread of its own (it releases the GIL), so mapping and loading overlap.
The loader's memory grows with what one call reads, so the caller starts a new one every so
many bytes.
"""

from __future__ import annotations

import os
import threading

from pyoxigraph import RdfFormat, Store


class Loader:
    def __init__(self, store: Store) -> None:
        read_end, write_end = os.pipe()
        self.written = 0
        self._failed: list[BaseException] = []
        self._pipe = os.fdopen(write_end, "wb")

        def load() -> None:
            try:  # our own serialisation: skipping IRI validation only saves time
                store.bulk_load(path=f"/dev/fd/{read_end}", format=RdfFormat.N_QUADS,
                                lenient=True)
            except BaseException as e:  # handed to the building thread
                self._failed.append(e)
            finally:
                os.close(read_end)  # a writer still writing gets BrokenPipeError, not a hang

        self._thread = threading.Thread(target=load, name="kg-bulk-load", daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> bool:
        """False when the loader has stopped (`finish` raises its error)."""
        try:
            self._pipe.write(data)
        except BrokenPipeError:
            return False
        self.written += len(data)
        return True

    def close(self) -> None:
        """Close the pipe: the load ends (sorts and writes what it read) in its thread."""
        try:
            self._pipe.close()
        except BrokenPipeError:
            pass

    def finish(self) -> None:
        """Close the pipe, wait for the load to end; raises what the loader raised."""
        self.close()
        self._thread.join()
        if self._failed:
            raise self._failed[0]


def can_pipe() -> bool:
    """Whether the loader can read a pipe by path (Linux and most Unixes have /dev/fd)."""
    return os.path.isdir("/dev/fd")
