#!/usr/bin/env python3
"""Drives bench.html in a relocated headless Chromium on a machine without Node or Playwright (the
lent GPU machine): serves the built app, opens one Chromium per (pack, backend) page, and collects
what the page POSTs to /__result (bench/page.ts, ?report=). Writes one results JSON in the shape
bench/run.ts writes, plus a `device` block. Python standard library only.

With --app, it also times the app's own cold start (index.html?backend=B, fresh profile): the server
injects a small script into index.html that POSTs, once the first real (non-example) recommendation
is on screen, performance.now() (ms since navigation start) and the header's backend/reason, the same
DOM condition bench/run.ts waits for; bytes are the Content-Length headers served meanwhile.

usage: drive.py --dist DIR --chromium BIN --out FILE [--deadline-s 280] [--flags "..."] [--log FILE]
       [--only webgpu,wasm] [--app webgpu,wasm,auto]
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

# Served as /__appprobe.js and linked from index.html for --app pages (never written into the built
# files; a same-origin file because the app's CSP forbids inline scripts): polls the DOM like
# bench/run.ts appColdStart and reports once.
APP_PROBE = b"""(function () {
  var q = new URLSearchParams(location.search), done = false;
  function text(id) { var e = document.querySelector('[data-testid="' + id + '"]'); return e ? e.textContent : null; }
  function tick() {
    if (done) return;
    if (document.querySelector('[data-testid="sequential-results"] li') && !document.querySelector('[data-testid="example-badge"]')) {
      done = true;
      var ms = performance.now();
      fetch('/__result', { method: 'POST', body: JSON.stringify({ requested: q.get('backend') || 'auto', backend: text('backend-name'), reason: text('backend-reason'), pageLoadToFirstRecommendationMs: Math.round(ms), measuredFrom: 'navigation start (performance.now in the page)' }) });
      return;
    }
    setTimeout(tick, 50);
  }
  tick();
})();
"""

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


def make_handler(root, results, served):
    class Handler(http.server.SimpleHTTPRequestHandler):
        extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm", ".js": "text/javascript", ".mjs": "text/javascript", ".json": "application/json"}

        def __init__(self, *a, **kw):
            super().__init__(*a, directory=root, **kw)

        def send_header(self, keyword, value):
            if keyword.lower() == "content-length":
                served[0] += int(value)
            super().send_header(keyword, value)

        def send_body(self, body, content_type):
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            u = urllib.parse.urlparse(self.path)
            if u.path == "/__appprobe.js":
                return self.send_body(APP_PROBE, "text/javascript")
            if u.path in ("/", "/index.html") and "__app=1" in u.query:
                with open(os.path.join(root, "index.html"), "rb") as f:
                    html = f.read().replace(b"</head>", b'<script src="/__appprobe.js"></script></head>', 1)
                return self.send_body(html, "text/html; charset=utf-8")
            super().do_GET()

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
    ap.add_argument("--app", default="", help="comma list of backends (webgpu, wasm, auto) for the app's cold start (index.html), after the bench pages")
    ap.add_argument("--device", default="{}", help="JSON object describing the machine, stored as `device`")
    o = ap.parse_args()
    t_start = time.time()
    results = queue.Queue()
    served = [0]
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), make_handler(o.dist, results, served))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{PORT}/"
    flags = o.flags.split()
    logf = open(o.log or os.devnull, "a")
    device = json.loads(o.device)
    record = {"date": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()), "machine": device.get("machine", "?"), "device": device, "pages": [], "app": [], "node": {}, "command": " ".join(sys.argv)}

    def page(query, timeout, url=None):
        user_dir = tempfile.mkdtemp(prefix="pb-chrome-")
        while not results.empty():
            results.get_nowait()
        served[0] = 0
        p = launch(o.chromium, flags, url or f"{base}bench.html?{query}&report=/__result", logf, user_dir)
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
        if url:
            value["bytes"] = served[0]
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
    for b in filter(None, o.app.split(",")):
        left = o.deadline_s - (time.time() - t_start)
        if left < 20:
            record["app"].append({"requested": b, "error": f"skipped: the run's {o.deadline_s:.0f} s deadline was reached"})
            continue
        print(f"[drive] app cold start, backend {b} (timeout {min(60, left):.0f} s)", flush=True)
        q = "__app=1" + ("" if b == "auto" else f"&backend={b}")
        v = page(q, min(60, left), url=f"{base}index.html?{q}")
        v.setdefault("requested", b)
        record["app"].append(v)
        print(json.dumps(v), flush=True)
        with open(o.out, "w") as f:
            json.dump(record, f, indent=1)
    record["wallS"] = round(time.time() - t_start, 1)
    with open(o.out, "w") as f:
        json.dump(record, f, indent=1)
    srv.shutdown()


if __name__ == "__main__":
    main()
