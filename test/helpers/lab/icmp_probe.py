#!/usr/bin/env python3
"""ICMP echo prober for the kernel lab (stdlib only): node has no ICMP sockets, so
this one probe kind is sent from Python. Same request/answer JSON as probe.mjs:
stdin {"timeoutMs","probes":[{"id","src","dst","sport"}]}, stdout a JSON array of
{"id","result","code"?,"answer"?,"ms","sport"} where sport is the echo identifier
(asked for, or chosen by the kernel for 0): it identifies the probe in the trace.
Uses unprivileged ping sockets (the lab sets net.ipv4.ping_group_range)."""
import errno
import json
import selectors
import socket
import struct
import sys
import time

IP_RECVERR, IPV6_RECVERR = 11, 25
REFUSED = {errno.ECONNREFUSED, errno.ECONNRESET}
UNREACH = {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EACCES, errno.EPERM, errno.EPROTO}


def classify(err):
    return "refused" if err in REFUSED else "unreachable" if err in UNREACH else "error"


def main():
    req = json.load(sys.stdin)
    timeout = req.get("timeoutMs", 250) / 1000
    sel = selectors.DefaultSelector()
    out = {}
    t0 = {}
    for p in req["probes"]:
        v6 = ":" in p["dst"]
        t0[p["id"]] = time.monotonic()
        try:
            s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM,
                              socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP)
            s.setsockopt(*((socket.IPPROTO_IPV6, IPV6_RECVERR) if v6 else (socket.SOL_IP, IP_RECVERR)), 1)
            s.setblocking(False)
            s.bind((p["src"], p.get("sport", 0)))  # a ping socket's port is the echo id
            s.connect((p["dst"], 0))
            s.send(struct.pack("!BBHHH", 128 if v6 else 8, 0, 0, 0, 1) + b"dockwall-lab")
        except OSError as e:
            out[p["id"]] = {"id": p["id"], "result": classify(e.errno), "code": errno.errorcode.get(e.errno, str(e.errno)), "ms": 0}
            continue
        out[p["id"]] = {"id": p["id"], "sport": s.getsockname()[1]}
        sel.register(s, selectors.EVENT_READ, p["id"])
    deadline = time.monotonic() + timeout
    while sel.get_map():
        left = deadline - time.monotonic()
        if left <= 0:
            break
        for key, _ in sel.select(left):
            s, pid = key.fileobj, key.data
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            r = out[pid]
            if err:
                r.update(result=classify(err), code=errno.errorcode.get(err, str(err)))
            else:
                try:
                    s.recv(2048)
                    r.update(result="open", answer="icmp-echo-reply")
                except OSError as e:
                    r.update(result=classify(e.errno), code=errno.errorcode.get(e.errno, str(e.errno)))
            r["ms"] = round((time.monotonic() - t0[pid]) * 1000, 3)
            sel.unregister(s)
            s.close()
    for key in list(sel.get_map().values()):
        out[key.data].update(result="timeout", ms=round(timeout * 1000, 3))
        key.fileobj.close()
    print(json.dumps([out[p["id"]] for p in req["probes"]]))


if __name__ == "__main__":
    main()
