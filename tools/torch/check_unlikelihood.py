"""Checks train.py's repeat_unlikelihood against a plain loop over rows, positions and read items,
on random log-probabilities and decoder rows with padding, a target that repeats a read item (not
penalised) and masked labels. Prints the two values and exits 1 when they differ.

    /usr/bin/python3 tools/torch/check_unlikelihood.py
"""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import repeat_unlikelihood  # noqa: E402


def by_loop(logp: torch.Tensor, dec: torch.Tensor, lab: torch.Tensor, pad: int) -> float:
    total, k = 0.0, 0
    for r in range(dec.shape[0]):
        for p in range(dec.shape[1]):
            if lab[r, p] < 0:
                continue
            for q in range(1, p + 1):  # decoder inputs read up to position p (0 is the start token)
                t = int(dec[r, q])
                if t != pad and t != int(lab[r, p]):
                    total += -math.log(1 - math.exp(float(logp[k, t])))
            k += 1
    return total / k


def main() -> None:
    torch.manual_seed(0)
    pad = 0
    dec = torch.tensor([[0, 3, 4, 5, 0], [0, 6, 7, 0, 0], [0, 2, 2, 8, 1]])
    lab = torch.tensor([[3, 4, 5, 6, -100], [6, 7, 1, -100, -100], [-100, 2, 8, 1, 4]])
    keep = lab.reshape(-1) >= 0
    logp = (torch.randn(int(keep.sum()), 9) * 2).log_softmax(-1)
    got = float(repeat_unlikelihood(logp, dec, lab, keep, pad))
    want = by_loop(logp, dec, lab, pad)
    print(f"repeat_unlikelihood {got:.8f}  loop {want:.8f}")
    sys.exit(0 if abs(got - want) <= 1e-5 * max(1.0, abs(want)) else 1)


if __name__ == "__main__":
    main()
