"""zoo_torch.py - the dh zoo's architectures written in PyTorch, as an outside
reference for `dh-onnx new`: prints one JSON object per architecture with
the number of parameters (BatchNorm running statistics included, as ONNX
stores them) and the state_dict names.  Usage: zoo_torch.py ARCH C H W CLASSES"""
import json
import sys

import torch
from torch import nn


def cbr(cin, cout, k=3, s=1, p=1, bn=True):
    layers = [nn.Conv2d(cin, cout, k, s, p, bias=not bn)]
    if bn:
        layers.append(nn.BatchNorm2d(cout))
    return layers + [nn.ReLU()]


class Basic(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        if stride != 1 or cin != planes:
            self.downsample = nn.Sequential(nn.Conv2d(cin, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))


class Bottle(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        if stride != 1 or cin != planes * 4:
            self.downsample = nn.Sequential(nn.Conv2d(cin, planes * 4, 1, stride, bias=False), nn.BatchNorm2d(planes * 4))


class ResNet(nn.Module):
    def __init__(self, layers, c, h, classes):
        super().__init__()
        blocks = {18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 6, 3]}[layers]
        big = h > 64
        self.conv1 = nn.Conv2d(c, 64, 7 if big else 3, 2 if big else 1, 3 if big else 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        cin = 64
        for s, n in enumerate(blocks):
            mods = []
            for i in range(n):
                stride = 2 if s > 0 and i == 0 else 1
                b = (Bottle if layers == 50 else Basic)(cin, 64 << s, stride)
                cin = (64 << s) * (4 if layers == 50 else 1)
                mods.append(b)
            setattr(self, f"layer{s + 1}", nn.Sequential(*mods))
        self.fc = nn.Linear(cin, classes)


def vgg(layers, bn, c, classes):
    cfg = {11: [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0],
           16: [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0],
           19: [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0]}[layers]
    mods, cin = [], c
    for v in cfg:
        if v:
            mods += cbr(cin, v, bn=bn)
            cin = v
    return nn.Sequential(*mods, nn.Linear(cin, classes))


def unet(c, classes, depth=4, width=64):
    mods, cin, skips = [], c, []
    for l in range(depth):
        w = width << l
        mods += cbr(cin, w) + cbr(w, w)
        skips.append(w)
        cin = w
    mods += cbr(cin, width << depth) + cbr(width << depth, width << depth)
    cin = width << depth
    for l in reversed(range(depth)):
        w = width << l
        mods.append(nn.ConvTranspose2d(cin, w, 2, 2))
        mods += cbr(w + skips[l], w) + cbr(w, w)
        cin = w
    mods.append(nn.Conv2d(cin, classes, 1))
    return nn.Sequential(*mods)


def build(arch, c, h, w, classes, depth, width):
    if arch == "mlp":
        d, wd = depth or 2, width or 1024
        mods, n = [], c * h * w
        for _ in range(d):
            mods.append(nn.Linear(n, wd))
            n = wd
        return nn.Sequential(*mods, nn.Linear(n, classes))
    if arch == "lenet":
        return nn.Sequential(nn.Conv2d(c, 32, 5, 1, 2), nn.Conv2d(32, 64, 5, 1, 2),
                             nn.Linear(64 * (h // 4) * (w // 4), 512), nn.Linear(512, classes))
    if arch.startswith("vgg"):
        return vgg(int(arch[3:5]), arch.endswith("_bn"), c, classes)
    if arch.startswith("resnet"):
        return ResNet(int(arch[6:]), c, h, classes)
    if arch == "unet":
        return unet(c, classes, depth or 4, width or 64)
    if arch == "lstm":  # here c = T, h = F
        hid = width or 128
        return nn.Sequential(nn.LSTM(h, hid, batch_first=True), nn.Linear(hid, classes))
    raise SystemExit(f"unknown {arch}")


arch = sys.argv[1]
c, h, w, classes = (int(v) for v in sys.argv[2:6])
depth = int(sys.argv[6]) if len(sys.argv) > 6 else 0
width = int(sys.argv[7]) if len(sys.argv) > 7 else 0
m = build(arch, c, h, w, classes, depth, width)
sd = {k: v for k, v in m.state_dict().items() if not k.endswith("num_batches_tracked")}
print(json.dumps({"parameters": sum(v.numel() for v in sd.values()), "names": sorted(sd)}))
