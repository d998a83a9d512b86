#!/usr/bin/env python3
"""Captures the seed corpus of netlink_fuzz (tests/fuzz/corpus/netlink/) from a real kernel.

Run as root; everything happens in a private network namespace that is deleted at the
end, the host's links are never touched:
    sudo python3 tests/fuzz/make_netlink_seeds.py tests/fuzz/corpus/netlink
A bridge with a veth port, IPv4/IPv6 addresses and default routes are set up in the
namespace; RTM_GETLINK/GETADDR/GETROUTE dumps are saved one message per file, plus one
whole dump datagram, and the RTM_DELLINK events (AF_UNSPEC and the bridge's AF_BRIDGE
one) that releasing and deleting the port sends.
"""
import os
import socket
import struct
import subprocess
import sys

NS = "fz-seeds"
RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK = 16, 17, 18
RTM_GETADDR, RTM_GETROUTE = 22, 26
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_DONE = 3
RTMGRP_LINK = 1


def ip(*args):
    subprocess.run(["ip", "-n", NS, *args], check=True)


def messages(datagram):
    offset = 0
    while offset + 16 <= len(datagram):
        length, kind = struct.unpack_from("=IH", datagram, offset)
        if length < 16 or offset + length > len(datagram):
            break
        yield kind, datagram[offset:offset + length]
        offset += (length + 3) & ~3


def dump(sock, kind, family, header_len):
    request = struct.pack("=IHHII", 16 + header_len, kind, NLM_F_REQUEST | NLM_F_DUMP, 1, 0)
    request += bytes([family]) + bytes(header_len - 1)
    sock.send(request)
    datagrams = []
    while True:
        data = sock.recv(65536)
        datagrams.append(data)
        if any(k == NLMSG_DONE for k, _ in messages(data)):
            return datagrams


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    subprocess.run(["ip", "netns", "add", NS], check=True)
    try:
        ip("link", "set", "lo", "up")
        ip("link", "add", "br-fz", "type", "bridge")
        ip("link", "add", "fz0", "type", "veth", "peer", "name", "fz1")
        ip("link", "set", "fz0", "master", "br-fz")
        for name in ("br-fz", "fz0", "fz1"):
            ip("link", "set", name, "up")
        ip("addr", "add", "192.0.2.1/24", "dev", "br-fz")
        ip("addr", "add", "2001:db8::1/64", "dev", "br-fz", "nodad")
        ip("route", "add", "default", "via", "192.0.2.254", "dev", "br-fz")
        ip("-6", "route", "add", "default", "via", "2001:db8::fe", "dev", "br-fz")

        # The capture itself runs inside the namespace (its sockets and its `ip` calls).
        subprocess.run(["ip", "netns", "exec", NS, sys.executable, os.path.abspath(__file__),
                        "--capture", os.path.abspath(out_dir)], check=True)
    finally:
        subprocess.run(["ip", "netns", "del", NS], check=False)


def save(out_dir, name, data):
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(data)


def capture(out_dir):
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    sock.bind((0, 0))
    # ifinfomsg 16 bytes, ifaddrmsg 8, rtmsg 12.
    for kind, family, header_len, prefix in (
        (RTM_GETLINK, socket.AF_UNSPEC, 16, "link"),
        (RTM_GETADDR, socket.AF_UNSPEC, 8, "addr"),
        (RTM_GETROUTE, socket.AF_INET, 12, "route4"),
        (RTM_GETROUTE, socket.AF_INET6, 12, "route6"),
    ):
        datagrams = dump(sock, kind, family, header_len)
        if prefix == "link":
            save(out_dir, "dump_link_datagram.bin", datagrams[0])
        n = 0
        for data in datagrams:
            for k, message in messages(data):
                if k == NLMSG_DONE:
                    continue
                save(out_dir, f"{prefix}_{n}.bin", message)
                n += 1
    events = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    events.bind((0, RTMGRP_LINK))
    subprocess.run(["ip", "link", "set", "fz0", "nomaster"], check=True)
    subprocess.run(["ip", "link", "del", "fz0"], check=True)
    events.settimeout(1.0)
    n = 0
    try:
        while True:
            for k, message in messages(events.recv(65536)):
                family = message[16]
                tag = {RTM_NEWLINK: "newlink", RTM_DELLINK: "dellink"}.get(k, f"type{k}")
                tag += "_bridge" if family == socket.AF_BRIDGE else ""
                save(out_dir, f"event_{tag}_{n}.bin", message)
                n += 1
    except socket.timeout:
        pass


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--capture":
        capture(sys.argv[2])
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus/netlink")
