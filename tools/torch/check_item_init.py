"""Checks train.transition_init on a toy catalogue whose users buy items in fixed pairs (1 then 2,
3 then 4, ...): each item's row must be nearer (cosine) to its partner than to any other item, item
rows must keep the mean norm they had, and non-item rows must stay as they were. Exits 1 otherwise.

    /usr/bin/python3 tools/torch/check_item_init.py
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train as T  # noqa: E402


class Toy:
    """The parts of train.Bundle that transition_init reads."""

    def __init__(self, pairs: int, users: int, seed: int):
        rng = np.random.default_rng(seed)
        w = np.arange(1, pairs + 1, dtype=np.float64) ** 1.5  # pairs of different popularity: no two equal eigenvalues
        w /= w.sum()
        self.num_items = 2 * pairs
        self.item_token = np.arange(-1, self.num_items, dtype=np.int64) + 3  # item i -> token i + 2 (0 pad, 1 </s>, 2 user)
        self.item_token[0] = 0
        self.seqs = []
        for _ in range(users):
            firsts = rng.choice(pairs, size=3, replace=False, p=w)
            self.seqs.append(np.array([x for p in firsts for x in (2 * p + 1, 2 * p + 2)], dtype=np.int64))
        self.users = users

    def train_seq(self, u: int) -> np.ndarray:
        return self.seqs[u]


toy = Toy(pairs=12, users=400, seed=3)
torch.manual_seed(0)
shared = torch.randn(3 + toy.num_items, 32) * 0.5  # wide enough for every pair's component
out = T.transition_init(toy, shared)
tok = torch.from_numpy(toy.item_token[1:])
rows = torch.nn.functional.normalize(out[tok], dim=-1)
cos = rows @ rows.T
cos.fill_diagonal_(-2.0)
partner = torch.tensor([i + 1 if i % 2 == 0 else i - 1 for i in range(toy.num_items)])
wrong = int((cos.argmax(1) != partner).sum())
norm_gap = abs(float(out[tok].norm(dim=1).mean() - shared[tok].norm(dim=1).mean()))
others_same = torch.equal(out[:3], shared[:3])
print(f"transition init: {wrong} of {toy.num_items} items nearest to a non-partner; mean norm gap {norm_gap:.2e}; non-item rows kept: {others_same}")
sys.exit(0 if wrong == 0 and norm_gap < 1e-4 and others_same else 1)
