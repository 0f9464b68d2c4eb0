#!/usr/bin/python3
"""One measurement of the per-step benchmark, PyTorch side (submit/bench-step.sh runs the whole comparison).

Trains, in this fresh process, the same network as our `bench-step` job: a CIFAR ResNet (32x32x3, 10 classes,
one synthetic batch) end-to-end (K=1) or as K InfoPro modules split by a reference table of conf/infopro-splits.json,
with the shipped CIFAR-10 lambda of conf/infopro-lambdas.json (5,1,0,1 where none is shipped). Layers as ours:
conv without bias; BN eps 1e-5, momentum 0.1; 1x1 conv + BN projection shortcuts where the shape changes; a local
module has the decoder (bilinear upsample, align_corners, to 32x32; conv3x3 C->12 with bias; BN; ReLU; conv3x3
12->3 with bias; sigmoid; BCE) when lambda1 > 0 and the 1c2f auxiliary head when lambda2 > 0 (conv3x3-BN-ReLU,
stride 2 and doubled channels below 64 channels; global average pooling; FC to 128, ReLU; FC to 10 classes with
cross-entropy, or to 128 with the supervised contrastive loss, temperature 0.07). Each module's input is the
detached output of the module before, and each module is updated right after its own backward pass; SGD with
Nesterov momentum 0.9, lr 0.1, weight decay 1e-4 on every parameter.

Warm-up ends by the same rule as ours (org.infopro.spark.bench.SteadyState): after step i >= 2*window once the
median of the last `window` step times is no more than `tolerance` below the median of the window before, or at
--warmup-max. Then --steps timed steps, then one untimed step under torch.profiler for PyTorch's own memory
accounting. The run record (JSON, the schema of our StepBenchJob) goes to --out. With --expect (our run record of
the same network) it compares the modules and their parameter counts first and exits with status 3 when they differ.

Run it with the Debian interpreter (/usr/bin/python3) and Debian's python3-torch 1.13.
"""
import argparse
import datetime
import json
import os
import re
import statistics
import sys
import time

WIDTHS = [16, 16, 32, 64]
DECODER_WIDTH = 12
AUX_HIDDEN = 128
TEMPERATURE = 0.07
ENV = ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_ARENA_MAX", "OMP_NUM_THREADS"]
CONF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "conf")
MISMATCH = 3


def fail(message, status=2):
    print("step_torch.py: " + message, file=sys.stderr)
    sys.exit(status)


def depth_arg(text):
    try:
        d = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("invalid --depth '%s': expected an integer 6n+2 such as 32 or 110" % text)
    if d < 8 or (d - 2) % 6 != 0:
        raise argparse.ArgumentTypeError("invalid --depth '%s': expected 6n+2 with n >= 1 (8, 14, 20, 32, 44, 56, 110, ...)" % text)
    return d


def int_in(name, lo, hi):
    def parse(text):
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError("invalid --%s '%s': expected an integer in [%d, %d]" % (name, text, lo, hi))
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError("invalid --%s '%s': expected an integer in [%d, %d]" % (name, text, lo, hi))
        return v
    return parse


def tolerance_arg(text):
    try:
        v = float(text)
    except ValueError:
        v = -1
    if not 0 <= v <= 0.5:
        raise argparse.ArgumentTypeError("invalid --tolerance '%s': expected a number in [0, 0.5]" % text)
    return v


def parse_args(argv):
    p = argparse.ArgumentParser(prog="submit/bench/step_torch.py", description=__doc__.split("\n\n")[0],
                                epilog="Writes one run record; submit/bench-step.sh alternates it with ours and writes the report.")
    p.add_argument("--depth", type=depth_arg, default=32, help="CIFAR ResNet depth, 6n+2; split tables exist for 32 and 110 (default 32)")
    p.add_argument("--k", type=int_in("k", 1, 64), default=1, help="modules: 1 = end-to-end, else a split of --table (default 1)")
    p.add_argument("--table", default="infopro", help="split table of conf/infopro-splits.json (default infopro)")
    p.add_argument("--loss", choices=["infopro-contrast", "infopro-softmax"], default="infopro-contrast",
                   help="InfoPro's loss for K > 1 (default infopro-contrast, as our bench-memory and bench-step)")
    p.add_argument("--batch-size", type=int_in("batch-size", 1, 4096), default=128, help="minibatch size (default 128)")
    p.add_argument("--threads", type=int_in("threads", 1, 1024), default=1, help="torch.set_num_threads (default 1)")
    p.add_argument("--window", type=int_in("window", 0, 100), default=3, help="warm-up window in steps (0: always --warmup-max) (default 3)")
    p.add_argument("--warmup-max", type=int_in("warmup-max", 1, 1000), default=15, help="most warm-up steps (default 15)")
    p.add_argument("--tolerance", type=tolerance_arg, default=0.05, help="how much faster the last window may still be (default 0.05)")
    p.add_argument("--steps", type=int_in("steps", 1, 10000), default=6, help="timed steps after warm-up (default 6)")
    p.add_argument("--out", required=True, help="where the run record (JSON) goes")
    p.add_argument("--expect", help="our run record of the same network: modules and parameter counts must match")
    p.add_argument("--conf", default=CONF, help="folder with infopro-splits.json and infopro-lambdas.json (default: the repository's conf/)")
    return p.parse_args(argv)


# ---------------------------------------------------------------- the plan (mirrors ModulePlan / ResNetSpec)

def load_table(conf, name):
    path = os.path.join(conf, name)
    try:
        with open(path) as f:
            return json.load(f)["tables"]
    except (OSError, ValueError, KeyError) as e:
        fail("cannot read %s: %s" % (path, e))


def splits_of(conf, table, depth, k):
    if k == 1:
        return []
    have = []
    for t in load_table(conf, "infopro-splits.json"):
        if t["depth"] == depth:
            have.append("%s:k%d" % (t["table"], t["k"]))
            if t["table"] == table and t["k"] == k:
                return [tuple(p) for p in t["splits"]]
    fail("invalid --k %d / --table '%s' / --depth %d: no such split table; ResNet-%d has %s" % (k, table, depth, depth, sorted(have) or "none"))


def lambda_of(conf, depth, k):
    if k == 1:
        return (0, 0, 0, 0)
    for t in load_table(conf, "infopro-lambdas.json"):
        if t["dataset"] == "cifar10" and t["variant"] == "infopro" and t["depth"] == depth and t["k"] == k:
            return tuple(float(x) for x in t["lambda"])
    return (5.0, 1.0, 0.0, 1.0)


def plan(depth, splits, lam):
    n = (depth - 2) // 6
    units = 1 + 3 * n

    def unit_of(p):
        return 0 if p == (0, 0) else 1 + (p[0] - 1) * n + p[1]

    def shape_after(u):
        stage = 0 if u == 0 else 1 + (u - 1) // n
        side = 32 >> max(0, stage - 1)
        return [WIDTHS[stage], side, side]

    k = len(splits) + 1
    ends = [unit_of(p) for p in splits] + [units - 1]
    modules, first = [], 0
    for i, last in enumerate(ends):
        if i < k - 1:
            r = i / (k - 2) if k > 2 else 0.0
            weights = [lam[0] * (1 - r) + lam[2] * r, lam[1] * (1 - r) + lam[3] * r]
        else:
            weights = None
        modules.append({"first_unit": first, "last_unit": last,
                        "input": [3, 32, 32] if first == 0 else shape_after(first - 1), "output": shape_after(last),
                        "lambda": weights, "decoder": weights is not None and weights[0] > 0,
                        "aux": weights is not None and weights[1] > 0})
        first = last + 1
    return modules, n


# ---------------------------------------------------------------- the network

def build(torch, modules, n, contrast):
    nn = torch.nn
    F = torch.nn.functional

    def conv(cin, cout, k, stride, bias=False):
        c = nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=bias)
        nn.init.normal_(c.weight, 0, (2.0 / (k * k * cout)) ** 0.5)
        if bias:
            nn.init.zeros_(c.bias)
        return c

    def bn(c):
        return nn.BatchNorm2d(c, eps=1e-5, momentum=0.1)

    def linear(i, o):
        lin = nn.Linear(i, o)
        nn.init.uniform_(lin.weight, -1 / i ** 0.5, 1 / i ** 0.5)
        nn.init.zeros_(lin.bias)
        return lin

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.c1, self.b1 = conv(cin, cout, 3, stride), bn(cout)
            self.c2, self.b2 = conv(cout, cout, 3, 1), bn(cout)
            self.sc = nn.Sequential(conv(cin, cout, 1, stride), bn(cout)) if stride != 1 or cin != cout else None

        def forward(self, x):
            out = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
            return F.relu(out + (x if self.sc is None else self.sc(x)))

    def supcon(features, labels):
        z = F.normalize(features, dim=1)
        logits = z @ z.t() / TEMPERATURE
        logits = logits - logits.max(dim=1, keepdim=True)[0].detach()
        not_self = ~torch.eye(z.shape[0], dtype=torch.bool)
        positive = (labels[:, None] == labels[None, :]) & not_self
        log_prob = logits - torch.log((torch.exp(logits) * not_self).sum(1, keepdim=True))
        count = positive.sum(1)
        mean_pos = (positive * log_prob).sum(1) / count.clamp(min=1)
        return -mean_pos.mean()

    class Local(nn.Module):
        def __init__(self, m, last):
            super().__init__()
            units, c = [], m["input"][0]
            for u in range(m["first_unit"], m["last_unit"] + 1):
                if u == 0:
                    units += [conv(c, WIDTHS[0], 3, 1), bn(WIDTHS[0]), nn.ReLU()]
                    c = WIDTHS[0]
                else:
                    stage, block = 1 + (u - 1) // n, (u - 1) % n
                    units.append(Block(c, WIDTHS[stage], 2 if block == 0 and stage > 1 else 1))
                    c = WIDTHS[stage]
            self.trunk = nn.Sequential(*units)
            self.last, self.lam = last, m["lambda"]
            if last:
                self.fc = linear(c, 10)
                return
            self.decoder = nn.Sequential(conv(c, DECODER_WIDTH, 3, 1, bias=True), bn(DECODER_WIDTH), nn.ReLU(),
                                         conv(DECODER_WIDTH, 3, 3, 1, bias=True)) if m["decoder"] else None
            if m["aux"]:
                wide = c >= 64
                c2 = c if wide else 2 * c
                self.aux = nn.Sequential(conv(c, c2, 3, 1 if wide else 2), bn(c2), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                         linear(c2, AUX_HIDDEN), nn.ReLU(), linear(AUX_HIDDEN, AUX_HIDDEN if contrast else 10))
            else:
                self.aux = None

        def forward(self, x, pixels, labels):
            h = self.trunk(x)
            if self.last:
                return h, F.cross_entropy(self.fc(h.mean((2, 3))), labels)
            loss = 0
            if self.decoder is not None:
                up = F.interpolate(h, size=(32, 32), mode="bilinear", align_corners=True)
                loss = loss + self.lam[0] * F.binary_cross_entropy(torch.sigmoid(self.decoder(up)), pixels)
            if self.aux is not None:
                a = self.aux(h)
                loss = loss + self.lam[1] * (supcon(a, labels) if contrast else F.cross_entropy(a, labels))
            return h, loss

    nets = [Local(m, i == len(modules) - 1) for i, m in enumerate(modules)]
    for net in nets:
        net.train()
    opts = [torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4) for net in nets]
    return nets, opts


def train_step(nets, opts, x, pixels, labels):
    h = x
    for net, opt in zip(nets, opts):
        out, loss = net(h, pixels, labels)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        h = out.detach()


# ---------------------------------------------------------------- measurement

def status(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(re.sub(r"[^0-9]", "", line)) * 1024
    except OSError:
        return None
    return None


def steady(times, window, tolerance):
    if window == 0 or len(times) < 2 * window:
        return False
    return statistics.median(times[-window:]) >= (1 - tolerance) * statistics.median(times[-2 * window:-window])


def compare(modules, expect_path):
    try:
        with open(expect_path) as f:
            ours = json.load(f)
    except (OSError, ValueError) as e:
        fail("cannot read --expect %s: %s" % (expect_path, e))
    keys = ["first_unit", "last_unit", "input", "output", "decoder", "aux", "trainable_params"]
    mine = [{k: m[k] for k in keys} for m in modules]
    theirs = [{k: m.get(k) for k in keys} for m in ours.get("modules", [])]
    print("[bench-step] trainable parameters per module: pytorch %s, dl4j %s (%s)"
          % ([m["trainable_params"] for m in mine], [m["trainable_params"] for m in theirs], expect_path), file=sys.stderr)
    if mine != theirs:
        for i in range(max(len(mine), len(theirs))):
            a = mine[i] if i < len(mine) else None
            b = theirs[i] if i < len(theirs) else None
            if a != b:
                print("  module %d: pytorch %s\n            dl4j    %s" % (i + 1, a, b), file=sys.stderr)
        fail("PARAMETER/MODULE MISMATCH against %s: the two engines would not train the same network; fix the model "
             "before comparing speed." % expect_path, MISMATCH)
    ours_lambda = [m.get("lambda") for m in ours.get("modules", [])]
    mine_lambda = [m["lambda"] for m in modules]
    if any((a is None) != (b is None) or (a is not None and max(abs(x - y) for x, y in zip(a, b)) > 1e-9)
           for a, b in zip(mine_lambda, ours_lambda)):
        fail("lambda per module differs from %s: pytorch %s, dl4j %s" % (expect_path, mine_lambda, ours_lambda), MISMATCH)


def engine_peak(torch, nets, opts, step):
    """Bytes live at step start + the peak of c10 CPU allocations during one profiled step."""
    live = 0
    for net in nets:
        live += sum(p.numel() * p.element_size() for p in net.parameters())
        live += sum(b.numel() * b.element_size() for b in net.buffers())
    for opt in opts:
        for state in opt.state.values():
            live += sum(v.numel() * v.element_size() for v in state.values() if torch.is_tensor(v))
    batch_bytes = step.batch_bytes
    from torch.profiler import profile, ProfilerActivity
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    events = [(e.start_us(), i, e.nbytes()) for i, e in enumerate(prof.profiler.kineto_results.events()) if e.name() == "[memory]"]
    events.sort()
    total = peak = 0
    for _, _, nbytes in events:
        total += nbytes
        peak = max(peak, total)
    return live + batch_bytes + peak, {"live_at_step_start_bytes": live + batch_bytes, "parameter_and_buffer_and_momentum_bytes": live,
                                       "batch_bytes": batch_bytes, "step_allocation_peak_bytes": peak,
                                       "allocated_at_step_end_bytes": total, "memory_events": len(events)}


def main(argv):
    args = parse_args(argv)
    t0 = time.perf_counter()
    started = datetime.datetime.now(datetime.timezone.utc).isoformat()
    splits = splits_of(args.conf, args.table, args.depth, args.k)
    modules, n = plan(args.depth, splits, lambda_of(args.conf, args.depth, args.k))
    contrast = args.loss == "infopro-contrast"

    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    # one small op so the native libraries are loaded and initialised before the baseline
    float((torch.rand(64, 64) @ torch.rand(64, 64)).sum())
    baseline = status("VmRSS:")

    nets, opts = build(torch, modules, n, contrast)
    for m, net in zip(modules, nets):
        m["trainable_params"] = sum(p.numel() for p in net.parameters())
    bn_statistics = sum(b.numel() for net in nets for name, b in net.named_buffers() if not name.endswith("num_batches_tracked"))
    if args.expect:
        compare(modules, args.expect)

    g = torch.Generator().manual_seed(7)
    pixels = torch.rand(args.batch_size, 3, 32, 32, generator=g)
    x = (pixels - 0.5) * 4
    labels = torch.arange(args.batch_size) % 10

    def step():
        train_step(nets, opts, x, pixels, labels)
    step.batch_bytes = sum(t.numel() * t.element_size() for t in (x, pixels, labels))

    label = "[bench-step] pytorch ResNet-%d K=%d threads=%d" % (args.depth, args.k, args.threads)
    warm = []
    while not warm or not (len(warm) >= args.warmup_max or steady(warm, args.window, args.tolerance)):
        s = time.perf_counter()
        step()
        warm.append(time.perf_counter() - s)
        after_warmup = status("VmRSS:")
        print("%s warm-up step %d: %.3f s" % (label, len(warm), warm[-1]), file=sys.stderr)
    timed = []
    for i in range(args.steps):
        s = time.perf_counter()
        step()
        timed.append(time.perf_counter() - s)
        print("%s timed step %d: %.3f s" % (label, i + 1, timed[-1]), file=sys.stderr)
    peak = status("VmHWM:")
    end = status("VmRSS:")
    engine_bytes, detail = engine_peak(torch, nets, opts, step)

    med = statistics.median(timed)
    dnn = re.search(r"MKL-DNN (v[0-9.]+)", torch.__config__.show())
    doc = {
        "engine": "pytorch",
        "engine_version": "PyTorch %s (oneDNN %s, %s)" % (torch.__version__, dnn.group(1) if dnn else "?",
                                                        "mkldnn on" if torch.backends.mkldnn.is_available() else "mkldnn OFF"),
        "depth": args.depth, "k": args.k, "method": "e2e" if args.k == 1 else args.loss,
        "table": "e2e" if args.k == 1 else args.table, "splits": [list(p) for p in splits], "aux_net": "1c2f",
        "batch_size": args.batch_size, "threads": args.threads, "runtime_threads": torch.get_num_threads(),
        "modules": modules, "trainable_params": sum(m["trainable_params"] for m in modules), "bn_statistics": bn_statistics,
        "warmup": {"window": args.window, "max": args.warmup_max, "tolerance": args.tolerance, "steps": len(warm),
                   "steady": steady(warm, args.window, args.tolerance), "seconds": warm},
        "step_seconds": timed, "median_step_s": med, "images_per_s": args.batch_size / med,
        "images_per_s_mean": args.steps * args.batch_size / sum(timed),
        "memory": {"rss_baseline_bytes": baseline, "rss_peak_bytes": peak,
                   "rss_peak_above_baseline_bytes": None if baseline is None or peak is None else peak - baseline,
                   "rss_after_warmup_bytes": after_warmup, "rss_end_bytes": end,
                   "engine_peak_bytes": engine_bytes,
                   "engine_accounting": "PyTorch: bytes live at the start of a step (parameters, buffers, momentum, batch) + peak "
                                        "of c10 CPU allocations during one profiled step after the timed ones (torch.profiler memory events)",
                   "engine_detail": detail},
        "env": {v: os.environ.get(v) for v in ENV},
        "pid": os.getpid(), "started_at": started, "wall_s": time.perf_counter() - t0,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    above = doc["memory"]["rss_peak_above_baseline_bytes"]
    print("%s: %.1f img/s (median of %d steps after %d warm-up, %s), RSS peak %.1f MiB above baseline, allocator peak %.1f MiB"
          % (label, doc["images_per_s"], args.steps, len(warm), "steady" if doc["warmup"]["steady"] else "NOT steady by --warmup-max",
             float("nan") if above is None else above / 1048576, engine_bytes / 1048576), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
