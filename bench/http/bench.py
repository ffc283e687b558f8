#!/usr/bin/env python3
"""HTTP benchmark of a running Chainrule service with wrk; started by bench/http/run.sh (see bench/README.md).

run.sh builds the jar, starts the service on a free loopback port and stops it; this script does the rest:
defines and trains an MNIST-shaped model through the API, writes the request bodies, runs wrk against four
endpoints at each connection count, reads the service's own metrics around every run, and writes the
results as Markdown. All traffic goes to the --base URL, which run.sh sets to 127.0.0.1; every wrk run is
bounded by its duration (and a subprocess timeout), every poll by a deadline.
"""
import argparse
import datetime
import glob
import gzip
import json
import os
import platform
import re
import resource
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CLK_TCK = os.sysconf("SC_CLK_TCK")

# The endpoints, in the order they run at each connection count. The two GETs are cheap existing endpoints that
# neither parse a body nor compute anything; the two dry-runs (POST /models/{id}/predict/dry-run) read and check the
# same bodies as predict through the same converter, and skip only the forward pass: the framework's ceiling for a
# predict. All go through the same Jetty connector, servlet filters (ApiKeyFilter, RequestSizeLimitFilter,
# Spring's observation filter), DispatcherServlet and Jackson.
ENDPOINTS = [
    {"key": "liveness", "label": "GET /actuator/health/liveness (no-op)", "method": "GET", "rows": 0,
     "path": "/actuator/health/liveness", "uri": "/actuator/health/**"},
    {"key": "model", "label": "GET /models/{id} (no-op)", "method": "GET", "rows": 0,
     "path": "/models/{id}", "uri": "/models/{id}"},
    {"key": "dryrun1", "label": "POST predict/dry-run, 1 row (no-op with predict's body)", "method": "POST", "rows": 0,
     "path": "/models/{id}/predict/dry-run", "uri": "/models/{id}/predict/dry-run", "body": "predict-1.json"},
    {"key": "dryrun128", "label": "POST predict/dry-run, 128 rows (no-op with predict's body)", "method": "POST",
     "rows": 0, "path": "/models/{id}/predict/dry-run", "uri": "/models/{id}/predict/dry-run", "body": "predict-128.json"},
    {"key": "predict1", "label": "POST predict, 1 row", "method": "POST", "rows": 1,
     "path": "/models/{id}/predict", "uri": "/models/{id}/predict", "body": "predict-1.json"},
    {"key": "predict128", "label": "POST predict, 128 rows", "method": "POST", "rows": 128,
     "path": "/models/{id}/predict", "uri": "/models/{id}/predict", "body": "predict-128.json"},
    # the same 128 rows as little-endian float32 (application/octet-stream): predict without parsing text
    {"key": "dryrun128f32", "label": "POST predict/dry-run, 128 rows as float32 (no-op with predict's body)",
     "method": "POST", "rows": 0, "path": "/models/{id}/predict/dry-run", "uri": "/models/{id}/predict/dry-run",
     "body": "predict-128.f32", "content_type": "application/octet-stream"},
    {"key": "predict128f32", "label": "POST predict, 128 rows as float32", "method": "POST", "rows": 128,
     "path": "/models/{id}/predict", "uri": "/models/{id}/predict", "body": "predict-128.f32",
     "content_type": "application/octet-stream"},
]
NOOPS = ("liveness", "model")
# the ceiling each predict is held against: the dry-run of the same body
DRY_RUN_OF = {"predict1": "dryrun1", "predict128": "dryrun128", "predict128f32": "dryrun128f32"}


def log(message):
    print(f"[bench-http] {message}", flush=True)


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def process_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14, 15 of the line)


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# ---------------------------------------------------------------------------------------------- HTTP client

def http(base, method, path, body=None, timeout=60, content_type="application/json"):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": content_type} if data is not None else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def http_json(base, method, path, body=None, expect=(200,), timeout=60):
    status, raw = http(base, method, path, body, timeout)
    if status not in expect:
        raise SystemExit(f"{method} {path} answered {status}: {raw[:500]!r}")
    return json.loads(raw) if raw else None


# ---------------------------------------------------------------------------------------------- MNIST

def read_idx(path, limit):
    with gzip.open(path, "rb") as f:
        magic, count = struct.unpack(">II", f.read(8))
        n = min(limit, count)
        if magic == 2051:
            rows, cols = struct.unpack(">II", f.read(8))
            width = rows * cols
            return [list(f.read(width)) for _ in range(n)]
        if magic == 2049:
            return list(f.read(n))
        raise SystemExit(f"{path}: not an IDX image or label file (magic {magic})")


def pixels(row):
    return [p / 255 for p in row]


def default_data_dir():
    if os.environ.get("CHAINRULE_MNIST_DIR"):
        return os.environ["CHAINRULE_MNIST_DIR"]
    return os.path.join(REPO, "datasets", "mnist")


# ---------------------------------------------------------------------------------------------- Prometheus

METRIC_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?\s+(\S+)')  # "/models/{id}" in a label
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def scrape(base):
    status, raw = http(base, "GET", "/actuator/prometheus", timeout=30)
    if status != 200:
        raise SystemExit(f"GET /actuator/prometheus answered {status}")
    metrics = {}
    for line in raw.decode().splitlines():
        m = METRIC_LINE.match(line)
        if not m or line.startswith("#"):
            continue
        labels = tuple(sorted(LABEL.findall(m.group(2) or "")))
        try:
            metrics[(m.group(1), labels)] = float(m.group(3))
        except ValueError:
            pass
    return metrics


def metric_sum(metrics, name, **match):
    total = 0.0
    for (n, labels), value in metrics.items():
        if n == name and all(dict(labels).get(k) == v for k, v in match.items()):
            total += value
    return total


def buckets(metrics, name):
    """Cumulative histogram buckets as [(upper bound, count)], sorted."""
    out = []
    for (n, labels), value in metrics.items():
        if n == name:
            le = dict(labels).get("le")
            if le is not None:
                out.append((float("inf") if le == "+Inf" else float(le), value))
    return sorted(out)


def bucket_percentile(cumulative, q):
    """The upper bound of the bucket holding the q-th percentile (a histogram gives no finer answer)."""
    if not cumulative or cumulative[-1][1] <= 0:
        return None
    target = q / 100 * cumulative[-1][1]
    for bound, count in cumulative:
        if count >= target:
            return bound
    return cumulative[-1][0]


def delta_buckets(after, before):
    b = dict(before)
    return [(bound, count - b.get(bound, 0.0)) for bound, count in after]


PREDICTION = "chainrule_prediction_latency_seconds"
SERVER = "http_server_requests_seconds"


def snapshot(base, pid):
    return {"metrics": scrape(base), "cpu": process_cpu_seconds(pid), "wrk_cpu": children_cpu_seconds(),
            "load": loadavg(), "time": time.monotonic()}


def deltas(before, after, endpoint):
    mb, ma = before["metrics"], after["metrics"]
    d = lambda name, **kw: metric_sum(ma, name, **kw) - metric_sum(mb, name, **kw)
    out = {
        "server_cpu_s": after["cpu"] - before["cpu"],
        "wrk_cpu_s": after["wrk_cpu"] - before["wrk_cpu"],
        "server_count": d(SERVER + "_count", uri=endpoint["uri"], status="200"),
        "server_sum_s": d(SERVER + "_sum", uri=endpoint["uri"], status="200"),
        "non200_server": sum(d(SERVER + "_count", uri=endpoint["uri"], status=s)
                             for s in {dict(l).get("status") for (n, l) in ma if n == SERVER + "_count"
                                       and dict(l).get("uri") == endpoint["uri"]} if s != "200"),
        "prediction_count": d(PREDICTION + "_count"),
        "prediction_sum_s": d(PREDICTION + "_sum"),
        "prediction_buckets": delta_buckets(buckets(ma, PREDICTION + "_bucket"), buckets(mb, PREDICTION + "_bucket")),
        "gc_pauses": d("jvm_gc_pause_seconds_count"),
        "gc_pause_s": d("jvm_gc_pause_seconds_sum"),
        "gc_pause_max_s": max([v for (n, l), v in ma.items() if n == "jvm_gc_pause_seconds_max"] or [0.0]),
        "allocated_bytes": d("jvm_gc_memory_allocated_bytes_total"),
    }
    return out


# ---------------------------------------------------------------------------------------------- wrk

def wrk(args, base, endpoint, work, connections, duration, record=True):
    threads = max(1, min(args.threads, connections))
    url = base + endpoint["path"].replace("{id}", args.model_id)
    env = dict(os.environ, WRK_METHOD=endpoint["method"],
               WRK_BODY_FILE=os.path.join(work, endpoint["body"]) if endpoint.get("body") else "",
               WRK_CONTENT_TYPE=endpoint.get("content_type", "application/json"))
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", f"--timeout={args.timeout}s",
               "--latency", "-s", os.path.join(HERE, "request.lua"), url]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=duration + 60)
    if result.returncode != 0:
        raise SystemExit(f"wrk failed ({result.returncode}): {result.stderr}\n{result.stdout}")
    line = next((l for l in result.stdout.splitlines() if l.startswith("WRK_JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no summary line:\n{result.stdout}\n{result.stderr}")
    summary = json.loads(line[len("WRK_JSON "):])
    text = "\n".join(l for l in result.stdout.splitlines() if not l.startswith("WRK_JSON "))
    return summary, text, threads


def measure(args, base, endpoint, work, connections):
    if args.warmup > 0:
        wrk(args, base, endpoint, work, connections, args.warmup)
    before = snapshot(base, args.pid)
    summary, text, threads = wrk(args, base, endpoint, work, connections, args.duration)
    after = snapshot(base, args.pid)
    seconds = summary["duration_us"] / 1e6
    requests = summary["requests"]
    e = summary["errors"]
    run = {
        "endpoint": endpoint["key"], "connections": connections, "threads": threads, "seconds": seconds,
        "requests": requests, "rps": requests / seconds, "samples_per_s": requests * endpoint["rows"] / seconds,
        "p50_ms": summary["latency_us"]["percentiles"]["50"] / 1000,
        "p90_ms": summary["latency_us"]["percentiles"]["90"] / 1000,
        "p99_ms": summary["latency_us"]["percentiles"]["99"] / 1000,
        "p999_ms": summary["latency_us"]["percentiles"]["99.9"] / 1000,
        "max_ms": summary["latency_us"]["max"] / 1000,
        "mean_ms": summary["latency_us"]["mean"] / 1000,
        "status_errors": e["status"], "socket_errors": e["connect"] + e["read"] + e["write"] + e["timeout"],
        "errors_detail": e, "bytes_per_response": summary["bytes"] / requests if requests else 0,
        "load_before": before["load"], "load_after": after["load"], "wrk_text": text,
        "command": (f"WRK_METHOD={endpoint['method']}"
                    + (f" WRK_BODY_FILE={endpoint['body']}" if endpoint.get("body") else "")
                    + f" wrk -t{threads} -c{connections} -d{args.duration}s --timeout={args.timeout}s --latency"
                    + f" -s bench/http/request.lua http://127.0.0.1:PORT{endpoint['path']}"),
    }
    run.update(deltas(before, after, endpoint))
    log(f"{endpoint['key']:>10} c={connections:<3} {run['rps']:9.1f} req/s  p50 {run['p50_ms']:7.2f} ms"
        f"  p99 {run['p99_ms']:7.2f} ms  errors {run['status_errors']}+{run['socket_errors']}  load {after['load']}")
    return run


# ---------------------------------------------------------------------------------------------- JFR profile

# Where a sample of a Jetty pool thread belongs. The specific markers are the service's own steps; the
# innermost one on the stack wins (PredictionController.predict holds FeatureRows.toMatrix, PredictionService.predict
# and toFloatMatrix). A stack with none of them goes by its innermost frame of a known component (JDK frames
# skipped), so filters and framework code count where they run, not under everything they call.
SPECIFIC = [
    ("dev.chainrule.prediction.PredictionService.predict", "compute: standardise + forward + copy out (PredictionService.predict)"),
    ("dev.chainrule.api.rows.InstanceRows$Reader.deserialize", "JSON read of the rows into float32 (InstanceRows)"),
    ("dev.chainrule.api.rows.FeatureRows.check", "checks of the rows (FeatureRows.check)"),
    ("dev.chainrule.api.problem.NonFiniteResultException.check", "controller: NaN check of the outputs"),
    (".readWithMessageConverters", "JSON read of the request body, other (Jackson -> PredictRequest)"),
    (".writeWithMessageConverters", "JSON write of the response (Jackson)"),
    ("dev.chainrule.api.prediction.PredictionController.predict", "controller: other (response objects)"),
]
GENERIC = [
    ("dev.chainrule.api.security.ApiKeyFilter", "filters: ApiKeyFilter (own code)"),
    ("dev.chainrule.api.security.RequestSizeLimitFilter", "filters: RequestSizeLimitFilter (own code)"),
    ("dev.chainrule.", "other Chainrule code"),
    ("io.micrometer.", "Micrometer: metrics and observation"),
    ("org.springframework.", "Spring: filters, dispatch, other"),
    ("tools.jackson.", "Jackson, other"),
    ("org.eclipse.jetty.", "Jetty: HTTP parsing, socket I/O, request/response objects"),
    ("org.nd4j.", "ND4J, other"),
    ("org.bytedeco.", "ND4J, other"),
]
CATEGORIES = [c for _, c in SPECIFIC] + list(dict.fromkeys(c for _, c in GENERIC)) + ["other"]


def frame_name(frame):
    method = frame.get("method", {})
    return f"{method.get('type', {}).get('name', '?')}.{method.get('name', '?')}".replace("/", ".")


def classify(frames):
    names = [frame_name(f) for f in frames]  # innermost (leaf) first
    for name in names:
        for marker, category in SPECIFIC:
            if marker in name:
                return category
    for name in names:
        if name.startswith(("java.", "javax.", "jdk.", "sun.", "jakarta.")):
            continue
        for prefix, category in GENERIC:
            if name.startswith(prefix):
                return category
    return "other"


def jfr_events(jfr_file):
    result = subprocess.run(["jfr", "print", "--json", "--stack-depth", "96", "--events",
                             "jdk.ExecutionSample,jdk.NativeMethodSample,jdk.ObjectAllocationSample,"
                             "jdk.GarbageCollection,jdk.GCReferenceStatistics,jdk.GCPhaseParallel", jfr_file],
                            capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise SystemExit(f"jfr print failed: {result.stderr}")
    return json.loads(result.stdout)["recording"]["events"]


def profile(args, base, endpoint, work, connections):
    jfr_file = os.path.join(work, f"{endpoint['key']}-c{connections}.jfr")
    name = f"bench-http-{endpoint['key']}"
    subprocess.run(["jcmd", str(args.pid), "JFR.start", f"name={name}", "settings=profile", f"filename={jfr_file}"],
                   check=True, capture_output=True, timeout=60)
    try:
        before = snapshot(base, args.pid)
        summary, _, _ = wrk(args, base, endpoint, work, connections, args.profile_duration)
        after = snapshot(base, args.pid)
    finally:
        subprocess.run(["jcmd", str(args.pid), "JFR.stop", f"name={name}"], capture_output=True, timeout=120)
    events = jfr_events(jfr_file)
    java_samples, native_samples, alloc_by_category, alloc_by_class = Counter(), Counter(), Counter(), Counter()
    self_frames, native_top = Counter(), Counter()
    first_allocation_seen = set()
    gc = {"count": 0, "pauses_ms": [], "references": Counter(), "phases_ms": Counter()}
    events.sort(key=lambda ev: ev["values"].get("startTime", ""))
    for event in events:
        kind = event["type"]
        values = event["values"]
        if kind == "jdk.GarbageCollection":
            gc["count"] += 1
            gc["pauses_ms"].append(duration_ms(values.get("sumOfPauses")))
            continue
        if kind == "jdk.GCReferenceStatistics":
            gc["references"][values.get("type")] += values.get("count") or 0
            continue
        if kind == "jdk.GCPhaseParallel":
            gc["phases_ms"][values.get("name")] += duration_ms(values.get("duration"))
            continue
        thread = (values.get("sampledThread") or values.get("eventThread") or {}).get("javaName") or ""
        if not thread.startswith("qtp"):
            continue  # Jetty's pool threads (its selectors run requests themselves) and nothing else
        frames = (values.get("stackTrace") or {}).get("frames") or []
        if not frames:
            continue
        if kind == "jdk.ExecutionSample":
            java_samples[classify(frames)] += 1
            self_frames[frame_name(frames[0])] += 1
        elif kind == "jdk.NativeMethodSample":
            top = frame_name(frames[0])
            if top.startswith("jdk.internal.misc.Unsafe.park"):
                continue  # idle: parked waiting for work
            native_samples[classify(frames)] += 1
            native_top[top] += 1
        elif kind == "jdk.ObjectAllocationSample":
            if thread not in first_allocation_seen:
                # a thread's first sample weighs everything it allocated since its last sample before the
                # recording started (hundreds of MB): left out
                first_allocation_seen.add(thread)
                continue
            weight = values.get("weight") or 0
            alloc_by_category[classify(frames)] += weight
            alloc_by_class[(values.get("objectClass") or {}).get("name", "?")] += weight
    requests = summary["requests"]
    return {
        "endpoint": endpoint["key"], "connections": connections, "seconds": summary["duration_us"] / 1e6,
        "requests": requests, "rps": requests / (summary["duration_us"] / 1e6),
        "server_cpu_s": after["cpu"] - before["cpu"], "load": after["load"],
        "java_samples": java_samples, "native_samples": native_samples, "self_frames": self_frames,
        "native_top": native_top, "alloc_by_category": alloc_by_category, "alloc_by_class": alloc_by_class,
        "gc": gc,
    }


def duration_ms(value):
    """JFR's JSON durations are ISO-8601 strings such as "PT0.236S"; numbers are taken as nanoseconds."""
    if value is None:
        return 0.0
    if isinstance(value, (int, float)):
        return value / 1e6
    m = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?", value)
    if not m:
        return 0.0
    h, mi, sec = m.groups()
    return ((int(h or 0) * 60 + int(mi or 0)) * 60 + float(sec or 0)) * 1000


# ---------------------------------------------------------------------------------------------- engine figures

def engine_figures(path, setting):
    """In-process inference samples/s (batch 128 and batch 1) per thread setting from an engine results file."""
    if not path or not os.path.exists(path):
        return None
    rows = {}
    in_summary = False
    with open(path) as f:
        for line in f:
            if line.startswith("## "):
                in_summary = line.strip() == "## Summary"
                continue
            if in_summary and line.startswith("|") and not line.startswith("|---") and "thread setting" not in line:
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                number = lambda cell: float(cell.split()[0])
                try:
                    rows[cells[0]] = {"b128": number(cells[2]), "b128_range": cells[2], "b1": number(cells[3]),
                                      "b1_range": cells[3]}
                except (IndexError, ValueError):
                    pass
    if not rows:
        # the side-by-side file (YYYY-MM-DD-peers.md): Chainrule's rows of "## Every setting"
        in_all = False
        with open(path) as f:
            for line in f:
                if line.startswith("## "):
                    in_all = line.strip() == "## Every setting"
                    continue
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                if in_all and line.startswith("| Chainrule |") and len(cells) > 6:
                    try:
                        number = lambda cell: float(cell.split()[0].replace(",", ""))
                        rows[cells[1]] = {"b128": number(cells[5]), "b128_range": cells[5], "b1": number(cells[6]),
                                          "b1_range": cells[6]}
                    except (IndexError, ValueError):
                        pass
    if not rows:
        return None
    best = max(rows, key=lambda k: rows[k]["b128"])
    reference = setting if setting in rows else None
    path_rows = predict_path_rows()
    if path_rows and setting:
        # the service's own path in process (engine Predictor: standardisation, row blocks) at the service's threads
        threads = setting.split("-blas")[-1]
        key = f"predict path, {threads} thread{'s' if threads != '1' else ''}"
        if key in path_rows:
            rows[key] = path_rows[key]
            reference = key
    return {"path": os.path.relpath(path, REPO), "rows": rows, "setting": reference, "best": best}


def predict_path_rows():
    """Chainrule's predict path in process (bench/run.sh --predict, the newest file) per thread count."""
    files = sorted(glob.glob(os.path.join(REPO, "bench", "results", "*-predict-path.md")))
    if not files:
        return None
    rows, batch = {}, None
    with open(files[-1]) as f:
        for line in f:
            if line.startswith("## "):
                m = re.match(r"## Batch (\d+):", line)
                batch = m.group(1) if m else None
                continue
            if batch and line.startswith("| Chainrule Predictor.predict |"):
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                threads = cells[1].split()[0]
                key = f"predict path, {threads} thread{'s' if threads != '1' else ''}"
                row = rows.setdefault(key, {"file": os.path.relpath(files[-1], REPO)})
                row["b" + batch] = float(cells[2].split()[0].replace(",", ""))
                row["b" + batch + "_range"] = cells[2]
    return {k: v for k, v in rows.items() if "b128" in v and "b1" in v} or None


def latest_engine_results():
    """The newest full run with the engine's in-process inference: a side-by-side file, else an engine one."""
    for pattern in ("*-peers.md", "*-engine.md"):
        files = sorted(glob.glob(os.path.join(REPO, "bench", "results", pattern)))
        if files:
            return files[-1]
    return None


# ---------------------------------------------------------------------------------------------- report

def fmt(value, digits=0):
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"


def pct(value):
    return "n/a" if value is None else f"{100 * value:.0f}%"


def verdict(ok):
    return "**met**" if ok else "**missed**"


def write_report(args, env, runs, profiles, final_metrics, engine, started, finished, load_start, load_end):
    by = {(r["endpoint"], r["connections"]): r for r in runs}
    conns = args.connections
    lines = []
    add = lines.append
    mode = "quick" if args.quick else "full"
    add(f"# HTTP benchmark, {args.date} ({mode} mode)")
    add("")
    add("wrk against the packaged service on loopback: single-row and batch-of-128 `POST /models/{id}/predict` of an "
        "MNIST-shaped model (784-256-128-10, ReLU, ReLU, softmax + cross-entropy, 235,146 parameters, trained through "
        f"`POST /train` on {args.train_rows} MNIST rows); as the framework's ceiling, `POST /models/{{id}}/predict/dry-run` "
        "with the same bodies (everything predict does but the forward pass) and two body-less GETs. One wrk run per "
        "endpoint and connection count, after a warm-up run of the same kind.")
    add("")
    peak_load = max(float(l.split()[0]) for l in [load_start, load_end] + [r["load_after"] for r in runs])
    add(f"- **Command:** `{args.command}`")
    add(f"- **Service revision:** `{env['revision']}`")
    add(f"- **Started:** {started}; whole run {env['elapsed']:.0f} s (build, start and training included)")
    busy = peak_load > env["cpus"] / 2
    add("- **Status:** " + ("**preliminary**: the machine was busy (1-minute load average up to "
                           f"{peak_load:.1f} on {env['cpus']} cores, shared with other engineers' builds and tests), "
                           "so other processes took CPU time from the service and from wrk. Expect low and noisy figures; "
                           "re-run on a quiet machine before quoting them." if busy else
                           f"**preliminary**: 1-minute load average up to {peak_load:.1f} on {env['cpus']} shared cores; "
                           "wrk runs on the same 2 cores as the service."))
    add("")
    add("## Results")
    add("")
    add("Requests/s and latency are wrk's (closed loop: each connection sends its next request when the previous "
        "answer arrives; latency from send to last byte). Errors: non-2xx answers + socket errors (connect, read, "
        "write, timeout). *Server CPU* is the service process's user + system CPU time per request over the run "
        "(/proc/PID/stat); *compute* is the mean of the service's own `chainrule_prediction_latency` over the run "
        "(standardise + forward + copy of the outputs, no JSON); *MVC* is the mean of Spring's "
        "`http_server_requests_seconds` for the endpoint (filters, JSON read, controller, JSON write; not Jetty's "
        "HTTP parsing nor the socket).")
    add("")
    add("| endpoint | conns | requests/s | samples/s | p50 ms | p90 ms | p99 ms | max ms | errors | server CPU ms/req | "
        "MVC mean ms | compute mean ms | alloc KB/req | wrk CPU (cores) | load (1 min) |")
    add("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for c in conns:
        for e in ENDPOINTS:
            r = by.get((e["key"], c))
            if r is None:
                continue
            n = r["requests"] or 1
            compute = (r["prediction_sum_s"] / r["prediction_count"] * 1000) if r["prediction_count"] else None
            mvc = (r["server_sum_s"] / r["server_count"] * 1000) if r["server_count"] else None
            add(f"| {e['label']} | {c} | {fmt(r['rps'])} | {fmt(r['samples_per_s']) if e['rows'] else '-'} | "
                f"{r['p50_ms']:.2f} | {r['p90_ms']:.2f} | {r['p99_ms']:.2f} | {r['max_ms']:.1f} | "
                f"{r['status_errors']} + {r['socket_errors']} | {1000 * r['server_cpu_s'] / n:.3f} | "
                f"{fmt(mvc, 3)} | {fmt(compute, 3) if e['rows'] else '-'} | "
                f"{r['allocated_bytes'] / n / 1024:,.1f} | {r['wrk_cpu_s'] / r['seconds']:.2f} | "
                f"{r['load_after'].split()[0]} |")
    add("")
    add("*alloc KB/req* is the growth of `jvm_gc_memory_allocated_bytes_total` over the run per request (Micrometer "
        "updates it at each young GC, so it is approximate, and it covers every thread of the service).")
    add("")

    # ----- targets
    add("## Targets (issue 5, HTTP)")
    add("")
    total_errors = sum(r["status_errors"] + r["socket_errors"] for r in runs)
    ceiling = {c: max((by[(k, c)] for k in NOOPS if (k, c) in by), key=lambda r: r["rps"], default=None) for c in conns}
    add("Each predict is held against the dry-run of the same body in the same run; the body-less GET no-op (the "
        "faster of the two at each connection count) is shown as info (see *The no-op endpoint* below).")
    add("")
    add("| target | connections | measured | target | ratio | verdict |")
    add("|---|---|---|---|---|---|")
    verdicts = {}
    for c in conns:
        r = by.get(("predict1", c))
        if r is None:
            continue
        mark = " (the target's)" if c == 8 else ""
        add(f"| single-row predict p99 <= 2 ms | {c}{mark} | {r['p99_ms']:.2f} ms | 2 ms | {r['p99_ms'] / 2:.2f}x | "
            f"{verdict(r['p99_ms'] <= 2) if c == 8 else 'info'} |")
        if c == 8:
            verdicts["p99"] = r["p99_ms"] <= 2
    for c in conns:
        r, dry = by.get(("predict1", c)), by.get(("dryrun1", c))
        if r is None or dry is None:
            continue
        ratio = r["rps"] / dry["rps"] if dry["rps"] else None
        mark = " (the target's)" if c == 8 else ""
        add(f"| single-row predict >= 70% of the dry-run's requests/s (same body) | {c}{mark} | {fmt(r['rps'])} vs "
            f"{fmt(dry['rps'])} | 70% | {pct(ratio)} | {verdict(ratio >= 0.7) if c == 8 else 'info'} |")
        if c == 8:
            verdicts["ratio"] = ratio >= 0.7
    for c in conns:
        r, ceil = by.get(("predict1", c)), ceiling.get(c)
        if r is None or ceil is None:
            continue
        ratio = r["rps"] / ceil["rps"] if ceil["rps"] else None
        add(f"| single-row predict vs a body-less GET no-op (the issue's first wording) | {c} | {fmt(r['rps'])} vs "
            f"{fmt(ceil['rps'])} ({ceil['endpoint']}) | 70% | {pct(ratio)} | info |")
    for c in conns:
        r, dry = by.get(("predict128", c)), by.get(("dryrun128", c))
        if r is None or dry is None:
            continue
        ratio = r["rps"] / dry["rps"] if dry["rps"] else None
        add(f"| batch-128 predict vs its dry-run (what the forward pass costs over HTTP + JSON) | {c} | "
            f"{fmt(r['rps'])} vs {fmt(dry['rps'])} requests/s | - | {pct(ratio)} | info |")
    if engine and engine["setting"]:
        inproc = engine["rows"][engine["setting"]]["b128"]
        best_b = max((by[("predict128", c)] for c in conns if ("predict128", c) in by), key=lambda r: r["samples_per_s"],
                     default=None)
        for c in conns:
            r = by.get(("predict128", c))
            if r is None:
                continue
            ratio = r["samples_per_s"] / inproc
            is_best = best_b is r
            add(f"| batch-128 predict >= 55% of the in-process path | {c}{' (best)' if is_best else ''} | "
                f"{fmt(r['samples_per_s'])} samples/s vs {fmt(inproc)} | 55% | {pct(ratio)} | "
                f"{verdict(ratio >= 0.55) if is_best else 'info'} |")
            if is_best:
                verdicts["batch"] = ratio >= 0.55
        for c in conns:  # the same rows as float32: what the service does once no text is parsed
            r = by.get(("predict128f32", c))
            if r is not None:
                add(f"| batch-128 predict as float32 (no JSON to parse) vs in-process inference | {c} | "
                    f"{fmt(r['samples_per_s'])} samples/s vs {fmt(inproc)} | - | {pct(r['samples_per_s'] / inproc)} | info |")
    else:
        add("| batch-128 predict >= 55% of the in-process path | - | no engine results file with the service's "
            "thread setting | 55% | n/a | n/a |")
    add(f"| 0 errors | all | {total_errors} | 0 | - | {verdict(total_errors == 0)} |")
    verdicts["errors"] = total_errors == 0
    add("")
    if engine:
        rows = engine["rows"]
        path_file = next((v["file"] for v in rows.values() if "file" in v), None)
        add(f"In-process inference figures from `{engine['path']}`"
            + (f" and the predict path's from `{path_file}`" if path_file else "")
            + f" (other runs, at other loads: the ratio is only indicative). The service runs with "
            f"{env['service_threads'] or 'unknown thread settings'}; the reference is `{engine['setting'] or '?'}` "
            f"(the service's own predict path in process where that file has it). All rows:")
        add("")
        add("| engine setting | batch 128 samples/s | batch 1 samples/s |")
        add("|---|---|---|")
        for k, v in rows.items():
            add(f"| {k}{' (service)' if k == engine['setting'] else ''} | {v['b128_range']} | {v['b1_range']} |")
        add("")
        b = by.get(("predict128", 8)) or (runs and max((r for r in runs if r["endpoint"] == "predict128"),
                                                        key=lambda r: r["samples_per_s"], default=None))
        if b and engine["setting"]:
            inproc = rows[engine["setting"]]
            per_batch_us = 128 / inproc["b128"] * 1e6
            compute = b["prediction_sum_s"] / b["prediction_count"] * 1e6 if b["prediction_count"] else None
            add(f"One in-process forward pass of 128 rows at that setting takes {per_batch_us:,.0f} us (128 / samples/s); "
                f"in this run the service's own compute timer says {fmt(compute)} us per batch-128 request at "
                f"{b['connections']} connections, and one request cost the service {1e6 * b['server_cpu_s'] / max(1, b['requests']):,.0f} us "
                "of CPU in all.")
            add("")

    # ----- no-op
    add("## The no-op endpoint")
    add("")
    add("`POST /models/{id}/predict/dry-run` is the ceiling a predict is held against: it resolves the version, reads "
        "the same body through the same converter into the same float32 rows (`InstanceRows`) and checks them against "
        "the model exactly as predict does, and answers a small JSON object instead of running the forward pass. So "
        "*predict / dry-run* is what the model's work costs on top of HTTP and JSON, which is what the 70% target is "
        "after; the issue first stated it against a body-less no-op, which no predict that parses 784 numbers can meet "
        "(those figures are kept as info). Two body-less GETs are measured too:")
    add("")
    add("- `GET /actuator/health/liveness`: the cheapest thing the service answers (`{\"status\":\"UP\"}`, "
        "~130 bytes with headers); it goes through actuator's endpoint handler mapping instead of a `@RestController`.")
    add("- `GET /models/{id}` of the benchmark's model: a `@RestController` like predict (same handler mapping, path "
        "variable, Jackson writer) that computes nothing: a synchronized map lookup and a ~600-byte JSON answer.")
    add("")

    # ----- setup
    add("## Setup")
    add("")
    add("| what | value |")
    add("|---|---|")
    for k, v in env["table"]:
        add(f"| {k} | {v} |")
    add(f"| load average at start | {load_start} (1, 5, 15 min) |")
    add(f"| load average at end | {load_end} (1, 5, 15 min) |")
    add("")
    add("wrk command per run (PORT is the free loopback port run.sh picked; the body files are written by "
        "bench.py into a temporary folder):")
    add("")
    add("```")
    for c in conns:
        for e in ENDPOINTS:
            r = by.get((e["key"], c))
            if r:
                add(r["command"])
    add("```")
    add("")
    add(f"Before the measured runs every endpoint was called once to check its answer (status 200, as many predictions "
        f"as rows), then warmed up for {args.first_warmup} s at 8 connections; each measured run is preceded by a "
        f"{args.warmup} s warm-up run with the same command (not counted). wrk's threads: "
        f"min({args.threads}, connections); wrk itself runs on the same 2 cores as the service (its CPU use is in "
        "the table).")
    add("")
    by_file = {e["body"]: env["bodies"][e["key"]] for e in ENDPOINTS if e.get("body")}  # a dry-run shares its predict's
    add("Request bodies: " + "; ".join(f"`{name}` {note}" for name, note in by_file.items()) + ".")
    add("")

    # ----- service metrics
    add("## The service's own prediction latency (`chainrule_prediction_latency`, after the run)")
    add("")
    add("From `/actuator/prometheus` at the end (every predict of the whole run, warm-ups and training-time checks "
        "included). Percentiles are bucket upper bounds of Micrometer's percentile histogram.")
    add("")
    fm = final_metrics
    count = metric_sum(fm, PREDICTION + "_count")
    total = metric_sum(fm, PREDICTION + "_sum")
    cum = buckets(fm, PREDICTION + "_bucket")
    add("| count | sum s | mean ms | max ms (decaying) | p50 <= ms | p90 <= ms | p99 <= ms |")
    add("|---|---|---|---|---|---|---|")
    p = lambda q: fmt((bucket_percentile(cum, q) or 0) * 1000, 3)
    add(f"| {count:,.0f} | {total:.3f} | {1000 * total / count if count else 0:.3f} | "
        f"{1000 * metric_sum(fm, PREDICTION + '_max'):.3f} | {p(50)} | {p(90)} | {p(99)} |")
    add("")
    add("Per run (the difference of the histogram before and after each measured run):")
    add("")
    add("| endpoint | conns | predictions | compute mean ms | compute p50 <= ms | compute p99 <= ms | wrk p50 ms | wrk p99 ms | compute share of wrk mean |")
    add("|---|---|---|---|---|---|---|---|---|")
    for c in conns:
        for key in ("predict1", "predict128"):
            r = by.get((key, c))
            if not r or not r["prediction_count"]:
                continue
            mean = r["prediction_sum_s"] / r["prediction_count"] * 1000
            db = r["prediction_buckets"]
            add(f"| {key} | {c} | {r['prediction_count']:,.0f} | {mean:.3f} | "
                f"{fmt((bucket_percentile(db, 50) or 0) * 1000, 3)} | {fmt((bucket_percentile(db, 99) or 0) * 1000, 3)} | "
                f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {pct(mean / r['mean_ms'] if r['mean_ms'] else None)} |")
    add("")
    add("Raw lines at the end (buckets left out):")
    add("")
    add("```")
    for (name, labels), value in sorted(fm.items()):
        if name.startswith("chainrule_prediction_latency") and not name.endswith("_bucket"):
            label_text = "{" + ",".join(f'{k}="{v}"' for k, v in labels) + "}" if labels else ""
            add(f"{name}{label_text} {value}")
    add("```")
    add("")

    # ----- GC
    add("## GC during the measured runs")
    add("")
    add("From Micrometer's `jvm_gc_pause_seconds` before and after each measured run; *longest* is its decaying "
        "maximum read at the end of the run (the longest pause of the last minute or two, so it may come from the "
        "run before).")
    add("")
    add("| endpoint | conns | GC pauses | pause time ms | share of the run | pause ms per 1000 requests | longest pause ms |")
    add("|---|---|---|---|---|---|---|")
    for c in conns:
        for e in ENDPOINTS:
            r = by.get((e["key"], c))
            if r:
                add(f"| {e['key']} | {c} | {r['gc_pauses']:.0f} | {1000 * r['gc_pause_s']:.0f} | "
                    f"{pct(r['gc_pause_s'] / r['seconds'])} | {1e6 * r['gc_pause_s'] / max(1, r['requests']):.1f} | "
                    f"{1000 * r['gc_pause_max_s']:.0f} |")
    add("")

    # ----- profile
    if profiles:
        add("## Where a predict request's time goes (JFR, `--profile`)")
        add("")
        add("A separate run per endpoint with a JFR recording (`settings=profile`) of the service; Jetty's pool "
            "threads (`qtp*`) only. A stack goes to the innermost of the service's own steps on it (so "
            "*compute* includes the ND4J Java code under `PredictionService.predict`, *JSON read* everything under "
            "Spring's `readWithMessageConverters`); a stack outside them goes to the component of its innermost "
            "non-JDK frame. Java samples "
            "(jdk.ExecutionSample, 10 ms) see only threads running Java code; native samples (jdk.NativeMethodSample, "
            "20 ms, one thread per period) see threads inside JNI, i.e. ND4J/OpenBLAS kernels (parked and poller "
            "threads left out). Allocation weights are JFR's sampled estimates (jdk.ObjectAllocationSample).")
        add("")
        for prof in profiles:
            label = next(e["label"] for e in ENDPOINTS if e["key"] == prof["endpoint"])
            n = max(1, prof["requests"])
            add(f"### {label}, {prof['connections']} connections: {fmt(prof['rps'])} requests/s over "
                f"{prof['seconds']:.0f} s with JFR on, server CPU {1000 * prof['server_cpu_s'] / n:.3f} ms/request, load {prof['load'].split()[0]}")
            add("")
            js, ns, ab = prof["java_samples"], prof["native_samples"], prof["alloc_by_category"]
            jt, nt, at = sum(js.values()) or 1, sum(ns.values()) or 1, sum(ab.values()) or 1
            add("| category | Java samples | share | native samples | share | allocated KB/request | share |")
            add("|---|---|---|---|---|---|---|")
            for category in CATEGORIES:
                if js[category] or ns[category] or ab[category]:
                    add(f"| {category} | {js[category]} | {pct(js[category] / jt)} | {ns[category]} | "
                        f"{pct(ns[category] / nt)} | {ab[category] / n / 1024:,.1f} | {pct(ab[category] / at)} |")
            add(f"| **all** | {sum(js.values())} | | {sum(ns.values())} | | {sum(ab.values()) / n / 1024:,.1f} | |")
            add("")
            g = prof["gc"]
            if g["count"]:
                refs = ", ".join(f"{t.lower()} {v / g['count']:,.0f}" for t, v in g["references"].most_common() if v)
                phases = ", ".join(f"{k} {v:,.0f}" for k, v in g["phases_ms"].most_common(4))
                add(f"GC during the recording: {g['count']} collections, pauses {', '.join(f'{p:.0f}' for p in g['pauses_ms'])} ms "
                    f"({sum(g['pauses_ms']):.0f} ms in {prof['seconds']:.0f} s); references processed per collection: "
                    f"{refs or 'none'}; largest parallel phases (ms summed over GC threads): {phases}.")
                add("")
            add("Hottest Java frames (self), native methods, and allocated classes:")
            add("")
            add("| Java frame (self) | samples | native method | samples | allocated class | KB/request |")
            add("|---|---|---|---|---|---|")
            top_self = prof["self_frames"].most_common(12)
            top_native = prof["native_top"].most_common(12)
            top_alloc = prof["alloc_by_class"].most_common(12)
            for i in range(max(len(top_self), len(top_native), len(top_alloc))):
                a = top_self[i] if i < len(top_self) else ("", "")
                b = top_native[i] if i < len(top_native) else ("", "")
                c = top_alloc[i] if i < len(top_alloc) else ("", None)
                add(f"| `{a[0]}` | {a[1]} | `{b[0]}` | {b[1]} | `{c[0]}` | "
                    f"{'' if c[1] is None else f'{c[1] / n / 1024:,.1f}'} |" .replace("``", ""))
            add("")

    # ----- raw
    add("## wrk's own output per run")
    add("")
    add("<details><summary>latency distributions</summary>")
    add("")
    for r in runs:
        add(f"**{r['endpoint']}, {r['connections']} connections** (load {r['load_before']} -> {r['load_after']})")
        add("")
        add("```")
        add(r["wrk_text"].strip())
        add("```")
        add("")
    add("</details>")
    add("")
    add("## How to read this")
    add("")
    add("- A closed-loop client on the same 2 cores as the service: at 64 connections the latencies are mostly "
        "queueing (64 requests share 2 cores), and wrk's own CPU is taken from the service. The service's CPU per "
        "request is the steadier figure to compare between runs.")
    add("- The figures move with the machine's load (other engineers' builds share the cores). Compare runs only at "
        "similar load, and prefer ratios taken within one run (predict against the no-op) to absolute numbers.")
    add("- Nothing here is a test: the run never fails on a missed target.")
    return "\n".join(lines) + "\n", verdicts


# ---------------------------------------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--service-log", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--command", default="bench/http/run.sh")
    parser.add_argument("--jvm-opts", default="")
    parser.add_argument("--jar", default="")
    parser.add_argument("--build-seconds", type=float, default=0)
    parser.add_argument("--ready-seconds", type=float, default=0)
    parser.add_argument("--run-started", type=float, default=time.time())
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--connections", default=None, help="comma-separated, default 1,8,64 (quick: 8)")
    parser.add_argument("--duration", type=int, default=None, help="seconds per measured run (default 12; quick 4)")
    parser.add_argument("--warmup", type=int, default=None, help="seconds of warm-up before each run (default 3; quick 2)")
    parser.add_argument("--first-warmup", type=int, default=None, help="seconds of warm-up per endpoint at the start (default 5; quick 1)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (at most the connections)")
    parser.add_argument("--timeout", type=int, default=5, help="wrk's per-request timeout, seconds")
    parser.add_argument("--train-rows", type=int, default=None, help="MNIST rows to train on (default 2048; quick 512)")
    parser.add_argument("--data", default=None, help="MNIST IDX folder (default: $CHAINRULE_MNIST_DIR, else "
                        "the repository's datasets/mnist)")
    parser.add_argument("--results", default=os.path.join(REPO, "bench", "results"))
    parser.add_argument("--tag", default="")
    parser.add_argument("--date", default=datetime.date.today().isoformat())
    parser.add_argument("--engine-results", default=None, help="engine results file (default: the latest full one)")
    parser.add_argument("--profile", action="store_true", help="also profile predict with JFR (extra runs)")
    parser.add_argument("--profile-duration", type=int, default=10)
    args = parser.parse_args()
    args.connections = [int(c) for c in (args.connections or ("8" if args.quick else "1,8,64")).split(",")]
    args.duration = args.duration or (4 if args.quick else 12)
    args.warmup = args.warmup if args.warmup is not None else (1 if args.quick else 3)
    args.first_warmup = args.first_warmup if args.first_warmup is not None else (1 if args.quick else 5)
    args.train_rows = args.train_rows or (512 if args.quick else 2048)

    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    load_start = loadavg()
    log(f"load average {load_start}; service pid {args.pid} at {args.base}")

    # -- the model, trained through the API
    args.data = args.data or default_data_dir()
    images = os.path.join(args.data, "train-images-idx3-ubyte.gz")
    if not os.path.exists(images):
        raise SystemExit(f"no MNIST at {args.data} (expected train-images-idx3-ubyte.gz); pass --data DIR or set CHAINRULE_MNIST_DIR")
    x = read_idx(images, args.train_rows)
    y = read_idx(os.path.join(args.data, "train-labels-idx1-ubyte.gz"), args.train_rows)
    test = read_idx(os.path.join(args.data, "t10k-images-idx3-ubyte.gz"), 128)
    model = http_json(args.base, "POST", "/models", {
        "name": "bench-http-mnist", "inputWidth": 784,
        "layers": [{"units": 256, "activation": "relu"}, {"units": 128, "activation": "relu"},
                   {"units": 10, "activation": "softmax"}],
        "loss": "cross_entropy", "seed": 42}, expect=(201,))
    args.model_id = model["id"]
    log(f"model {args.model_id} ({model['parameterCount']} parameters); training on {len(x)} MNIST rows")
    job = http_json(args.base, "POST", "/train", {
        "modelId": args.model_id, "data": {"features": [pixels(r) for r in x], "targets": y},
        "epochs": 1, "batchSize": 128, "optimizer": {"type": "sgd", "learningRate": 0.1}}, expect=(202,), timeout=120)
    deadline = time.monotonic() + 300
    while job["status"] in ("QUEUED", "RUNNING"):
        if time.monotonic() > deadline:
            raise SystemExit(f"training job {job['id']} did not finish within 300 s")
        time.sleep(0.25)
        job = http_json(args.base, "GET", f"/jobs/{job['id']}")
    if job["status"] != "SUCCEEDED":
        raise SystemExit(f"training job ended {job['status']}: {job}")
    log(f"trained: {job['status']} in {job['elapsedSeconds']:.1f} s, metrics {job.get('finalMetrics')}")

    # -- the request bodies: real MNIST test pixels / 255, as a client's json.dumps writes them
    bodies = {"predict1": {"instances": [pixels(test[0])]}, "predict128": {"instances": [pixels(r) for r in test]}}
    body_notes = {}
    bodies["predict128f32"] = bodies["predict128"]
    for e in ENDPOINTS:
        if e.get("body"):
            body = bodies[{v: k for k, v in DRY_RUN_OF.items()}.get(e["key"], e["key"])]
            if e.get("content_type") == "application/octet-stream":
                values = [v for row in body["instances"] for v in row]
                raw = struct.pack(f"<{len(values)}f", *values)
                kind = "little-endian float32"
            else:
                raw = json.dumps(body, separators=(",", ":")).encode()
                kind = "JSON"
            with open(os.path.join(args.work, e["body"]), "wb") as f:
                f.write(raw)
            body_notes[e["key"]] = (f"{len(raw):,} bytes of {kind} ({len(body['instances'])} x 784 values, "
                                    "MNIST t10k pixels / 255)")
    for e in ENDPOINTS:  # every endpoint answers 200 before it is measured
        path = e["path"].replace("{id}", args.model_id)
        raw = open(os.path.join(args.work, e["body"]), "rb").read() if e.get("body") else None
        status, answer = http(args.base, e["method"], path, raw, content_type=e.get("content_type", "application/json"))
        if status != 200:
            raise SystemExit(f"{e['method']} {path} answered {status}: {answer[:300]!r}")
        if e["rows"]:
            predictions = json.loads(answer)["predictions"]
            if len(predictions) != e["rows"]:
                raise SystemExit(f"{path} answered {len(predictions)} predictions for {e['rows']} rows")
        log(f"checked {e['method']} {path}: 200, {len(answer)} bytes")

    # -- a first warm-up of every endpoint (JIT, Jetty's thread pool, the service's pool of network copies)
    for e in ENDPOINTS:
        wrk(args, args.base, e, args.work, 8, args.first_warmup)
    log(f"warmed up every endpoint ({args.first_warmup} s each at 8 connections)")

    # -- the measured runs, interleaved by connection count
    runs = []
    for c in args.connections:
        for e in ENDPOINTS:
            runs.append(measure(args, args.base, e, args.work, c))
    profiles = []
    if args.profile:
        for key in ("predict1", "predict128"):
            e = next(e for e in ENDPOINTS if e["key"] == key)
            log(f"profiling {key} at 8 connections with JFR for {args.profile_duration} s")
            profiles.append(profile(args, args.base, e, args.work, 8))
    final_metrics = scrape(args.base)
    load_end = loadavg()

    # -- environment
    def cmd(*command):
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=60).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""
    service_log = open(args.service_log, errors="replace").read()
    # the start-up line, e.g. "ND4J ready in 11348 ms: backend CpuBackend, OpenBLAS 0.3.31 kernel Cooperlake (1 thread
    # per call), matrix products on 2 threads split among running jobs, 1 ND4J (OpenMP) threads, 2 training workers"
    ready = re.search(r"ND4J ready in \d+ ms: .*?matrix products on (\d+) threads.*?, (\d+) ND4J \(OpenMP\) threads, "
                      r"(\d+) training workers", service_log)
    kernel = re.search(r"OpenBLAS (\S+) kernel (\S+)", service_log)
    setting = f"omp{ready.group(2)}-blas{ready.group(1)}" if ready else None
    service_threads = (f"{ready.group(2)} ND4J (OpenMP) thread(s), matrix products on {ready.group(1)} threads "
                       f"(OpenBLAS {kernel.group(1) + ' ' + kernel.group(2) + ' kernel, ' if kernel else ''}"
                       f"single-threaded; {ready.group(3)} training workers)") if ready else None
    cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    flags = cmd("jcmd", str(args.pid), "VM.flags").splitlines()
    command_line = [l for l in cmd("jcmd", str(args.pid), "VM.command_line").splitlines() if l.startswith("jvm_args")]
    config = open(os.path.join(REPO, "src", "main", "resources", "application.yaml")).read()
    jetty_threads = ("see server.jetty in application.yaml" if "jetty" in config
                     else "not configured: Spring Boot's default (200 max, 8 min)")
    revision = cmd("git", "-C", REPO, "rev-parse", "--short", "HEAD") or "unknown"
    if cmd("git", "-C", REPO, "status", "--porcelain", "--", "src", "pom.xml"):
        revision += " + uncommitted changes in src/"
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.strip().splitlines()
    engine_file = args.engine_results or latest_engine_results()
    engine = engine_figures(engine_file, setting)
    env = {
        "revision": revision, "cpus": os.cpu_count(), "service_threads": service_threads,
        "elapsed": time.time() - args.run_started, "bodies": body_notes,
        "table": [
            ("CPU", f"{cpu_model}, {os.cpu_count()} logical CPUs"),
            ("OS", f"{platform.system()} {platform.release()} {platform.machine()}"),
            ("Java", java[1] if len(java) > 1 else (java[0] if java else "?")),
            ("service", f"`java {args.jvm_opts + ' ' if args.jvm_opts else ''}-jar {args.jar} "
                        "--server.address=127.0.0.1 --server.port=PORT` (built with `./mvnw -q -B package -DskipTests`, "
                        f"{args.build_seconds:.0f} s; ready after {args.ready_seconds:.0f} s)"),
            ("JVM flags given", f"`{args.jvm_opts}`" if args.jvm_opts else "none (the JVM's defaults, as README and CI start it)"),
            ("JVM command line (jcmd VM.command_line)", "`" + command_line[0] + "`" if command_line else "no JVM arguments"),
            ("JVM flags in force (jcmd VM.flags)", "`" + (flags[-1] if flags else "?") + "`"),
            ("ND4J / OpenBLAS threads (service log)", service_threads or "not found in the log"),
            ("Jetty threads", jetty_threads),
            ("OPENBLAS_CORETYPE", os.environ.get("OPENBLAS_CORETYPE", "unset")),
            ("OMP_NUM_THREADS", os.environ.get("OMP_NUM_THREADS", "unset")),
            ("wrk", cmd("sh", "-c", "wrk --version 2>&1 | head -n 1").split(" Copyright")[0]),
            ("model", f"{args.model_id}: 784-256-128-10, relu/relu/softmax, cross_entropy, seed 42, standardize "
                      f"(the default: predict z-scores its inputs); trained 1 epoch of SGD (lr 0.1, batch 128) on "
                      f"the first {args.train_rows} MNIST training rows: {job.get('finalMetrics')}"),
        ],
    }
    report, verdicts = write_report(args, env, runs, profiles, final_metrics, engine, started,
                                    datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                                    load_start, load_end)
    os.makedirs(args.results, exist_ok=True)
    name = f"{args.date}-http{'-quick' if args.quick else ''}{'-' + args.tag if args.tag else ''}.md"
    out = os.path.join(args.results, name)
    with open(out, "w") as f:
        f.write(report)
    with open(os.path.join(args.work, "runs.json"), "w") as f:
        json.dump([{k: v for k, v in r.items() if k != "wrk_text"} for r in runs], f, indent=1, default=str)
    log(f"wrote {os.path.relpath(out, os.getcwd())}; targets: "
        + ", ".join(f"{k} {'met' if v else 'missed'}" for k, v in verdicts.items()))


if __name__ == "__main__":
    main()
