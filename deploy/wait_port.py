"""Wait until a TCP port accepts connections: ``python -m deploy.wait_port HOST PORT SECONDS``."""

import socket
import sys
import time


def main(host: str, port: str, seconds: str) -> None:
    deadline = time.monotonic() + float(seconds)
    while True:
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"nothing listening on {host}:{port} after {seconds} s") from None
            time.sleep(0.5)


if __name__ == "__main__":
    main(*sys.argv[1:])
