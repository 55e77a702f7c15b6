"""PyTorch GPU training / inference throughput: ../shared/bench/pytorch_reference.py's protocol
(same models, data, warm-up, segments, scaling and JSON keys) on a CUDA device, beside
`build/release/bench/train_throughput --device cuda`, which follows it too.

Differences from the CPU reference, all of them what a GPU benchmark needs:
- the 60000 images and labels are moved to the device once and batches are gathered there (the
  nabla benchmark does the same), so host-to-device copies are not what is measured;
- TF32 is off for matmuls and convolutions unless --tf32 (nabla's default is off too);
- a segment ends with loss.item(), which waits for the device, as the reference's does.

The models are the reference's own classes, read from its source (so the two cannot drift).
  /usr/bin/python3 bench/pytorch_gpu_reference.py --model mlp512 --batch 1024 [--device cuda]
--device cpu runs the same code on the CPU (a smoke test where there is no GPU).
"""
import argparse, json, math, os, statistics, time

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(HERE, "..", "..", "shared", "bench", "pytorch_reference.py")

p = argparse.ArgumentParser()
p.add_argument("--model", required=True, choices=["mlp512", "mlp128", "cnnA", "cnnB", "lstm", "gru"])
p.add_argument("--opt", default="adam", choices=["sgd", "adam"])
p.add_argument("--batch", type=int, default=128)
p.add_argument("--segments", type=int, default=3)
p.add_argument("--seg-frac", type=float, default=1.0)
p.add_argument("--warmup-batches", type=int, default=50)
p.add_argument("--infer", action="store_true")
p.add_argument("--device", default="cuda")
p.add_argument("--tf32", action="store_true")
p.add_argument("--reference", default=REFERENCE, help="path of pytorch_reference.py")
args = p.parse_args()


def reference_models(path):
    """The model classes of the CPU reference: its source from `class MLP` up to `model = {`."""
    with open(path) as f:
        source = f.read()
    start, end = source.index("class MLP("), source.index("\nmodel = {")
    namespace = {"torch": torch, "nn": nn, "F": F}
    exec(compile(source[start:end], path, "exec"), namespace)
    return namespace


classes = reference_models(args.reference)
device = torch.device(args.device)
torch.backends.cuda.matmul.allow_tf32 = args.tf32
torch.backends.cudnn.allow_tf32 = args.tf32
torch.manual_seed(0)
model = {"mlp512": lambda: classes["MLP"]([512, 512]), "mlp128": lambda: classes["MLP"]([128]),
         "cnnA": classes["CNNA"], "cnnB": classes["CNNB"],
         "lstm": lambda: classes["RNN"]("lstm"), "gru": lambda: classes["RNN"]("gru")}[args.model]()
model = model.to(device)
nparams = sum(p.numel() for p in model.parameters())
g = torch.Generator().manual_seed(0)
NTRAIN, NTEST = 60000, 10000
res = dict(framework="pytorch", version=torch.__version__, model=args.model, batch=args.batch,
           device=str(device), tf32=args.tf32, params=nparams)


def sync():
    if device.type == "cuda":
        torch.cuda.synchronize(device)


if args.infer:
    X = torch.rand(NTEST, 1, 28, 28, generator=g).to(device)
    model.eval()

    def one_pass():
        correct = 0
        with torch.no_grad():
            for i in range(0, NTEST, args.batch):
                correct += (model(X[i:i + args.batch]).argmax(1) == 0).sum().item()
        return correct

    one_pass()
    ts = []
    for _ in range(args.segments):
        t0 = time.perf_counter(); one_pass(); ts.append(time.perf_counter() - t0)
    med = statistics.median(ts)
    res.update(mode="infer", n_samples=NTEST, runs=len(ts), sec_per_10k_median=med,
               sec_min=min(ts), sec_max=max(ts), samples_per_s_median=NTEST / med)
    print(json.dumps(res), flush=True)
    raise SystemExit(0)

X = torch.rand(NTRAIN, 1, 28, 28, generator=g).to(device)
Y = torch.randint(0, 10, (NTRAIN,), generator=g).to(device)
opt = (torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9) if args.opt == "sgd"
       else torch.optim.Adam(model.parameters(), lr=1e-3))
model.train()
nb_epoch = math.ceil(NTRAIN / args.batch)


def batches():
    while True:
        perm = torch.randperm(NTRAIN, generator=g).to(device)
        for i in range(0, NTRAIN, args.batch):
            idx = perm[i:i + args.batch]
            yield X.index_select(0, idx), Y.index_select(0, idx)


def step(xb, yb):
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(xb), yb)
    loss.backward()
    opt.step()
    return loss


it = batches()
for _ in range(args.warmup_batches):
    step(*next(it))
sync()
seg_batches = max(1, round(nb_epoch * args.seg_frac))
ts, losses = [], []
for _ in range(args.segments):
    n = 0
    t0 = time.perf_counter()
    for _ in range(seg_batches):
        xb, yb = next(it)
        loss = step(xb, yb)
        n += xb.shape[0]
    losses.append(loss.item())
    ts.append((time.perf_counter() - t0) * NTRAIN / n)
epoch = statistics.median(ts)
res.update(mode="train", opt=args.opt, seg_frac=args.seg_frac, seg_batches=seg_batches,
           runs=len(ts), sec_per_epoch_median=epoch, sec_per_epoch_min=min(ts),
           sec_per_epoch_max=max(ts), samples_per_s_median=NTRAIN / epoch,
           all_sec_per_epoch=[round(t, 3) for t in ts], last_loss=losses[-1])
print(json.dumps(res), flush=True)
