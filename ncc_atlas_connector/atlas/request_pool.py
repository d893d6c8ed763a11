"""Atlas requests of a push batch sent side by side: a few threads, each with its own client, doing HTTP only.

The threads never touch Odoo (no ORM, no cursor): a request is a function of a client, and its exchanges are
queued with the key they were sent with (the application they are for, or the name of a request of the whole
batch, such as its look-up). The caller, in its own thread, hands the queued exchanges to its sync log (`flush`)
and applies the answers in the order the requests were made (`results`), doing its own work while they travel."""

import queue
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from .client import AtlasClient, AtlasSettings


class RequestPool:
    def __init__(self, settings: AtlasSettings, size: int):
        self._settings = settings
        self._size = size
        self._executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix='atlas-push')
        self._local = threading.local()
        self._clients: list[AtlasClient] = []
        self._clients_lock = threading.Lock()
        self._exchanges: queue.SimpleQueue = queue.SimpleQueue()
        self._sent: list[tuple[Any, Any, Any]] = []  # (key, future, finish) in the order submitted
        self._submitted = 0

    def _client(self) -> AtlasClient:
        client = getattr(self._local, 'client', None)
        if client is None:
            client = AtlasClient(self._settings, on_exchange=self._on_exchange)
            self._local.client = client
            with self._clients_lock:
                self._clients.append(client)
        return client

    def _on_exchange(self, exchange):
        self._exchanges.put((self._local.key, exchange))

    def _run(self, key, request):
        self._local.key = key
        return request(self._client())

    def submit(self, key, request: Callable[[AtlasClient], Any], finish: Any = None) -> None:
        """Send ``request(client)`` in a thread; ``key`` (the application) comes back with its exchanges and its
        answer, and ``finish`` with its answer. Waits first while two rounds of requests (twice as many as the
        pool has threads) are under way: the threads always have the next round while the caller records answers,
        and the caller sees an outage, or its time running out, after two rounds rather than after the batch."""
        under_way = [future for _key, future, _finish in self._sent if not future.done()]
        if len(under_way) >= 2 * self._size:
            wait(under_way, return_when=FIRST_COMPLETED)
        self._sent.append((key, self._executor.submit(self._run, key, request), finish))
        self._submitted += 1

    def sent_any(self) -> bool:
        """Some request was submitted for its ordered answer (it may have ended since)."""
        return self._submitted > 0

    def start(self, key, request: Callable[[AtlasClient], Any]) -> Future:
        """Send ``request(client)`` in a thread now, apart from the ordered answers: a request whose answer the
        caller waits for itself (its future), doing its own work meanwhile (e.g. the batch's look-up)."""
        return self._executor.submit(self._run, key, request)

    def flush(self, log: Callable[[list], None]) -> None:
        """``log([(key, exchange), ...])`` with the exchanges that ended since the last flush (if any), in the
        caller's thread."""
        ended = []
        while True:
            try:
                ended.append(self._exchanges.get_nowait())
            except queue.Empty:
                break
        if ended:
            log(ended)

    def settle(self) -> None:
        """Wait until every request sent so far has its answer (or its failure)."""
        wait([future for _key, future, _finish in self._sent])

    def waiting(self) -> bool:
        """Some answer is still on its way."""
        return any(not future.done() for _key, future, _finish in self._sent)

    def wait_first(self) -> None:
        """Wait until the oldest request sent has its answer (the next one `results` gives)."""
        if self._sent:
            wait([self._sent[0][1]])

    def results(self, block: bool = True):
        """``(key, finish, answer or exception)`` of the requests sent, in the order they were submitted, each
        once it has ended; without ``block``, only those that have ended before the first one still under way."""
        while self._sent:
            key, future, finish = self._sent[0]
            if not block and not future.done():
                return
            self._sent.pop(0)
            exception = future.exception()
            yield key, finish, exception if exception is not None else future.result()

    def close(self) -> None:
        """Wait for the requests under way (none is left running past the batch), then close the clients."""
        self._executor.shutdown(wait=True)
        for client in self._clients:
            client.close()
        self._clients = []

    def __enter__(self) -> 'RequestPool':
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()
