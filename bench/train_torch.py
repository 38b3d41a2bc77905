"""train_torch.py - PyTorch's side of bench/train.sh: the training step of
one of dh's zoo networks, written as tests/ref/zoo_torch.py defines them,
with a forward() that follows dh's ONNX graphs (lib/onnx/zoo.c).

Usage: train_torch.py ARCH CxHxW CLASSES BATCH THREADS STEPS OPTIMIZER
       train_torch.py --flops ARCH CxHxW CLASSES
       train_torch.py --blas-info
       train_torch.py --sgemm-gflops

Prints one line: "ms_per_step=M cpu_ms_per_step=C" (the means over STEPS
steps after two warm-up steps of the wall time and of the process's CPU
time, all threads: the steps timed whole, as dh's side is, an epoch of
STEPS steps) on stdout; --flops prints the FLOPs of one sample's training
step, --blas-info the BLAS libraries loaded and their kernel,
--sgemm-gflops the GFLOP/s of OpenBLAS's sgemm (NumPy's, 1024^3 float32,
best of 10; OPENBLAS_NUM_THREADS sets its threads)."""
import ctypes
import statistics
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F


class Basic(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or cin != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, planes, 1, stride, bias=False),
                nn.BatchNorm2d(planes))

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + (self.downsample(x) if self.downsample else x))


class ResNet18(nn.Module):
    """dh's resnet18 for images up to 64 px: 3x3 stem, no max pool."""
    def __init__(self, c, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(c, 64, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        cin, mods = 64, []
        for s in range(4):
            for i in range(2):
                mods.append(Basic(cin, 64 << s, 2 if s > 0 and i == 0 else 1))
                cin = 64 << s
        self.layers = nn.Sequential(*mods)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.layers(F.relu(self.bn1(self.conv1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def vgg16_bn(c, classes):
    cfg = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0,
           512, 512, 512, 0]
    mods, cin = [], c
    for v in cfg:
        if v:
            mods += [nn.Conv2d(cin, v, 3, 1, 1, bias=False),
                     nn.BatchNorm2d(v), nn.ReLU()]
            cin = v
        else:
            mods.append(nn.MaxPool2d(2, 2))
    return nn.Sequential(*mods, nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(cin, classes))


def build(arch, c, h, w, classes):
    if arch == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(c * h * w, 1024),
                             nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                             nn.Linear(1024, classes))
    if arch == "lenet":
        return nn.Sequential(nn.Conv2d(c, 32, 5, 1, 2), nn.ReLU(),
                             nn.MaxPool2d(2, 2), nn.Conv2d(32, 64, 5, 1, 2),
                             nn.ReLU(), nn.MaxPool2d(2, 2), nn.Flatten(),
                             nn.Linear(64 * (h // 4) * (w // 4), 512),
                             nn.ReLU(), nn.Linear(512, classes))
    if arch == "resnet18":
        return ResNet18(c, classes)
    if arch == "vgg16_bn":
        return vgg16_bn(c, classes)
    raise SystemExit(f"train_torch.py: unknown architecture '{arch}'")


def blas_info():
    """The OpenBLAS this process loaded, with its kernel, or what else."""
    with open("/proc/self/maps") as f:
        libs = sorted({l.split()[-1] for l in f if "blas" in l.lower()
                       and "/" in l})
    out = []
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_config.restype = ctypes.c_char_p
            lib.openblas_get_corename.restype = ctypes.c_char_p
            out.append(f"{lib.openblas_get_config().decode()} (kernel "
                       f"{lib.openblas_get_corename().decode()}) [{path}]")
        except (OSError, AttributeError):
            out.append(path)
    mkldnn = torch.backends.mkldnn.is_available()
    return "; ".join(out) + f"; oneDNN (convolutions): {'yes' if mkldnn else 'no'}"


def flops_per_sample(model, c, h, w):
    """Multiply-adds of Conv2d and Linear in one forward pass, times 2
    (FLOPs) times 3 (forward, and backward's two products)."""
    macs = []

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            k = m.weight[0].numel()
            macs.append(out.numel() * k)
        elif isinstance(m, nn.Linear):
            macs.append(out.numel() * m.in_features)
    for m in model.modules():
        m.register_forward_hook(hook)
    with torch.no_grad():
        model.eval()
        model(torch.zeros(1, c, h, w))
    return 6 * sum(macs)


def main():
    if sys.argv[1] == "--flops":
        c, h, w = (int(v) for v in sys.argv[3].split("x"))
        print(flops_per_sample(build(sys.argv[2], c, h, w, int(sys.argv[4])),
                               c, h, w))
        return
    if sys.argv[1:] == ["--sgemm-gflops"]:
        import numpy as np
        r = np.random.default_rng(0)
        a = r.standard_normal((1024, 1024), dtype=np.float32)
        b = r.standard_normal((1024, 1024), dtype=np.float32)
        best = float("inf")
        for _ in range(10):
            t0 = time.perf_counter()
            a @ b
            best = min(best, time.perf_counter() - t0)
        print(f"{2 * 1024 ** 3 / best / 1e9:.1f}")
        return
    if sys.argv[1:] == ["--blas-info"]:
        torch.zeros(4, 4) @ torch.zeros(4, 4)
        print(blas_info())
        return
    arch, shape, classes, batch, threads, steps, opt = sys.argv[1:8]
    c, h, w = (int(v) for v in shape.split("x"))
    classes, batch, threads, steps = int(classes), int(batch), int(threads), int(steps)
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = build(arch, c, h, w, classes)
    model.train()
    optim = (torch.optim.Adam(model.parameters()) if opt == "adam"
             else torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9))
    x = torch.randn(batch, c, h, w)
    y = torch.randint(0, classes, (batch,))
    times, cpu = [], []
    for i in range(steps + 2):
        t0, c0 = time.perf_counter(), time.process_time()
        optim.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optim.step()
        if i >= 2:
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    print(f"ms_per_step={1000 * statistics.mean(times):.2f} "
          f"cpu_ms_per_step={1000 * statistics.mean(cpu):.2f}")


if __name__ == "__main__":
    main()
