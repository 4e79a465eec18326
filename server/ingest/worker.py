"""Producing a large file's batches in child processes, so that reading, validating and deriving
use other cores while this process writes (SQLite writes cannot overlap Python work within one
process: both need the interpreter lock). Children take turns, chunk by chunk: each reads the
whole file but validates and derives only its own chunks (server.ingest.produce).

The child is `python -m server.ingest`, a fresh interpreter that imports nothing of the
caller's program. It reads its job from stdin and writes pickles to stdout, each after a kind and a
length: its batches, passed on still pickled (PickledBatch), then "done" or an error; when it
preloads (server.ingest.produce), "ready" first. Its stderr is the caller's, so a crash shows its
traceback.

An import keeps a child started ahead of need (`spare_workers`): it imports what every child
imports, then waits for its job, so that a file whose reading waits for the commit of the one
before does not then wait for an interpreter to start as well.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import os
import pickle
import signal
import struct
import sys
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy.ext.asyncio import AsyncEngine

import server
from server.db.engine import create_engine
from server.errors import UserError
from server.ingest.columnar import Loaded
from server.ingest.produce import PickledBatch, batches, reading
from server.ingest.read import CsvReader
from server.ingest.registered import import_file, import_files

# A frame's kind (_BATCH or _MESSAGE) and the length of the pickle that follows.
_FRAME = struct.Struct("<cQ")
_BATCH, _MESSAGE = b"B", b"M"
# How far, in bytes, the child may run ahead of the writer (about a dozen batches).
_BUFFER = 8 * 1024 * 1024
# The scheduling priority of the children of a file read ahead (0 is the default, 19 the lowest).
_YIELDING_NICENESS = 10


@dataclass(frozen=True)
class Job:
    url: str
    path: Path
    name: str
    skip_invalid: bool
    part: int  # this child produces the chunks number part, part + parts, …
    parts: int
    preload: bool  # load what the file refers to first, then say "ready"
    # A first load to read column by column, leaving its rows there (server.ingest.columnar);
    # failing that, the child reads it row by row as usual.
    columnar_target: Path | None = None


async def batches_from_workers(
    engine: AsyncEngine,
    path: Path,
    name: str,
    *,
    skip_invalid: bool,
    parts: int,
    on_preloaded: Callable[[], None] | None = None,
    columnar_target: Path | None = None,
    yielding: bool = False,
) -> AsyncGenerator[PickledBatch | Loaded, None]:
    """The batches of one file, produced by `parts` child processes taking turns, chunk by
    chunk, and handed on in the file's order. `on_preloaded`: as in
    server.ingest.produce.batches, called once every child has preloaded. With a
    `columnar_target`, one child reads the file column by column into it (a Loaded), or
    failing that row by row. `yielding`: the children run at a lower priority (the file is read
    ahead: the worker of the file whose turn it is, and the database, come first)."""
    url = engine.url.render_as_string(hide_password=False)
    preload = on_preloaded is not None
    if columnar_target is not None:
        parts = 1
    children: list[asyncio.subprocess.Process] = []
    try:
        for part in range(parts):
            job = Job(url, path, name, skip_invalid, part, parts, preload, columnar_target)
            children.append(await _start(job, yielding=yielding))
        if on_preloaded is not None:
            for child in children:
                kind, payload = await _receive(child, name)
                if kind == "error":
                    raise UserError(payload)
                assert kind == "ready", kind
            on_preloaded()
        turn = 0
        while True:
            kind, payload = await _receive(children[turn % parts], name)
            if kind == "batch":
                yield payload
                turn += 1
            elif kind == "loaded":
                yield payload
            elif kind == "error":
                raise UserError(payload)
            else:  # the file has no chunk number `turn`: the others are done too
                for child in children:
                    if child is not children[turn % parts]:
                        await _receive(child, name)
                for child in children:
                    await child.wait()
                return
    finally:
        for child in children:
            if child.returncode is None:
                child.kill()
            await child.wait()


@asynccontextmanager
async def spare_workers(needed: int) -> AsyncIterator[None]:
    """Within it, a child is kept started ahead of need while fewer than `needed` were taken
    (the import's large files: each needs one at least), and a file's workers start from it.
    (Peer data, PostgreSQL: a child took 1.5-3 s to say what it reads, the messages' waiting
    for it after the conversations' commit.)"""
    spares = _Spares(needed)
    token = _SPARES.set(spares)
    try:
        await spares.refill()
        yield
    finally:
        _SPARES.reset(token)
        await spares.close()


class _Spares:
    """The child started ahead of need, waiting for its job on stdin."""

    def __init__(self, needed: int) -> None:
        self._left = needed  # children still to start ahead of need
        self._spare: asyncio.subprocess.Process | None = None

    async def refill(self) -> None:
        if self._spare is None and self._left > 0:
            self._left -= 1
            self._spare = await _spawn()

    async def take(self) -> asyncio.subprocess.Process:
        """The spare (or a new child, the spare being gone), another started in its place."""
        process, self._spare = self._spare, None
        if process is None or process.returncode is not None:
            if process is not None:
                await process.wait()
            self._left = max(0, self._left - 1)
            process = await _spawn()
        await self.refill()
        return process

    async def close(self) -> None:
        process, self._spare = self._spare, None
        if process is not None:
            if process.returncode is None:
                process.kill()
            await process.wait()


_SPARES: ContextVar[_Spares | None] = ContextVar("spare_workers", default=None)


async def _spawn() -> asyncio.subprocess.Process:
    # The child imports this very package, wherever this process found it.
    root = str(Path(server.__file__).resolve().parent.parent)
    python_path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server.ingest",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        limit=_BUFFER,
        env={**os.environ, "PYTHONPATH": python_path},
    )


async def _start(job: Job, *, yielding: bool) -> asyncio.subprocess.Process:
    spares = _SPARES.get()
    process = await (_spawn() if spares is None else spares.take())
    if yielding and hasattr(os, "setpriority"):
        # Reading ahead is worth it while a core is idle; on a busy machine, the file whose
        # turn it is must not wait for it (peer data, PostgreSQL: the messages' worker took
        # 13.2 s beside those of the ratings and the stage changes, against 9.4 s).
        with suppress(ProcessLookupError):  # gone already: it says why on its own
            os.setpriority(os.PRIO_PROCESS, process.pid, _YIELDING_NICENESS)
    assert process.stdin is not None
    process.stdin.write(pickle.dumps(job))
    await process.stdin.drain()
    process.stdin.close()
    return process


async def _receive(process: asyncio.subprocess.Process, name: str) -> tuple[str, Any]:
    """The child's next message: ("batch", PickledBatch), ("loaded", Loaded), ("error",
    message), ("done", None) or ("ready", None)."""
    assert process.stdout is not None
    try:
        kind, size = _FRAME.unpack(await process.stdout.readexactly(_FRAME.size))
        data = await process.stdout.readexactly(size)
    except asyncio.IncompleteReadError:
        code = await process.wait()
        raise RuntimeError(f"the import worker for {name} failed (exit {code})") from None
    if kind == _BATCH:
        return "batch", PickledBatch(data)
    message: tuple[str, Any] = pickle.loads(data)
    return message


async def _produce(job: Job, out: IO[bytes]) -> None:
    engine = create_engine(job.url)
    try:
        reader = CsvReader(job.path, import_file(job.name))
        on_preloaded = (lambda: _send(out, "ready", None)) if job.preload else None
        try:
            async with reading(engine) as connection:
                if job.columnar_target is not None:
                    # Imported here, not by the importing process: polars and ADBC (a child
                    # has them loaded already: `serve`).
                    from server.ingest.columnar.load import load

                    loaded = await load(
                        connection,
                        reader,
                        job.path,
                        job.columnar_target,
                        on_preloaded=on_preloaded or (lambda: None),
                    )
                    if loaded is not None:
                        _send(out, "loaded", loaded)
                        _send(out, "done", None)
                        return
                    on_preloaded = None  # said once already
                source = batches(
                    connection,
                    reader,
                    skip_invalid=job.skip_invalid,
                    part=job.part,
                    parts=job.parts,
                    on_preloaded=on_preloaded,
                )
                async for batch in source:
                    _write(out, _BATCH, pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))
        finally:
            reader.close()
        _send(out, "done", None)
    except UserError as error:
        _send(out, "error", str(error))
    finally:
        await engine.dispose()


def _send(out: IO[bytes], kind: str, payload: Any) -> None:
    _write(out, _MESSAGE, pickle.dumps((kind, payload), protocol=pickle.HIGHEST_PROTOCOL))


def _write(out: IO[bytes], kind: bytes, data: bytes) -> None:
    out.write(_FRAME.pack(kind, len(data)))
    out.write(data)
    out.flush()


def serve() -> None:
    """The child's side: run the job read from stdin."""
    # Ctrl-C reaches the whole process group: the parent stops the child, which has nothing to
    # say about it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.disable()  # see server.ingest._collector_paused
    # What any job needs, loaded before the job comes (a spare waits for it).
    import_files()
    importlib.import_module("server.ingest.columnar.load")  # polars and ADBC
    try:
        job = pickle.load(sys.stdin.buffer)
    except EOFError:  # a spare not needed: the import is over
        return
    asyncio.run(_produce(job, sys.stdout.buffer))
