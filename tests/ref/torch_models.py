"""torch_models.py - small networks written in PyTorch and exported with
torch.onnx.export (an outside producer) for dh's interoperability tests.
For each model NAME it writes NAME.onnx, NAME-x.npy (an input batch) and
NAME-y.npy (PyTorch's output for it, in eval mode).
Usage: torch_models.py OUTDIR [NAME...]"""
import os
import sys

import numpy as np
import torch
from torch import nn

torch.manual_seed(0)


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + (self.down(x) if self.down is not None else x))


class ResNet18(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        layers, cin = [], 64
        for i, c in enumerate([64, 128, 256, 512]):
            layers += [Block(cin, c, 1 if i == 0 else 2), Block(c, c, 1)]
            cin = c
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(512, classes)

    def forward(self, x):
        x = self.layers(torch.relu(self.bn1(self.conv1(x))))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


def cbr(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU())


class UNet(nn.Module):
    def __init__(self, c=1, classes=2, w=8):
        super().__init__()
        self.d1, self.d2 = cbr(c, w), cbr(w, 2 * w)
        self.b = cbr(2 * w, 4 * w)
        self.u2 = nn.ConvTranspose2d(4 * w, 2 * w, 2, 2)
        self.c2 = cbr(4 * w, 2 * w)
        self.u1 = nn.ConvTranspose2d(2 * w, w, 2, 2)
        self.c1 = cbr(2 * w, w)
        self.head = nn.Conv2d(w, classes, 1)

    def forward(self, x):
        a = self.d1(x)
        b = self.d2(nn.functional.max_pool2d(a, 2))
        m = self.b(nn.functional.max_pool2d(b, 2))
        y = self.c2(torch.cat([b, self.u2(m)], 1))
        y = self.c1(torch.cat([a, self.u1(y)], 1))
        return self.head(y)


class LSTMClassifier(nn.Module):
    def __init__(self, features=8, hidden=16, classes=4):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.fc(h[-1])


class Misc(nn.Module):
    """Activations and layers beyond the classic CNN."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1, groups=1)
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.ln = nn.LayerNorm([8, 8, 8])
        self.inorm = nn.InstanceNorm2d(8, affine=True)
        self.prelu = nn.PReLU(8)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        x = self.prelu(self.dw(nn.functional.elu(self.conv(x))))
        x = self.ln(x) + torch.sigmoid(x) * torch.tanh(x)
        x = nn.functional.leaky_relu(self.inorm(x), 0.1)
        x = nn.functional.avg_pool2d(x, 2) - nn.functional.gelu(nn.functional.max_pool2d(x, 2))
        x = nn.functional.interpolate(x, scale_factor=2, mode="nearest")
        x = torch.mean(x, dim=(2, 3))
        return torch.log_softmax(self.fc(nn.functional.softplus(x)), dim=1)


MODELS = {
    "lenet": (LeNet, (4, 1, 28, 28)),
    "resnet18": (ResNet18, (2, 3, 32, 32)),
    "unet": (UNet, (2, 1, 16, 16)),
    "lstm": (LSTMClassifier, (3, 7, 8)),
    "misc": (Misc, (2, 3, 8, 8)),
}

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name in sys.argv[2:] or MODELS:
    cls, shape = MODELS[name]
    m = cls().eval()
    # running statistics that are not the identity, so BatchNorm matters
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.5, 0.5)
            mod.running_var.uniform_(0.5, 1.5)
    x = torch.randn(*shape)
    with torch.no_grad():
        y = m(x)
    path = os.path.join(out, name)
    torch.onnx.export(m, x, path + ".onnx", input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "N"}, "output": {0: "N"}}, opset_version=13)
    np.save(path + "-x.npy", x.numpy())
    np.save(path + "-y.npy", y.numpy())
