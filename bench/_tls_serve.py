"""A file server over TLS on loopback for the download benchmark: every GET gets ``--bytes`` zero bytes with a
Content-Length, as a CDN serves a video; prints ``PORT <n>`` once listening. The emulator speaks plain http
only, and the real video host is https: this measures the TLS path (the client's record reads, decryption)."""

from __future__ import annotations

import argparse
import socket
import ssl
import threading

_PIECE = bytes(1 << 20)


def _answer(tls: ssl.SSLContext, raw: socket.socket, size: int) -> None:
    with raw, tls.wrap_socket(raw, server_side=True) as conn:
        head = b""
        while b"\r\n\r\n" not in head:
            data = conn.recv(65536)
            if not data:
                return
            head += data
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: %d\r\n\r\n" % size)
        for start in range(0, size, len(_PIECE)):
            conn.sendall(_PIECE[: size - start])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--bytes", type=int, required=True)
    args = parser.parse_args()
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(args.cert, args.key)
    listener = socket.create_server(("127.0.0.1", 0))
    print(f"PORT {listener.getsockname()[1]}", flush=True)
    while True:
        raw, _ = listener.accept()
        threading.Thread(target=_answer, args=(tls, raw, args.bytes), daemon=True).start()


if __name__ == "__main__":
    main()
