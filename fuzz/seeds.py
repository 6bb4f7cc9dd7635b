#!/usr/bin/env python3
# Writes the committed seed corpora of the fuzz targets (fuzz/corpus/*).
# Run from anywhere: python3 fuzz/seeds.py
import os, struct, zlib

here = os.path.dirname(os.path.abspath(__file__))

def frame(opcode, payload, fin=True, rsv1=False, mask=None):
    b0 = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
    n = len(payload)
    if n < 126:
        hdr = bytes([b0, n | (0x80 if mask else 0)])
    elif n < 65536:
        hdr = bytes([b0, 126 | (0x80 if mask else 0)]) + struct.pack("!H", n)
    else:
        hdr = bytes([b0, 127 | (0x80 if mask else 0)]) + struct.pack("!Q", n)
    if mask:
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
        hdr += mask
    return hdr + payload

def text(s, **kw): return frame(0x1, s.encode() if isinstance(s, str) else s, **kw)

def deflate(s):
    c = zlib.compressobj(wbits=-15)
    out = c.compress(s.encode()) + c.flush(zlib.Z_SYNC_FLUSH)
    return out[:-4]  # RFC 7692: drop the 00 00 ff ff tail

# byte 0 of an inbound input: bit 0 deflate, bit 1 64-byte limit, bit 2 send from the handler,
# bit 3 raw text format, bit 4 frame heartbeat, bit 5 type_field "op" and max_json_depth 4
inbound = {
    "chat": b"\x00" + text('{"type":"chat","text":"hi"}'),
    "server_ping_json": b"\x00" + text('{"type":"ping"}'),
    "pong_json": b"\x04" + text('{"type":"pong"}') + text('{"type":"chat"}'),
    "control_ping": b"\x00" + frame(0x9, b"abc") + text('{"type":"x"}'),
    "fragmented_with_ping": b"\x00" + text('{"type":', fin=False) + frame(0x9, b"") +
        frame(0x0, b'"chat"}'),
    "close_1000": b"\x00" + frame(0x8, struct.pack("!H", 1000) + b"bye"),
    "close_4401": b"\x00" + frame(0x8, struct.pack("!H", 4401)),
    "binary": b"\x00" + frame(0x2, b"\x00\x01\x02"),
    "not_json": b"\x00" + text("hello"),
    "array": b"\x00" + text("[1,2,3]"),
    "len16": b"\x00" + text('{"type":"big","p":"' + "a" * 300 + '"}'),
    "too_big_small_limit": b"\x02" + text('{"type":"big","p":"' + "a" * 100 + '"}'),
    "bad_utf8": b"\x00" + text(b'{"type":"\xc3\x28"}'),
    "masked_from_server": b"\x00" + text('{"type":"x"}', mask=b"\x01\x02\x03\x04"),
    "reserved_opcode": b"\x00" + frame(0x3, b""),
    "deflate_chat": b"\x01" + frame(0x1, deflate('{"type":"chat","text":"compressed"}'), rsv1=True),
    "deflate_two": b"\x01" + frame(0x1, deflate('{"type":"a"}'), rsv1=True) +
        frame(0x1, deflate('{"type":"ping"}'), rsv1=True),
    "deflate_small_limit": b"\x03" + frame(0x1, deflate('{"p":"' + "z" * 500 + '"}'), rsv1=True),
    "raw_text_binary": b"\x0c" + text("plain") + frame(0x2, b"\x00\xff") + text('{"type":"ping"}'),
    "raw_binary_fragments": b"\x08" + frame(0x2, b"ab", fin=False) + frame(0x0, b"cd"),
    "frame_heartbeat_pongs": b"\x10" + frame(0xA, b"") + frame(0x9, b"x") + text('{"type":"pong"}'),
    "op_field_deep": b"\x20" + text('{"op":"ping"}') + text('{"op":"x","v":[[[[1]]]]}'),
}

url = {
    "http": b"http://example.com\nsecret-token-123\n/ws\ntoken",
    "https_port": b"https://example.com:8443/app\ntok en/+?&=\n/ws\ntoken",
    "ws_ipv6": b"ws://[::1]:9000/ws\nabc\n/ws\ntoken",
    "wss_path": b"wss://chat.example.org/ws?x=1\n\xc3\xa9\xe2\x82\xac\n/ws\nt",
    "bad": b"ftp://x\nt\n/ws\ntoken",
    "port_big": b"http://h:70000\nt\n/ws\ntoken",
}

file_store = {
    "entry": b'{"chatuser":"{\\"token\\":\\"abc\\",\\"user\\":\\"ann\\"}"}',
    "empty_object": b"{}",
    "not_object": b"[1,2]",
    "number_value": b'{"chatuser":5}',
    "truncated": b'{"chatuser":"{\\"tok',
    "empty": b"",
}

cli_parsers = {
    "dur_ms": b"\x00250ms", "dur_h": b"\x001h", "dur_zero": b"\x000", "dur_big": b"\x00999999999999h",
    "pol_fixed": b"\x01fixed:300s", "pol_backoff": b"\x01backoff:1s..60s", "pol_never": b"\x01never",
    "pol_bad": b"\x01backoff:5s..1s", "count": b"\x021000", "count_zero": b"\x060",
}

for name, seeds in [("inbound", inbound), ("url", url), ("file_store", file_store),
                    ("cli_parsers", cli_parsers)]:
    d = os.path.join(here, "corpus", name)
    os.makedirs(d, exist_ok=True)
    for k, v in seeds.items():
        with open(os.path.join(d, k), "wb") as f:
            f.write(v)
