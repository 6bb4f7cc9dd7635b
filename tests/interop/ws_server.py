#!/usr/bin/python3
# An independent PROTOCOL.md server for chatlink's interoperation tests, on
# Python's `websockets` (Debian python3-websockets, 10.x). Started by
# tests/interop/interop.cpp on 127.0.0.1 and stopped by its PID.
#
#   ws_server.py --port PORT --token USER:TOKEN [--token ...] [--ping-interval SECONDS]
#
# Prints "port N" once listening. Speaks PROTOCOL.md: GET /ws?token=T, 401 for
# an unknown token; the token "close-4401" is accepted and closed at once
# with 4401. {"type":"ping"} is answered with {"type":"pong"}; chat goes to
# the addressees and back to the sender with an id; unknown types get
# {"type":"error","error":"unknown_type"}. For the tests, a client may ask
# (type "test"): {"do":"close","code":N} (close with N), {"do":"ping"} (send
# {"type":"ping"}; the client's pong is reported as {"type":"test","pong":true}),
# {"do":"big","size":N} (send a message of N bytes).
import argparse
import asyncio
import http
import json
import signal
import sys
import urllib.parse

import websockets
import websockets.server

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, default=0)
parser.add_argument("--token", action="append", default=[])
parser.add_argument("--ping-interval", type=float, default=None)
args = parser.parse_args()

users = {}
for t in args.token:
    user, _, token = t.partition(":")
    users[token] = user

clients = {}  # connection -> user
next_id = 0


def token_of(path):
    query = urllib.parse.urlparse(path).query
    values = urllib.parse.parse_qs(query, keep_blank_values=True).get("token")
    return values[0] if values else None


async def process_request(path, headers):
    if urllib.parse.urlparse(path).path != "/ws":
        return http.HTTPStatus.NOT_FOUND, [], b"not found\n"
    token = token_of(path)
    if token != "close-4401" and token not in users:
        return http.HTTPStatus.UNAUTHORIZED, [], b"unknown token\n"
    return None


async def handler(ws, path):
    global next_id
    token = token_of(path)
    if token == "close-4401":
        await ws.close(4401, "token expired")
        return
    user = users[token]
    clients[ws] = user
    await ws.send(json.dumps({"type": "welcome", "user": user}))
    try:
        async for raw in ws:
            if isinstance(raw, bytes):
                await ws.send(json.dumps({"type": "error", "error": "binary"}))
                continue
            try:
                msg = json.loads(raw)
            except ValueError:
                await ws.send(json.dumps({"type": "error", "error": "not_json"}))
                continue
            kind = msg.get("type") if isinstance(msg, dict) else None
            if kind == "ping":
                await ws.send(json.dumps({"type": "pong"}))
            elif kind == "pong":
                await ws.send(json.dumps({"type": "test", "pong": True}))
            elif kind == "chat":
                next_id += 1
                out = {"type": "chat", "from": user, "to": msg.get("to", "all"),
                       "text": msg.get("text", ""), "id": next_id}
                for peer, name in list(clients.items()):
                    if peer is ws or out["to"] in ("all", name):
                        await peer.send(json.dumps(out))
            elif kind == "test":
                action = msg.get("do")
                if action == "close":
                    await ws.close(int(msg["code"]), "asked")
                elif action == "ping":
                    await ws.send(json.dumps({"type": "ping"}))
                elif action == "big":
                    await ws.send(json.dumps({"type": "big", "p": "b" * int(msg["size"])}))
            else:
                await ws.send(json.dumps({"type": "error", "error": "unknown_type"}))
    except websockets.ConnectionClosed:
        pass
    finally:
        clients.pop(ws, None)


async def main():
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with websockets.server.serve(handler, "127.0.0.1", args.port,
                                       process_request=process_request,
                                       ping_interval=args.ping_interval,
                                       max_size=2 ** 22) as server:
        port = server.sockets[0].getsockname()[1]
        print("port", port, flush=True)
        await stop


asyncio.run(main())
