"""Checks that train.py picks a training row's similar users the way the pack picks them.

A row whose CF prompt comes from a prefix of the user's items gets the users nearest (cosine) to that
prefix embedding, itself excluded (train.prefix_neighbour_emb). For the full prefix that must give
the pack's own lists, written by the TypeScript pipeline into the bundle: same users, same order
(up to ties). Exits 1 on any user whose lists differ.

    /usr/bin/python3 tools/torch/check_neighbours.py --bundle RUN/torch
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train as T  # noqa: E402

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--bundle", required=True)
b = T.Bundle(ap.parse_args().bundle)
n = b.nb.shape[1]
users = list(range(b.users))
unit = torch.nn.functional.normalize(b.cf_user, dim=-1)
bad = 0
for i in range(0, len(users), 256):
    us = users[i : i + 256]
    got = T.prefix_neighbour_emb(b, us, b.cf_user[us], n)
    want = b.cf_user[b.nb[us]]
    for j, u in enumerate(us):
        if torch.equal(got[j], want[j]):
            continue
        # ties: the similarity of each picked user must match the pack's, rank by rank
        s_got = (unit[u] * torch.nn.functional.normalize(got[j], dim=-1)).sum(-1)
        s_want = (unit[u] * unit[b.nb[u]]).sum(-1)
        if (s_got - s_want).abs().max() > 1e-5:
            bad += 1
print(f"prefix neighbours of the full prefix vs the pack's lists: {bad} of {len(users)} users differ")
sys.exit(1 if bad else 0)
