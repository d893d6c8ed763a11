"""The front door of Odoo in multi-process mode, as a production reverse proxy is: a connection whose first request
asks for /websocket goes to Odoo's gevent process (the only one that serves websockets), every other one to its
HTTP workers. Bytes pass unchanged both ways (the Host header too, so Odoo builds its URLs for this address).

    python odoo_router.py --listen 8069 --http 40001 --websocket 40002   (all on 127.0.0.1)
"""

import argparse
import asyncio
import contextlib
import logging

_logger = logging.getLogger("odoo_router")
HOST = "127.0.0.1"


async def _pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def _serve(client_reader, client_writer, http_port, websocket_port):
    try:
        request_line = await asyncio.wait_for(client_reader.readline(), 60)
    except (TimeoutError, ConnectionError, ValueError):  # silent, gone, or a request line over 64 KiB
        client_writer.close()
        return
    if not request_line:
        client_writer.close()
        return
    parts = request_line.split()
    path = parts[1] if len(parts) > 1 else b""
    port = websocket_port if path.split(b"?")[0] == b"/websocket" else http_port
    try:
        upstream_reader, upstream_writer = await asyncio.open_connection(HOST, port)
    except OSError as exc:
        _logger.warning("Odoo is not answering on port %s (%s)", port, exc)
        client_writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        with contextlib.suppress(Exception):
            await client_writer.drain()
        client_writer.close()
        return
    upstream_writer.write(request_line)
    await asyncio.gather(_pipe(client_reader, upstream_writer), _pipe(upstream_reader, client_writer))


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", type=int, required=True, help="the port people open")
    parser.add_argument("--http", type=int, required=True, help="Odoo's HTTP port (its workers)")
    parser.add_argument("--websocket", type=int, required=True, help="Odoo's gevent port")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server = await asyncio.start_server(
        lambda r, w: _serve(r, w, args.http, args.websocket), HOST, args.listen, reuse_address=True)
    _logger.info("http://%s:%s: /websocket to port %s, the rest to port %s", HOST, args.listen, args.websocket,
                 args.http)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
