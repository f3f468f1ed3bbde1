"""A TCP proxy that holds every chunk DELAY_MS milliseconds each way: a server
2 x DELAY_MS away (a mail provider across the internet) for a benchmark on one machine.

    .venv/bin/python bench/latency_proxy.py LISTEN_PORT TARGET_PORT DELAY_MS

Each direction of each connection forwards what it reads after the delay, in order. Used by
bench/reminders.py --rtt-ms; loopback stays untouched for the database and the broker.
"""

from __future__ import annotations

import asyncio
import sys


async def _pump(reader, writer, delay: float) -> None:
    loop = asyncio.get_running_loop()
    pending: asyncio.Queue = asyncio.Queue()

    async def deliver() -> None:
        while (item := await pending.get()) is not None:
            due, chunk = item
            await asyncio.sleep(max(0.0, due - loop.time()))
            writer.write(chunk)
            await writer.drain()
        writer.close()

    delivering = asyncio.create_task(deliver())
    try:
        while chunk := await reader.read(65536):
            pending.put_nowait((loop.time() + delay, chunk))
    finally:
        pending.put_nowait(None)
        await delivering


async def main(listen: int, target: int, delay: float) -> None:
    async def handle(client_reader, client_writer) -> None:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target)
        await asyncio.gather(
            _pump(client_reader, server_writer, delay),
            _pump(server_reader, client_writer, delay),
            return_exceptions=True,
        )

    server = await asyncio.start_server(handle, "127.0.0.1", listen)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) / 1000))
