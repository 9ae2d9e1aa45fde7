"""Terminal input for the chat: read lines off the event loop, and leave at once on Ctrl-C.

asyncio's own Ctrl-C handling cancels the chat but then waits for the thread blocked in
`input()`, so the process hangs until Enter and ends with a traceback. Here the line is read
in a daemon thread nobody waits for, and Ctrl-C sets an event the chat loop races against.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


class Interrupted(Exception):
    """Ctrl-C was pressed while waiting."""


@contextlib.contextmanager
def watch_interrupts() -> Iterator[asyncio.Event]:
    """An event set by Ctrl-C (SIGINT) while inside; the previous handler is restored after.

    Where the loop can't take signal handlers (Windows, not the main thread) the event never
    fires and Ctrl-C raises KeyboardInterrupt as usual, which the CLI turns into an exit code.
    """
    loop = asyncio.get_running_loop()
    interrupted = asyncio.Event()
    previous = signal.getsignal(signal.SIGINT)
    try:
        loop.add_signal_handler(signal.SIGINT, interrupted.set)
    except (NotImplementedError, RuntimeError, ValueError):
        yield interrupted
        return
    try:
        yield interrupted
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        signal.signal(signal.SIGINT, previous)


async def unless_interrupted(interrupted: asyncio.Event, work: Awaitable[T]) -> T:
    """The result of `work`, or Interrupted (with `work` cancelled) once `interrupted` is set."""
    task = asyncio.ensure_future(work)
    waiter = asyncio.ensure_future(interrupted.wait())
    try:
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    raise Interrupted


async def read_in_thread(read_line: Callable[[], str]) -> str | None:
    """`read_line()` in a daemon thread; None when it raises EOFError (Ctrl-D, end of input).

    A daemon thread, not the loop's executor: asyncio.run waits for executor threads at exit,
    and this one may stay blocked in `input()` after Ctrl-C.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str | None] = loop.create_future()

    def deliver(line: str | None, error: BaseException | None) -> None:
        if future.done():  # cancelled by Ctrl-C meanwhile
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(line)

    def read() -> None:
        line: str | None = None
        error: BaseException | None = None
        try:
            line = read_line()
        except EOFError:
            pass
        except BaseException as exc:  # handed to the awaiting coroutine
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting
            loop.call_soon_threadsafe(deliver, line, error)

    threading.Thread(target=read, name="careerbot-chat-input", daemon=True).start()
    return await future
