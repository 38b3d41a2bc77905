"""augment.py - the peer of bench/augment_bench.c: the same pipeline with
albumentations (or torchvision when albumentations is absent), on one core,
over the same kind of images; prints "images/s: X" and what ran, timed in
CPU time of the process as bench/augment_bench.c does.

  python3 bench/augment.py [N [SIZE]]
"""
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np

n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
size = int(sys.argv[2]) if len(sys.argv) > 2 else 224
rng = np.random.default_rng(1)
yy, xx = np.mgrid[0:size, 0:size]
imgs = [(((xx + yy)[:, :, None] + 40 * np.arange(3)[None, None, :] + i) % 200
         + rng.integers(0, 56, (size, size, 3))).astype(np.uint8)
        for i in range(n)]
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)

try:
    import albumentations as A
    import cv2
    cv2.setNumThreads(1)
    try:
        noise = A.GaussNoise(std_range=(0, 10 / 255), p=1)
    except TypeError:  # albumentations 1.x
        noise = A.GaussNoise(var_limit=(0, 100), p=1)
    pipe = A.Compose([
        A.Rotate(limit=15, border_mode=cv2.BORDER_CONSTANT, p=1),
        A.HorizontalFlip(p=0.5),
        A.RandomCrop(200, 200),
        noise,
        A.Normalize(mean=MEAN, std=STD, max_pixel_value=255),
    ])
    name = "albumentations %s (OpenCV %s)" % (A.__version__, cv2.__version__)

    def apply(img):
        return pipe(image=img)["image"]
except ImportError:
    try:
        import torch
        import torchvision.transforms.v2 as T
        torch.set_num_threads(1)
        pipe = T.Compose([
            T.RandomRotation(15), T.RandomHorizontalFlip(), T.RandomCrop(200),
            T.ToDtype(torch.float32, scale=True),
            T.GaussianNoise(sigma=10 / 255) if hasattr(T, "GaussianNoise") else T.Identity(),
            T.Normalize(MEAN, STD),
        ])
        name = "torchvision"
        imgs = [torch.from_numpy(i).permute(2, 0, 1).contiguous() for i in imgs]

        def apply(img):
            return pipe(img)
    except ImportError:
        print("images/s: 0 (neither albumentations nor torchvision is installed)")
        sys.exit(0)

for i in imgs[:10]:
    apply(i)
best = 1e30
for rep in range(3):
    t0 = time.process_time()
    for i in imgs:
        apply(i)
    best = min(best, time.process_time() - t0)
print("images/s: %.1f (%s)" % (n / best, name))
