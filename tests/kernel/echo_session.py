#!/usr/bin/env python3
"""Long-lived TCP sessions for test_firewall_repair_conntrack.sh: does a connection
that is already open still carry data?

  server PORT...            a line echo server on [::]:PORT (dual stack) for every PORT,
                            a thread per connection; prints "listening" when bound
  client ADDR PORT [INTERVAL_S]
                            connects (prints "connected", or "failed ERRNO" and exits 1),
                            then sends a numbered line every INTERVAL_S (default 0.05):
                            "S SEQ" when sent, "R SEQ" when its echo came back, "closed"
                            when the server or the kernel ended the connection.
                            Runs until SIGTERM/SIGINT.
  pushserver PORT           on [::]:PORT, sends every connection a numbered line every
                            50 ms without being asked (a server that pushes data)
  reader ADDR PORT          connects, prints "connected", then "R LINE" for every line
                            received and "closed" at the end; sends nothing
"""
import signal
import socket
import sys
import threading
import time


def serve(listener):
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=echo, args=(conn,), daemon=True).start()


def echo(conn):
    with conn:
        while True:
            data = conn.recv(4096)
            if not data:
                return
            conn.sendall(data)


def cmd_server(ports):
    for port in ports:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", int(port)))
        s.listen(64)
        threading.Thread(target=serve, args=(s,), daemon=True).start()
    print("listening " + " ".join(ports), flush=True)
    signal.sigwait([signal.SIGTERM, signal.SIGINT])


def send_numbered(sock, interval, sent=lambda seq: None):
    """Sends "1", "2", ... each on a line of its own, every INTERVAL seconds, until the connection fails."""
    seq = 0
    while True:
        seq += 1
        try:
            sock.sendall(b"%d\n" % seq)
        except OSError:
            return
        sent(seq)
        time.sleep(interval)


def push(conn):
    with conn:
        send_numbered(conn, 0.05)


def cmd_push_server(port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", int(port)))
    s.listen(64)
    print("listening " + port, flush=True)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=push, args=(conn,), daemon=True).start()


def connect(addr, port):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect((addr, int(port)))
    except OSError as e:
        print("failed", e.errno, flush=True)
        sys.exit(1)
    s.settimeout(None)
    print("connected", flush=True)
    return s


def print_lines(s):
    buffered = b""
    while True:
        try:
            data = s.recv(4096)
        except OSError:
            data = b""
        if not data:
            print("closed", flush=True)
            return
        buffered += data
        while b"\n" in buffered:
            line, buffered = buffered.split(b"\n", 1)
            print("R", line.decode(), flush=True)


def cmd_client(addr, port, interval):
    s = connect(addr, port)
    threading.Thread(target=print_lines, args=(s,), daemon=True).start()
    send_numbered(s, interval, lambda seq: print("S", seq, flush=True))
    print("closed", flush=True)


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if len(sys.argv) >= 3 and sys.argv[1] == "server":
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGINT])
        cmd_server(sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "pushserver":
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGINT])
        threading.Thread(target=cmd_push_server, args=(sys.argv[2],), daemon=True).start()
        signal.sigwait([signal.SIGTERM, signal.SIGINT])
    elif len(sys.argv) == 4 and sys.argv[1] == "reader":
        print_lines(connect(sys.argv[2], sys.argv[3]))
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "client":
        cmd_client(sys.argv[2], sys.argv[3], float(sys.argv[4]) if len(sys.argv) == 5 else 0.05)
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
