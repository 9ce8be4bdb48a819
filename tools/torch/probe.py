"""Quick next-item probe of a torch-engine checkpoint, in PyTorch, without exporting a pack.

Ranks every item by the first decoded token's log-probability (the T5 alone, no priors) for a seeded
sample of users, on validation (history = training items, target = the second-to-last item) and test
(history + the validation item, target = the last item), bare prompts of the last 20 items, the
pack's CF row and neighbour lists; prints HR@1, HR@10, NDCG@10. `npx peapod eval` is the measurement
of record (beam search over [item, </s>], every user); this is the quick look used to compare
training variants, and to diagnose what a model relies on:

    /usr/bin/python3 tools/torch/probe.py --bundle RUN/torch --weights RUN/torch/best.safetensors
        [--users 3000] [--exclude-history] [--shuffle-neighbours]

--exclude-history   items of the input history are never ranked (targets never repeat them here)
--shuffle-neighbours  every user gets the next sampled user's neighbour list: how much of the score
                    rests on the neighbour set itself (a model that memorised users through it collapses)
--train-rows        also score a row the trainer saw (each user's last training item, from the items
                    before it, CF folded in from them, neighbours chosen from that fold-in): far above
                    validation means the T5 recalls training sequences rather than generalising
--shuffle-cf        every user gets the next sampled user's CF row (its own neighbours kept): how much
                    the collaborative prompt's query side moves the T5's ranking
--history-hits      also count how often the top-ranked item is already in the input history, and how
                    often it is the newest history item itself (before --exclude-history removes them)
--seq-form bare|history  the sequential task's form (default: the config's sequentialForm); history =
                    [user, </s>] in the encoder, the items as the decoder's prefix (left-padded, masked)
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st  # noqa: E402
from peapod_t5 import MASKED, PeapodT5  # noqa: E402
from train import Bundle, decode_history_last, neighbour_emb, pad_rows, prefix_neighbour_emb  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--users", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--exclude-history", action="store_true")
    ap.add_argument("--shuffle-neighbours", action="store_true")
    ap.add_argument("--shuffle-cf", action="store_true")
    ap.add_argument("--train-rows", action="store_true")
    ap.add_argument("--history-hits", action="store_true")
    ap.add_argument("--seq-form", choices=["bare", "history"], help="the sequential task's form (default: the bundle config's sequentialForm)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    b = Bundle(a.bundle)
    w, _ = st.load(a.weights)
    model = PeapodT5.from_config(b.config, w)
    model.eval()
    n_nb = b.config["composer"]["numNeighbours"]
    history_form = (a.seq_form or b.config.get("sequentialForm") or "bare") == "history"
    cols = torch.from_numpy(b.item_token[1:].astype(np.int64))
    users = np.random.default_rng(a.seed).choice(np.arange(b.users), size=min(a.users, b.users), replace=False)
    splits = ("train", "valid", "test") if a.train_rows else ("valid", "test")
    for split in splits:
        n = 0
        h1 = h10 = nd = 0.0
        top_seen = top_newest = 0
        with torch.no_grad():
            for i in range(0, len(users), 128):
                us = [int(u) for u in users[i : i + 128]]
                if split == "train":
                    us = [u for u in us if len(b.train_seq(u)) >= 2]
                rows, targets, hists = [], [], []
                for u in us:
                    f = b.full_seq(u)
                    if split == "train":
                        tr = b.train_seq(u)
                        hist, t = tr[:-1], tr[-1]
                    else:
                        hist, t = (f[:-2], f[-2]) if split == "valid" else (f[:-1], f[-1])
                    hist = hist[-20:]
                    rows.append([int(b.user_token[u])] + [int(b.item_token[x]) for x in hist] + [b.eos])
                    targets.append(int(t) - 1)
                    hists.append(hist)
                ids, mask = pad_rows(rows, b.pad)
                user = b.cf_user[us]
                if split == "train":
                    user = torch.stack([b.prefix_cf(u, len(b.train_seq(u)) - 1) for u in us])
                    nb = prefix_neighbour_emb(b, us, user, n_nb)
                else:
                    nb = neighbour_emb(b, us, n_nb)
                if a.shuffle_neighbours:
                    nb = torch.roll(nb, 1, 0)
                if a.shuffle_cf:
                    user = torch.roll(user, 1, 0)
                if history_form:  # [user, </s>] in the encoder, [start, items...] in the decoder
                    dec_rows = [[b.pad] + r[1:-1] for r in rows]
                    ids, mask = pad_rows([[r[0], b.eos] for r in rows], b.pad)
                hidden, full_mask, _ = model.encode("sequential", ids, mask, user, nb)
                cross = ((1 - full_mask) * MASKED)[:, None, None, :]
                if history_form:
                    h = decode_history_last(model, dec_rows, b.pad, hidden, cross)[:, None]
                else:
                    h = model.decode(torch.full((len(us), 1), b.pad, dtype=torch.long), hidden, cross)
                scores = model.logits(h)[:, 0].log_softmax(-1)[:, cols]
                top = scores.argmax(1) + 1  # item ids
                for j, hist in enumerate(hists):
                    top_seen += int(int(top[j]) in set(int(x) for x in hist))
                    top_newest += int(len(hist) > 0 and int(top[j]) == int(hist[-1]))
                if a.exclude_history:
                    for j, hist in enumerate(hists):
                        scores[j, torch.from_numpy(hist.astype(np.int64)) - 1] = -float("inf")
                tgt = torch.tensor(targets)
                rank = (scores > scores.gather(1, tgt[:, None])).sum(1)
                h1 += float((rank < 1).sum())
                h10 += float((rank < 10).sum())
                nd += float(torch.where(rank < 10, 1 / torch.log2(rank.float() + 2), torch.zeros(())).sum())
                n += len(us)
        print(f"{split}: HR@1 {h1 / n:.4f}  HR@10 {h10 / n:.4f}  NDCG@10 {nd / n:.4f}  ({n} users)", flush=True)
        if a.history_hits:
            print(f"{split}: top item already in the history for {top_seen / n:.1%} of users, the newest history item itself for {top_newest / n:.1%}", flush=True)


if __name__ == "__main__":
    main()
