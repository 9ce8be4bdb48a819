#!/usr/bin/env python3
"""Drives bench.html in a relocated headless Chromium on a machine without Node or Playwright (the
lent GPU machine): serves the built app, opens one Chromium per (pack, backend) page, and collects
what the page POSTs to /__result (src/bench/page.ts, ?report=). Writes one results JSON in the shape
bench/run.ts writes, plus a `device` block. Python standard library only.

usage: drive.py --dist DIR --chromium BIN --out FILE [--deadline-s 280] [--flags "..."] [--log FILE]
"""
import argparse
import http.server
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

PORT = 4179

# (pack param, name in the results, backend, cycles, reps, timeout s). Order = priority: the GPU
# rows first, then the same-machine WASM baseline, then WebGL.
JOBS = [
    ("models/beauty/", "beauty", "webgpu", 100, 5, 90),
    ("random:t5-small", "t5-small", "webgpu", 20, 3, 150),
    ("models/beauty/", "beauty", "wasm", 100, 5, 90),
    ("random:t5-small", "t5-small", "wasm", 3, 2, 180),
    ("models/beauty/", "beauty", "webgl", 100, 5, 90),
    ("random:t5-small", "t5-small", "webgl", 10, 2, 150),
]


def make_handler(root, results):
    class Handler(http.server.SimpleHTTPRequestHandler):
        extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm", ".js": "text/javascript", ".mjs": "text/javascript", ".json": "application/json"}

        def __init__(self, *a, **kw):
            super().__init__(*a, directory=root, **kw)

        def do_POST(self):
            n = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(n)
            self.send_response(204)
            self.end_headers()
            if urllib.parse.urlparse(self.path).path == "/__result":
                results.put(body.decode("utf-8", "replace"))

        def log_message(self, *a):
            pass

    return Handler


def launch(chromium, flags, url, logf, user_dir):
    args = [chromium, *flags, f"--user-data-dir={user_dir}", url]
    logf.write(f"\n=== {time.strftime('%H:%M:%S')} {' '.join(args)}\n")
    logf.flush()
    return subprocess.Popen(args, stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)


def stop(p):
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dist", required=True)
    ap.add_argument("--chromium", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--log", default=None)
    ap.add_argument("--deadline-s", type=float, default=280)
    ap.add_argument("--flags", default="")
    ap.add_argument("--alt-flags", default="", help="'|'-separated extra flag sets, tried in order when --flags gives no hardware WebGPU adapter")
    ap.add_argument("--only", default="", help="comma list of backend names to run (default all)")
    ap.add_argument("--device", default="{}", help="JSON object describing the machine, stored as `device`")
    o = ap.parse_args()
    t_start = time.time()
    results = queue.Queue()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), make_handler(o.dist, results))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{PORT}/"
    flags = o.flags.split()
    logf = open(o.log or os.devnull, "a")
    device = json.loads(o.device)
    record = {"date": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()), "machine": device.get("machine", "?"), "device": device, "pages": [], "app": [], "node": {}, "command": " ".join(sys.argv)}

    def page(query, timeout):
        user_dir = tempfile.mkdtemp(prefix="pb-chrome-")
        while not results.empty():
            results.get_nowait()
        p = launch(o.chromium, flags, f"{base}bench.html?{query}&report=/__result", logf, user_dir)
        t0 = time.time()
        value = None
        try:
            # Poll so that a Chromium that dies early does not cost the whole timeout.
            while value is None and time.time() - t0 < timeout:
                try:
                    value = json.loads(results.get(timeout=1))
                except queue.Empty:
                    if p.poll() is not None:
                        try:
                            value = json.loads(results.get(timeout=2))
                        except queue.Empty:
                            value = {"error": f"chromium exited with {p.returncode} after {time.time() - t0:.0f} s without a result (see chromium.log)"}
            if value is None:
                value = {"error": f"no result within {timeout:.0f} s"}
        finally:
            stop(p)
            shutil.rmtree(user_dir, ignore_errors=True)
        value["wallS"] = round(time.time() - t0, 2)
        return value

    def hardware(p):
        return p.get("webgpuAdapter") == "present" and not p.get("adapter_isFallbackAdapter")

    probe = page("probe=1&waitAdapter=20", 40)
    probe["flags"] = " ".join(flags)
    record["probes"] = [probe]
    print(json.dumps({"probe": probe}, indent=1), flush=True)
    for alt in filter(None, (a.strip() for a in o.alt_flags.split("|"))):
        if hardware(probe):
            break
        flags = alt.split()
        probe = page("probe=1&waitAdapter=20", 40)
        probe["flags"] = alt
        record["probes"].append(probe)
        print(json.dumps({"probe": probe}, indent=1), flush=True)
    if not hardware(probe):
        flags = o.flags.split()
        probe = record["probes"][0]
    record["probe"] = probe
    record["device"]["flags"] = " ".join(flags)
    only = set(filter(None, o.only.split(",")))
    for pack, name, backend, cycles, reps, timeout in JOBS:
        if only and backend not in only:
            continue
        left = o.deadline_s - (time.time() - t_start)
        if left < 20:
            record["pages"].append({"backend": backend, "pack": name, "error": f"skipped: the run's {o.deadline_s:.0f} s deadline was reached"})
            continue
        q = urllib.parse.urlencode({"backend": backend, "pack": pack, "cycles": cycles, "reps": reps, "gpuFacts": 1, "waitAdapter": 20})
        print(f"[drive] {name} on {backend} (cycles {cycles}, reps {reps}, timeout {min(timeout, left):.0f} s)", flush=True)
        v = page(q, min(timeout, left))
        if "error" in v:
            v.setdefault("backend", backend)
            v["pack"] = name
        v["packName"] = name
        record["pages"].append(v)
        print(json.dumps({k: v.get(k) for k in ("packName", "backend", "adapter", "error", "loadMs", "generateMs", "nextItemBeam20Ms", "topn100Ms", "explanationGreedyTokPerS", "bestMatmulGflops", "encoderGflops", "cycleMedianApproxMs", "wallS")}), flush=True)
        with open(o.out, "w") as f:
            json.dump(record, f, indent=1)
    record["wallS"] = round(time.time() - t_start, 1)
    with open(o.out, "w") as f:
        json.dump(record, f, indent=1)
    srv.shutdown()


if __name__ == "__main__":
    main()
