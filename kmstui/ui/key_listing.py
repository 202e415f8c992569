"""Reading the key list a page at a time, for an account of thousands of keys.

One :class:`KeyListing` is one load of the Keys screen: ListKeys page by page (a short
first page, so the first rows show at once), ListAliases page by page beside the pages
that follow (after it, when it is the only one), then DescribeKey and
GetKeyRotationStatus for every key once both are listed, on a thread for each hundred
keys up to a few, the keys the screen has in view first. Each step reaches the screen
as a :class:`Batch`, through ``deliver``, from whichever thread read it. Throttling
that is left after the SDK's own retries is counted in the batches and the request is
made again later; nothing here touches a widget.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from kmstui.errors import AwsError
from kmstui.ui.models import THROTTLED, Call, KeyRow, describe_key_row

FIRST_PAGE = 100  # ListKeys' first page: the first rows, soon
KEYS_PAGE = 1000  # ListKeys' largest Limit
ALIASES_PAGE = 100  # ListAliases' largest Limit
DESCRIBERS = 6  # threads describing keys, at most
PER_DESCRIBER = 100  # keys to describe for each of them
FLUSH_SECONDS = 0.1  # described rows reach the screen at most this late
LIST_TRIES = 8  # a throttled page is asked again, this many times in all
DESCRIBE_TRIES = 4  # a throttled key is described again, this many times in all


def backoff(tries: int) -> float:
    """Seconds to wait before asking again after ``tries`` throttled answers."""
    return min(8.0, 0.25 * 2**tries)


@dataclass
class Batch:
    """What one step of a load brings the screen."""

    keys: list[KeyRow] = field(default_factory=list)  # a ListKeys page, in its order
    aliases: dict[str, list[str]] = field(default_factory=dict)  # key id -> names
    alias_count: int = 0  # aliases on this ListAliases page
    described: list[KeyRow] = field(default_factory=list)
    throttled: int = 0  # requests throttled since the last batch
    keys_done: bool = False  # every ListKeys page has been read
    aliases_done: bool = False
    alias_problem: str | None = None  # ListAliases refused: the rows have no aliases
    error: AwsError | None = None  # ListKeys refused: the load stopped
    finished: bool = False  # the last batch of the load


class KeyListing:
    """``KeyListing(call, deliver, stopped=...)``; :meth:`run` on a worker thread,
    :meth:`prefer` from the screen whenever its view moves."""

    def __init__(
        self,
        call: Call,
        deliver: Callable[[Batch], object],
        *,
        stopped: Callable[[], bool] = lambda: False,
        describers: int = DESCRIBERS,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._call, self._deliver, self._stopped = call, deliver, stopped
        self._describers, self._sleep = describers, sleep
        self._lock = threading.Condition()
        self._waiting: dict[str, str] = {}  # key id -> ARN, listed and not yet described
        self._busy = 0  # keys being described now
        self._preferred: list[str] = []
        self._keys_done = self._aliases_done = False
        self._tries: dict[str, int] = {}
        self._described: list[KeyRow] = []
        self._throttled = 0
        self._flushed = time.monotonic()
        self._pool: ThreadPoolExecutor | None = None
        self._aliases: Future | None = None  # ListAliases beside ListKeys' pages

    # -- the screen's side ------------------------------------------------------------
    def prefer(self, key_ids: list[str]) -> None:
        """Describe these keys (the rows in view) before the others."""
        with self._lock:
            self._preferred = list(key_ids)
            self._lock.notify_all()

    # -- the load ---------------------------------------------------------------------
    def run(self) -> None:
        """The whole load; returns once the last batch is delivered (or it stopped)."""
        with ThreadPoolExecutor(self._describers, thread_name_prefix="keylist") as pool:
            self._pool, self._aliases = pool, None
            error = None
            try:
                self._list_keys()
            except AwsError as exc:
                error = exc
            finally:
                with self._lock:
                    self._keys_done = True
                    if error is not None:
                        self._waiting.clear()
                    self._lock.notify_all()
            if self._aliases is None:  # one page of keys: the aliases after it
                self._list_aliases()
            else:
                self._aliases.result()
            # a thread for each PER_DESCRIBER keys, up to the most: a short list is
            # described here, without threads to hand the work between
            threads = min(self._describers, -(-len(self._waiting) // PER_DESCRIBER))
            describing = [pool.submit(self._describe) for _ in range(threads - 1)]
            self._describe()
            for future in describing:
                future.result()
        if not self._stopped():
            self._deliver(self._batch(described=True, error=error, finished=True))

    def _batch(self, *, described: bool = False, **members) -> Batch:
        with self._lock:
            batch = Batch(throttled=self._throttled, **members)
            self._throttled = 0
            if described:
                batch.described, self._described = self._described, []
                self._flushed = time.monotonic()
        return batch

    def _pages(
        self, operation: str, member: str, first: int, limit: int
    ) -> Iterator[tuple[list, bool]]:
        """Each page's items, and whether more follow; a throttled page is asked again
        after a pause."""
        params: dict = {"Limit": first}
        tries = 0
        while not self._stopped():
            try:
                page = self._call(operation, params)
            except AwsError as exc:
                tries += 1
                if exc.code != THROTTLED or tries >= LIST_TRIES:
                    raise
                self._count_throttled()
                self._deliver(self._batch())
                self._sleep(backoff(tries))
                continue
            tries = 0
            more = bool(page.get("Truncated") and page.get("NextMarker"))
            yield page.get(member, []), more
            if not more:
                return
            params = {"Limit": limit, "Marker": page["NextMarker"]}

    def _list_keys(self) -> None:
        for entries, more in self._pages("ListKeys", "Keys", FIRST_PAGE, KEYS_PAGE):
            rows = [KeyRow(key_id=e["KeyId"], arn=e.get("KeyArn", "")) for e in entries]
            self._deliver(self._batch(keys=rows))
            if more and self._aliases is None and self._pool is not None:
                # more pages to come: the aliases beside them
                self._aliases = self._pool.submit(self._list_aliases)
            with self._lock:  # listed on the screen first, then described
                for row in rows:
                    self._waiting.setdefault(row.key_id, row.arn)
                self._lock.notify_all()
        if not self._stopped():
            self._deliver(self._batch(keys_done=True))

    def _list_aliases(self) -> None:
        try:
            for entries, _more in self._pages("ListAliases", "Aliases", ALIASES_PAGE, ALIASES_PAGE):
                names: dict[str, list[str]] = {}
                for alias in entries:
                    if alias.get("TargetKeyId"):
                        names.setdefault(alias["TargetKeyId"], []).append(alias["AliasName"])
                self._deliver(self._batch(aliases=names, alias_count=len(entries)))
        except AwsError as exc:
            self._deliver(self._batch(aliases_done=True, alias_problem=exc.code))
        else:
            if not self._stopped():
                self._deliver(self._batch(aliases_done=True))
        finally:
            with self._lock:
                self._aliases_done = True
                self._lock.notify_all()

    # -- describing -------------------------------------------------------------------
    def _next_key(self) -> tuple[str, str] | None:
        """The next key to describe (under the lock): one in view first; the others
        only once every key is listed. None: nothing to do now."""
        if not (self._keys_done and self._aliases_done):
            return None  # the listing first: it is what the screen waits for
        for key_id in self._preferred:
            if key_id in self._waiting:
                return key_id, self._waiting.pop(key_id)
        if self._waiting:
            key_id = next(iter(self._waiting))
            return key_id, self._waiting.pop(key_id)
        return None

    def _describe(self) -> None:
        while True:
            chosen, flush = None, False
            with self._lock:
                while True:
                    if self._stopped():
                        return
                    chosen = self._next_key()
                    if chosen is not None:
                        self._busy += 1
                        break
                    if self._keys_done and not self._waiting and not self._busy:
                        self._lock.notify_all()
                        return
                    if self._described:  # nothing to do now: show what is done
                        flush = True
                        break
                    self._lock.wait(0.1)
            if flush:
                self._deliver(self._batch(described=True))
                continue
            assert chosen is not None
            try:
                self._describe_one(*chosen)
            finally:
                with self._lock:
                    self._busy -= 1
                    self._lock.notify_all()

    def _describe_one(self, key_id: str, arn: str) -> None:
        row = KeyRow(key_id=key_id, arn=arn)
        try:
            describe_key_row(self._call, row)
        except AwsError:  # throttled: again later, or the row says so
            self._count_throttled()
            with self._lock:
                tries = self._tries[key_id] = self._tries.get(key_id, 0) + 1
            if tries < DESCRIBE_TRIES:
                self._sleep(backoff(tries))
                with self._lock:
                    self._waiting[key_id] = arn
                return
            row.problem, row.described = THROTTLED, True
        with self._lock:
            self._described.append(row)
            due = time.monotonic() - self._flushed >= FLUSH_SECONDS
        if due:
            self._deliver(self._batch(described=True))

    def _count_throttled(self) -> None:
        with self._lock:
            self._throttled += 1
