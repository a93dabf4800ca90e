"""Readers run in a child process under a hard memory and time limit, a second line of defence behind the
measurements: whatever a file does to a reader, the process that serves requests carries on and the person who
sent it reads a clear refusal."""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
from collections.abc import Callable
from typing import Any

from .intake import ImportLimits, TemplateError, TemplateProblem


def _address_space() -> int:
    """This process's virtual size in bytes (what RLIMIT_AS counts)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _child(send: Any, memory_mb: int, seconds: float, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        ceiling = _address_space() + memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
        cpu = int(seconds) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        try:
            outcome = ("ok", function(*args))
        except TemplateError as error:
            outcome = ("refused", error.problems)
        except MemoryError:
            outcome = ("memory", None)
        except RecursionError:
            outcome = ("failed", "it is nested too deeply to read")
        except Exception as error:
            outcome = ("failed", f"{type(error).__name__}: {str(error)[:300]}")
        send.send(outcome)
    except MemoryError:
        pass
    finally:
        send.close()
        os._exit(0)


def run_limited(name: str, function: Callable[..., Any], *args: Any, limits: ImportLimits) -> Any:
    """`function(*args)` in a forked child under `limits.memory_mb` and `limits.seconds`; its result, or a
    TemplateError naming the file. `function` raises TemplateError for a refusal of its own."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(send, limits.memory_mb, limits.seconds, function, args))
    process.start()
    send.close()
    try:
        if not receive.poll(limits.seconds):
            raise TemplateError(
                [TemplateProblem(name, f"reading the file took longer than {limits.seconds:g} s: refused")]
            )
        status, payload = receive.recv()
    except (EOFError, OSError):
        status, payload = "died", None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receive.close()
    if status == "died":
        status = "time" if process.exitcode == -signal.SIGXCPU else "memory"
    if status == "ok":
        return payload
    if status == "refused":
        raise TemplateError(payload)
    if status == "time":
        message = f"reading the file took longer than {limits.seconds:g} s: refused"
    elif status == "memory":
        message = f"reading the file needs more than {limits.memory_mb} MB of memory: refused"
    else:
        message = f"the file could not be read: {payload}"
    raise TemplateError([TemplateProblem(name, message)])
