#!/usr/bin/python3
"""The recipe of examples/mnist_cnn (Keras's classic convnet) in PyTorch 1.13, for comparing
test accuracy after N epochs: glorot_uniform kernels and zero biases (Keras's defaults),
Adam(1e-3, epsilon 1e-7), batch 128, reshuffled each epoch, images scaled to [0, 1].

  /usr/bin/python3 bench/pytorch_mnist_cnn_accuracy.py --data ../shared/data/mnist --seeds 0 1 2

Prints the test accuracy after every epoch for every seed.
"""
import argparse
import gzip
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    with gzip.open(path) as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(folder, prefix):
    x = read_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz"))
    return (torch.tensor(x, dtype=torch.float32).unsqueeze(1) / 255,
            torch.tensor(y, dtype=torch.long))


def model():
    m = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(),
                      nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128),
                      nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))
    for layer in m:
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
    return m


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    x_train, y_train = load(args.data, "train")
    x_test, y_test = load(args.data, "t10k")
    for seed in args.seeds:
        torch.manual_seed(seed)
        m = model()
        opt = torch.optim.Adam(m.parameters(), 1e-3, eps=1e-7)
        for epoch in range(args.epochs):
            m.train()
            order = torch.randperm(len(x_train))
            for i in range(0, len(x_train), 128):
                batch = order[i:i + 128]
                opt.zero_grad()
                F.cross_entropy(m(x_train[batch]), y_train[batch]).backward()
                opt.step()
            m.eval()
            with torch.no_grad():
                right = sum((m(x_test[i:i + 1000]).argmax(1) == y_test[i:i + 1000]).sum().item()
                            for i in range(0, len(x_test), 1000))
            print(f"seed {seed} epoch {epoch + 1} test accuracy {right / len(x_test):.4f}",
                  flush=True)


if __name__ == "__main__":
    main()
