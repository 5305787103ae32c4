#!/usr/bin/env python3
"""A small crmd client in Python, using only the standard library.

crmd speaks JSON-RPC 2.0, one JSON message per line over TCP; docs/openrpc.json describes every
method (generate a typed client from it in any language). This example connects, says hello with a
token, pushes one shop event and reads the member it made:

    python3 examples/python/crm_client.py --server 127.0.0.1:7420 --token crm_... --shop sh01

CRM_SERVER and CRM_TOKEN are read when the options are not given, as crmctl does.
"""
import argparse
import json
import os
import socket
import sys


class RPCError(Exception):
    """An error reply: code, message and the stable reason word in data.reason."""

    def __init__(self, error):
        super().__init__(error.get("message", "error"))
        self.code = error.get("code")
        self.reason = (error.get("data") or {}).get("reason")


class Client:
    """One connection to crmd; calls are sent one at a time and answered in order."""

    MAX_LINE = 1 << 20  # crmd's default line limit

    def __init__(self, host, port, timeout=30):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.reader = self.sock.makefile("rb")
        self.next_id = 0

    def call(self, method, params=None):
        self.next_id += 1
        request = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params or {}}
        self.sock.sendall(json.dumps(request, ensure_ascii=False).encode("utf-8") + b"\n")
        line = self.reader.readline(self.MAX_LINE + 1)
        if not line:
            raise ConnectionError("crmd closed the connection")
        reply = json.loads(line)
        if reply.get("id") != self.next_id:
            raise ConnectionError("reply to another request: %r" % reply.get("id"))
        if "error" in reply:
            raise RPCError(reply["error"])
        return reply["result"]

    def close(self):
        self.reader.close()
        self.sock.close()


def main():
    parser = argparse.ArgumentParser(description="connect, hello, push, member.get")
    parser.add_argument("--server", default=os.environ.get("CRM_SERVER", "127.0.0.1:7420"))
    parser.add_argument("--token", default=os.environ.get("CRM_TOKEN"))
    parser.add_argument("--shop", default="sh01")
    args = parser.parse_args()
    if not args.token:
        parser.error("a token is needed: --token or CRM_TOKEN")
    host, _, port = args.server.rpartition(":")
    client = Client(host or "127.0.0.1", int(port))
    try:
        hello = client.call("session.hello", {"token": args.token, "client": "python-example/1.0"})
        print("hello: role %s, server %s" % (hello["role"], hello["server"]))
        methods = [m["name"] for m in client.call("rpc.discover")["methods"]]
        print("methods: %d, among them member.get: %s" % (len(methods), "member.get" in methods))
        event = {
            "id": "py-example-1",
            "type": "member.upsert",
            "channel": "web",
            "occurred_at": "2026-11-27T10:00:00+08:00",
            "member": {"external_id": "py-1", "name": "李雷", "phone": "13900139000"},
        }
        pushed = client.call("sync.push", {"shop": args.shop, "events": [event]})
        result = pushed["results"][0]
        print("push: %s, member %s" % (result["status"], result.get("member_id")))
        member = client.call("member.get", {"member_id": result["member_id"]})
        print("member.get: %s %s, %d points" % (member["name"], member["phone"], member["points"]["balance"]))
        try:
            client.call("member.get", {"member_id": "not-a-number"})
        except RPCError as e:
            print("a bad id is refused: %s %s" % (e.code, e.reason))
    finally:
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
