#!/usr/bin/env python3
"""Holds the read end of a FIFO (the daemon's stderr) without reading it, like a
journald that is stuck: the pipe is shrunk to one page, so a few lines fill it.
Writes the bytes waiting in the pipe to STATUS_FILE every 20 ms. On SIGUSR1 it starts
reading and appends everything to OUT_FILE. Ends by itself after SECONDS.
Usage: stuck_reader.py FIFO STATUS_FILE OUT_FILE SECONDS"""
import fcntl
import os
import select
import signal
import struct
import sys
import termios
import time

F_SETPIPE_SZ = 1031
fifo, status_file, out_file, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # read-write: the open does not wait for a writer
fcntl.fcntl(fd, F_SETPIPE_SZ, 4096)
reading = False


def start_reading(signum, frame):
    global reading
    reading = True


signal.signal(signal.SIGUSR1, start_reading)
out = open(out_file, "ab")
end = time.monotonic() + seconds
while time.monotonic() < end:
    if reading:
        ready, _, _ = select.select([fd], [], [], 0.02)
        if ready:
            try:
                out.write(os.read(fd, 65536))
                out.flush()
            except BlockingIOError:
                pass
    else:
        time.sleep(0.02)
    waiting = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
    with open(status_file + ".tmp", "w") as status:
        status.write("%d %s\n" % (waiting, "reading" if reading else "stuck"))
    os.replace(status_file + ".tmp", status_file)
