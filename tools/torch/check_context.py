"""Checks train.py's context_loss (bag-of-words from the encoder's user and item states) against a
plain loop over rows and target tokens, with padding and </s> in the labels (both left out). A stub
model stands in for the T5: its output head is a fixed random matrix. Prints the two values and
exits 1 when they differ.

    /usr/bin/python3 tools/torch/check_context.py
"""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import context_loss  # noqa: E402


class Head:
    def __init__(self, d: int, v: int):
        self.w = torch.randn(d, v)

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden @ self.w


def by_loop(model: Head, hidden: torch.Tensor, lab: torch.Tensor, eos: int) -> float:
    per_state = []
    for pos in (-3, -2):
        total, k = 0.0, 0
        for r in range(lab.shape[0]):
            lp = model.logits(hidden[r, pos]).log_softmax(-1)
            for t in lab[r].tolist():
                if t >= 0 and t != eos:
                    total -= float(lp[t])
                    k += 1
        per_state.append(total / k)
    return sum(per_state) / 2


def main() -> None:
    torch.manual_seed(0)
    eos, d, v = 1, 6, 11
    model = Head(d, v)
    hidden = torch.randn(3, 9, d)  # [rows, prompt 6 + user + item + </s>, d]
    lab = torch.tensor([[4, 5, 5, 1, -100], [7, 1, -100, -100, -100], [2, 3, 9, 10, 1]])
    got = float(context_loss(model, hidden, lab, eos))
    want = by_loop(model, hidden, lab, eos)
    print(f"context_loss {got:.8f}  loop {want:.8f}")
    sys.exit(0 if abs(got - want) <= 1e-5 * max(1.0, abs(want)) and not math.isnan(got) else 1)


if __name__ == "__main__":
    main()
