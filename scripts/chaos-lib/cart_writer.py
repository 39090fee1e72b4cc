#!/usr/bin/python3
"""The lost-write checker of scripts/staging chaos (issue 20): cart adds at a steady rate through
the edge, every 201 recorded, every cart read back afterwards.

Each add is one logical write with its own Idempotency-Key (CONTRACT: the same key from the same
session adds nothing again and answers as the first request did). An attempt whose answer is lost
(timeout, reset, 5xx) is retried with the same key until a 201 or a 4xx answers it, so an add that
committed before its answer was lost can be told apart from one that did not, by the server.
Sessions are 40-character tokens (as legacy front ends send), each within the cart's bounds (at most
10 units of one sku, 100 skus; --units, --skus-per-session).

At the end every session's cart is read (GET /cart) and compared with what was acknowledged:
  lost        units acknowledged (201) that the cart does not hold
  duplicated  units the cart holds beyond what was acknowledged and what may have committed without
              an answer (adds given up on after --give-up seconds)
The cart's unavailable window: the longest span from a failed attempt to the next 201 of any
session, with no 201 in between.

usage: cart_writer.py --url URL --ca FILE --skus FILE --prefix P --duration S --out FILE
       [--rate ADDS_PER_S] [--workers N] [--sessions N] [--units N] [--skus-per-session N]
       [--timeout S] [--give-up S]
"""
import argparse
import http.client
import json
import random
import secrets
import socket
import ssl
import sys
import threading
import time
import urllib.parse


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--skus", required=True)
    p.add_argument("--prefix", required=True, help="session token prefix (the run's stamp)")
    p.add_argument("--duration", type=float, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--rate", type=float, default=40.0)
    p.add_argument("--workers", type=int, default=8)
    p.add_argument("--sessions", type=int, default=400)
    p.add_argument("--units", type=int, default=3, help="units of one sku per session (<= 10)")
    p.add_argument("--skus-per-session", type=int, default=20, help="<= 100")
    p.add_argument("--timeout", type=float, default=5.0)
    p.add_argument("--give-up", type=float, default=90.0)
    return p.parse_args()


class Client:
    """One keep-alive HTTPS connection, opened again after any failure."""

    def __init__(self, url, ca, timeout):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port or 443
        self.ctx = ssl.create_default_context(cafile=ca)
        self.ctx.check_hostname = False  # the certificate names lb.staging and its address
        self.timeout = timeout
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        if self.conn is None:
            self.conn = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                                    context=self.ctx)
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            r = self.conn.getresponse()
            data = r.read()
            if r.getheader("Connection", "").lower() == "close":
                self.close()
            return r.status, data
        except (OSError, http.client.HTTPException, socket.timeout):
            self.close()
            raise

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def pct(values, f):
    if not values:
        return 0.0
    v = sorted(values)
    return v[min(len(v) - 1, int(f * len(v)))]


def token(prefix, i):
    # 40 characters: the prefix, then the session number, padded with a fixed hex filler.
    t = f"{prefix}-{i:05d}-"
    return (t + "0123456789abcdef" * 3)[:40]


def main():
    a = parse_args()
    skus = [int(x) for x in open(a.skus).read().split()]
    if not skus:
        sys.exit("no skus")
    assert a.units <= 10 and a.skus_per_session <= 100
    assert len(a.prefix) <= 24, "the prefix and session number must fit in 40 characters"
    rng = random.Random()
    sessions = []
    for i in range(a.sessions):
        sessions.append({"token": token(a.prefix, i),
                         "skus": rng.sample(skus, min(a.skus_per_session, len(skus))),
                         "planned": {}, "acked": {}, "unresolved": {}})
    lock = threading.Lock()
    events = []  # (time, ok) of every attempt: ok at its answer, a failure at its start
    latencies = []  # seconds from an add's first attempt to its 201, retries included
    stats = {"adds": 0, "acked": 0, "rejected": {}, "retried_adds": 0, "attempts": 0,
             "failed_attempts": {}, "unresolved": 0, "exhausted_sessions": 0}
    t_start = time.time()
    t_end = t_start + a.duration
    interval = a.workers / a.rate

    def note(key, d):
        d[key] = d.get(key, 0) + 1

    def worker(w):
        client = Client(a.url, a.ca, a.timeout)
        mine = sessions[w::a.workers]
        next_at = time.time() + rng.random() * interval
        while True:
            now = time.time()
            if now >= t_end:
                break
            if next_at > now:
                time.sleep(next_at - now)
            next_at += interval
            s = rng.choice(mine)
            free = [k for k in s["skus"] if s["planned"].get(k, 0) < a.units]
            if not free:
                with lock:
                    stats["exhausted_sessions"] += 1
                continue
            sku = rng.choice(free)
            s["planned"][sku] = s["planned"].get(sku, 0) + 1
            key = secrets.token_hex(16)
            headers = {"Content-Type": "application/json", "Authorization": s["token"],
                       "Idempotency-Key": key}
            body = json.dumps({"sku_id": sku})
            first = time.time()
            tries = 0
            outcome = None
            while time.time() - first < a.give_up:
                tries += 1
                started = time.time()
                try:
                    status, _ = client.request("POST", "/cart", body, headers)
                except Exception as e:  # the answer is lost: retry with the same key
                    status = type(e).__name__
                with lock:
                    stats["attempts"] += 1
                    if status == 201:
                        events.append((time.time(), True))
                    else:
                        events.append((started, False))
                        note(str(status), stats["failed_attempts"])
                if status == 201:
                    outcome = "acked"
                    with lock:
                        latencies.append(time.time() - first)
                    break
                if isinstance(status, int) and 400 <= status < 500 and status not in (408, 429):
                    outcome = f"rejected {status}"
                    break
                time.sleep(0.25)
            with lock:
                stats["adds"] += 1
                if tries > 1:
                    stats["retried_adds"] += 1
                if outcome == "acked":
                    stats["acked"] += 1
                    s["acked"][sku] = s["acked"].get(sku, 0) + 1
                elif outcome is None:
                    stats["unresolved"] += 1
                    s["unresolved"][sku] = s["unresolved"].get(sku, 0) + 1
                else:
                    note(outcome, stats["rejected"])
        client.close()

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(a.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    load_end = time.time()

    # Every cart read back (retried until it answers 200).
    client = Client(a.url, a.ca, a.timeout)
    lost = duplicated = unacked_present = read_failures = 0
    detail = []
    for s in sessions:
        if not s["planned"]:
            continue
        cart = None
        for _ in range(120):
            try:
                status, data = client.request("GET", "/cart", headers={"Authorization": s["token"]})
                if status == 200:
                    cart = {int(e["sku_id"]): int(e["count"]) for e in json.loads(data)}
                    break
            except Exception:
                pass
            read_failures += 1
            time.sleep(0.5)
        if cart is None:
            sys.exit(f"could not read the cart of {s['token']}")
        for sku in set(cart) | set(s["acked"]) | set(s["unresolved"]):
            have, acked, maybe = cart.get(sku, 0), s["acked"].get(sku, 0), s["unresolved"].get(sku, 0)
            if have < acked:
                lost += acked - have
                detail.append({"session": s["token"], "sku": sku, "acked": acked, "cart": have})
            elif have > acked + maybe:
                duplicated += have - acked - maybe
                detail.append({"session": s["token"], "sku": sku, "acked": acked, "cart": have})
            else:
                unacked_present += have - acked

    # The unavailable window(s): from a failed attempt to the next 201, no 201 in between.
    events.sort()
    windows = []
    fail_start = None
    for t, ok in events:
        if not ok and fail_start is None:
            fail_start = t
        elif ok and fail_start is not None:
            windows.append((fail_start, t))
            fail_start = None
    if fail_start is not None:
        windows.append((fail_start, load_end))
    longest = max((e - b for b, e in windows), default=0.0)
    result = {
        "adds": stats["adds"], "acknowledged": stats["acked"], "lost": lost,
        "duplicated": duplicated, "unresolved_adds": stats["unresolved"],
        "unacknowledged_but_present": unacked_present, "rejected": stats["rejected"],
        "retried_adds": stats["retried_adds"], "attempts": stats["attempts"],
        "failed_attempts": stats["failed_attempts"],
        "cart_unavailable_s": round(longest, 2),
        "add_latency_ms": {q: round(1000 * pct(latencies, f), 1) for q, f in
                           (("p50", 0.5), ("p99", 0.99), ("max", 1.0))},
        "unavailable_windows": [[round(b - t_start, 2), round(e - b, 2)] for b, e in windows],
        "cart_read_retries": read_failures, "sessions": sum(1 for s in sessions if s["planned"]),
        "rate": a.rate, "duration_s": round(load_end - t_start, 1), "started_at_ms": int(t_start * 1000),
        "mismatches": detail[:20],
    }
    with open(a.out, "w") as f:
        json.dump(result, f)
    print(json.dumps({k: result[k] for k in ("acknowledged", "lost", "duplicated", "cart_unavailable_s")}))


if __name__ == "__main__":
    main()
