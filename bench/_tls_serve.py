"""A file server over TLS on loopback for the download benchmark: every GET gets ``--bytes`` zero bytes with a
Content-Length, as a CDN serves a video; prints ``PORT <n>`` once listening. The emulator speaks plain http
only, and the real video host is https: this measures the TLS path (the client's record reads, decryption)."""

from __future__ import annotations

import argparse
import socket
import ssl
import subprocess
import threading
from pathlib import Path

_PIECE = bytes(1 << 20)


def self_signed(directory: Path, names: str = "DNS:localhost,IP:127.0.0.1") -> tuple[Path, Path]:
    """A certificate for ``names`` (a subjectAltName value) and its key in ``directory``, made with the openssl
    command (the tests' TLS servers use it too)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
            "-addext", f"subjectAltName={names}",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


def read_head(conn: socket.socket) -> bytes:
    """A request's bytes up to the end of its headers (or all there was, if the client closed first)."""
    head = b""
    while b"\r\n\r\n" not in head and (data := conn.recv(65536)):
        head += data
    return head


def _answer(tls: ssl.SSLContext, raw: socket.socket, size: int) -> None:
    with raw, tls.wrap_socket(raw, server_side=True) as conn:
        if not read_head(conn).endswith(b"\r\n\r\n"):
            return
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
