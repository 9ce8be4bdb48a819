"""Trains PeaPOD's T5 (peapod_t5.py) on a bundle written by `npx peapod train --engine torch`.

The TypeScript pipeline prepares everything that is not the T5's training loop (leak-free ids, CF
embeddings, neighbours, prefix fold-ins, tokenizer, initial weights, the output priors) into a bundle
folder; this script trains and writes `best.safetensors` in checkpoint names, which the pipeline
imports back and exports as a pack. Usage:

    /usr/bin/python3 tools/torch/train.py --bundle RUN/torch [--resume]

Dense next-item supervision (the sequential task): the encoder is causal for that task, so the
state of a bare prompt's inputs never depends on what comes after them. One packed input per user
holds every bare prompt of its window at once: [soft prompt ; user ; item_0 </s> item_1 </s> ...],
each </s> at the position it has in the bare prompt ending at the item before it, attending only to
that prompt (seq_batch, packed_structure). Each target then gets a decoder row ([pad] -> item;
some rows also [pad, item] -> [item, </s>]) whose cross-attention sees exactly its bare prompt.
check_packing.py verifies the states and logits equal those of the separate bare prompts.
Leak-free collaborative prompt: a row's CF user embedding is folded in from a random prefix of its
training items (precomputed by the pipeline), and only items after that prefix are targets, so the
prompt never encodes the answer (on validation and test it never does either).
Top-n: one target per row, the positive among shuffled candidates (negatives the user never bought).
Explanation (when the bundle has explanation pairs): the bare prompt [user, item, </s>] behind the
task and collaborative prompts, bidirectional encoder, the target sentence's sub-word ids
teacher-forced in the decoder (label smoothing optional). Language pretraining (lmFraction > 0): the
first part of the time budget trains the same form on every sentence of the training reviews (each
with its review's user and item; the pipeline never writes validation or test reviews), so the
decoder learns the language before the 8k explanation targets; lmMix keeps a share of those
sentences in the explanation batches afterwards. Validation adds the explanation loss on validation
pairs; the checkpoint score is next-item NDCG@10 + top-n NDCG@10 - explValWeight * that loss.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st  # noqa: E402
from peapod_t5 import MASKED, PeapodT5  # noqa: E402

DEFAULTS = {
    "minutes": 60.0,  # wall-clock training budget (validation included)
    "maxSteps": None,  # optimizer steps; None = the time budget alone. Given, the schedule (cosine decay, the language-pretraining phase) runs on step / maxSteps and the budget only caps the time, so a run that reaches maxSteps inside its budget is the same run on any machine
    "snapshotEvery": 0,  # > 0: every snapshotEvery steps once the schedule is snapshotFrom of the way through (and at the end), the weights are also written to snapshots/step-N.safetensors, for a checkpoint chosen afterwards on what validation decodes (0 = none)
    "snapshotFrom": 0.7,  # fraction of the run (steps with maxSteps, else time) before which no snapshot is kept
    "keepWeights": "best",  # which weights best.safetensors holds at the end: "best" = the best-scoring validation (see explValWeight); "last" = the weights the run ended with (validated too); "average" = the element-wise mean of every snapshot (needs snapshotEvery; validated too), an average over the late, low-learning-rate part of the run (on Beauty it matched the best single checkpoint, no better)
    "batchSize": 64,  # rows (users) per batch
    "lr": 1e-3,
    "minLrFrac": 0.1,  # cosine decay over the run (maxSteps, else the time budget) to lr * minLrFrac
    "warmupSteps": 300,
    "weightDecay": 0.01,
    "betas": [0.9, 0.98],
    "maxHistory": 20,  # items in the encoder window, as the bare prompt
    "topnCandidates": 20,  # positive + negatives per training top-n row
    "topnEvery": 3,  # one top-n batch after every (topnEvery - 1) sequential batches; 0 = none
    "eosWeight": 0.5,  # weight of the </s> token after the item in the loss
    "eosRows": 0.125,  # fraction of target rows that also learn the closing </s>
    "validateEveryMin": 4.0,
    "validUsers": 2000,
    "threads": 1,
    "seed": 1,
    "clip": 1.0,
    "explanationShare": 0.5,  # fraction of batches (after language pretraining) that are explanation batches, when the bundle has them
    "lmFraction": 0.0,  # first fraction of the time budget: language pretraining on training review sentences (explanation form)
    "lmMix": 0.0,  # after pretraining: fraction of explanation batches drawn from the review sentences instead of the explanation pairs
    "labelSmoothing": 0.0,  # explanation and language-model targets
    "contextLoss": 0.0,  # weight of a bag-of-words loss on explanation and review-sentence batches: the encoder's user and item states each predict the sentence's words through the output head (0 = off)
    "explValWeight": 0.1,  # checkpoint score = seq NDCG@10 + top-n NDCG@10 - explValWeight * explanation validation loss
    "explValidPairs": 1000,  # validation explanation pairs scored (the first N)
    "windowCrop": 0.0,  # fraction of sequential rows whose window starts at a random later item (1 .. maxHistory items of context), so the T5 also learns from short contexts, as item-to-item transitions
    "itemInit": "bundle",  # item token rows: "bundle" = as the pipeline wrote them (e.g. from CF item factors); "transitions" = a rank-d factorisation of which items follow which in the training sequences (PPMI, within 3 positions)
    "itemNoise": 0.0,  # fraction of input history items of sequential rows replaced by a random item in training (the targets stay real), so the T5 cannot recall a training sequence by its exact items
    "itemLabelSmoothing": 0.0,  # label smoothing of the item targets (sequential and top-n)
    "validation": "plain",  # "plain": validation users' history is the training sequence the T5 trained on; "unseen-last": their last training item is held out of training (as target and as input), so validation sees, as test does, a newest input item the T5 never saw for that user (checkpoints are chosen on what test measures)
    "seqForm": "bare",  # sequential task: "bare" = the paper's bare prompt [prompts ; user ; items ; </s>] -> [item, </s>] (packed, see above); "history" = the prompt [prompts ; user ; </s>] in the encoder and the user's items teacher-forced in the decoder, every decoder position predicting the next item (inference: the history as the decoder's prefix)
    "sampledSoftmax": 0,  # item targets of the sequential task: 0 = softmax over the whole vocabulary; k > 0 = over the batch's target items plus k items drawn uniformly, the drawn ones' logits raised by log(items / k) so their sum stands in for the whole catalogue's (the head's cost then scales with k, not the vocabulary)
    "lengthBuckets": 0,  # > 1: batches are cut from runs of lengthBuckets x batchSize users sorted by sequence length (then the batches are shuffled), so a batch pads little; 0 = random batches
    "repeatUnlikelihood": 0.0,  # history form: weight of an unlikelihood term -log(1 - p(item)) on every item the decoder has already read at that position (unless it is the target), so the T5 itself learns that a next item is not one the user already has; 0 = off
    "itemLrMult": 1.0,  # learning rate of the token table (item rows; the tied output head with them) as a multiple of lr: below 1 keeps the item rows near their initialisation (e.g. the transitions factorisation), so the table, most of the parameters, cannot learn the training sequences by heart; 0 = frozen
    "neighbours": "prefix",  # training rows' similar users: "prefix" = chosen from the row's CF prefix embedding, as the pack would choose them had it seen only those items; "pack" = the pack's lists (chosen from all training items)
}


def epoch_order(b: "Bundle", users: np.ndarray, rng: np.random.Generator, batch: int, buckets: int) -> np.ndarray:
    """One epoch's user order: a random permutation, or (buckets > 1) runs of buckets x batch users
    sorted by training-sequence length, cut into batches, the batches shuffled. Padding to the longest
    row of a batch is then small (most users have far fewer items than the 20-item window)."""
    perm = rng.permutation(users)
    if buckets <= 1:
        return perm
    out = []
    for i in range(0, len(perm), batch * buckets):
        run = sorted(perm[i : i + batch * buckets], key=lambda u: len(b.train_seq(int(u))))
        cut = [run[j : j + batch] for j in range(0, len(run), batch)]
        rng.shuffle(cut)
        out += [u for c in cut for u in c]
    return np.array(out)


def average_weights(paths: list[str]) -> dict[str, torch.Tensor]:
    """The element-wise mean of several saved weight files (the same names and shapes in each),
    accumulated in float64 so the order of the files does not change the result."""
    if not paths:
        raise ValueError("no weight files to average")
    total: dict[str, torch.Tensor] = {}
    for p in paths:
        w, _ = st.load(p)
        if total and set(w) != set(total):
            raise ValueError(f"{p}: its tensor names differ from {paths[0]}'s")
        for k, v in w.items():
            total[k] = total[k] + v.double() if k in total else v.double()
    return {k: (v / len(paths)).to(torch.float32) for k, v in total.items()}


def log(msg: str) -> None:
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


class Bundle:
    def __init__(self, folder: str):
        with open(os.path.join(folder, "bundle.json")) as f:
            self.meta = json.load(f)
        d, _ = st.load(os.path.join(folder, "data.safetensors"))
        self.np = {k: v.numpy() for k, v in d.items()}
        self.config = self.meta["config"]
        self.item_token = self.np["item_token"]
        self.item_token_t = torch.from_numpy(self.item_token[1:].astype(np.int64))  # every item's token
        self.seq_off, self.seq = self.np["seq_offsets"], self.np["seq_items"]
        self.all_off, self.all = self.np["all_offsets"], self.np["all_items"]
        self.cf_user = torch.from_numpy(self.np["cf_user"])
        self.pre_off = self.np["prefix_offsets"]
        self.pre_cf = torch.from_numpy(self.np["prefix_cf"])
        self.nb = torch.from_numpy(self.np["neighbours"].astype(np.int64))
        self.valid_target = self.np["valid_target"]
        self.cf_unit = None  # unit CF rows, for prefix neighbours (made on first use)
        self.held: set[int] = set()  # users whose last training item is held out (validation "unseen-last")
        self.users = len(self.seq_off) - 1
        self.num_items = len(self.item_token) - 1
        t = self.meta["tokens"]
        self.pad, self.eos = t["pad"], t["eos"]
        # each user's token in a bare prompt (its own with --user-tokens; older bundles: one for all)
        self.user_token = self.np["user_token"] if "user_token" in self.np else np.full(self.users, t["user"], dtype=np.int32)
        # Explanation pairs and language-model sentences: (user index, item, target ids ending </s>).
        self.text = {}
        for part in ("expl_train", "expl_valid", "lm"):
            if f"{part}_user" in self.np:
                self.text[part] = (self.np[f"{part}_user"], self.np[f"{part}_item"], self.np[f"{part}_offsets"], self.np[f"{part}_ids"])

    def text_count(self, part: str) -> int:
        return len(self.text[part][0]) if part in self.text else 0

    def hold_out_last(self, users) -> None:
        """From now on train_seq(u) of these users leaves out their last training item."""
        self.held = set(int(u) for u in users)

    def full_train_seq(self, u: int) -> np.ndarray:
        return self.seq[self.seq_off[u] : self.seq_off[u + 1]]

    def train_seq(self, u: int) -> np.ndarray:
        if u in self.held:
            return self.seq[self.seq_off[u] : self.seq_off[u + 1] - 1]
        return self.seq[self.seq_off[u] : self.seq_off[u + 1]]

    def full_seq(self, u: int) -> np.ndarray:
        return self.all[self.all_off[u] : self.all_off[u + 1]]

    def prefix_cf(self, u: int, s: int) -> torch.Tensor:
        """CF embedding folded in from the first s (>= 1) training items; s = n is the pack row."""
        n = self.seq_off[u + 1] - self.seq_off[u]
        if s >= n:
            return self.cf_user[u]
        return self.pre_cf[self.pre_off[u] + s - 1]


def neighbour_emb(b: Bundle, users: list[int], n: int) -> torch.Tensor:
    idx = b.nb[users, :n]
    return b.cf_user[idx]


def transition_init(b: Bundle, shared: torch.Tensor) -> torch.Tensor:
    """Item rows from the training sequences' item-to-item co-occurrence: items within 3 positions of
    each other (weight 1/gap, both directions), positive PMI, truncated SVD to the model width, rows
    U * sqrt(S) rescaled to the mean norm the item rows had. The T5 then starts with items that
    follow each other close together, which is what next-item prediction needs first."""
    rows, cols, vals = [], [], []
    for u in range(b.users):
        t = b.train_seq(u)
        for g in (1, 2, 3):
            if len(t) > g:
                rows += [t[:-g], t[g:]]
                cols += [t[g:], t[:-g]]
                vals += [np.full(len(t) - g, 1.0 / g)] * 2
    r, c, v = (np.concatenate(x) for x in (rows, cols, vals))
    n = b.num_items + 1
    co = torch.sparse_coo_tensor(torch.from_numpy(np.stack([r, c]).astype(np.int64)), torch.from_numpy(v).float(), (n, n)).coalesce()
    idx, val = co.indices(), co.values()
    row_sum = torch.zeros(n).index_add_(0, idx[0], val)
    total = float(val.sum())
    pmi = torch.log(val * total / (row_sum[idx[0]] * row_sum[idx[1]]).clamp_min(1e-12)).clamp_min(0.0)
    keep = pmi > 0
    m = torch.sparse_coo_tensor(idx[:, keep], pmi[keep], (n, n)).coalesce()
    d = shared.shape[1]
    torch.manual_seed(0)
    # The matrix is symmetric with a zero diagonal, so it has negative eigenvalues too: a pair that
    # only ever co-occurs is a block [[0, p], [p, 0]] (eigenvalues +p on (1, 1), -p on (1, -1)).
    # Rows U * sqrt(S) of the plain SVD would reproduce |eigenvalue| and make such a pair orthogonal,
    # so only the components with positive eigenvalues are kept (u . v > 0): then two rows' dot
    # product approximates the positive part of their PPMI.
    U, S, V = torch.svd_lowrank(m, q=min(2 * d, n), niter=4)
    pos = ((U * V).sum(0) > 0).nonzero().flatten()[:d]
    U, S = U[:, pos], S[pos]
    emb = torch.zeros(n, d)
    emb[:, : len(S)] = U * S.sqrt()
    out = shared.clone()
    tok = torch.from_numpy(b.item_token[1:].astype(np.int64))
    target = shared[tok].norm(dim=1).mean()
    e = emb[1:]
    e = e * (target / e.norm(dim=1).mean().clamp_min(1e-12))
    out[tok] = e
    return out


def prefix_neighbour_emb(b: Bundle, users: list[int], cf: torch.Tensor, n: int) -> torch.Tensor:
    """Similar users of training rows whose CF prompt comes from a prefix: the n users whose CF rows
    are nearest (cosine) to the prefix embedding, the user itself excluded, which is how the pack
    picks neighbours from the full row. The pack's own lists were picked with every training item
    of the user, so on a prefix row they would tell the T5 which items come later: a shortcut that
    lowers the training loss and does nothing on validation or test."""
    if b.cf_unit is None:
        b.cf_unit = F.normalize(b.cf_user, dim=-1)
    sims = F.normalize(cf, dim=-1) @ b.cf_unit.T
    sims[torch.arange(len(users)), torch.tensor(users)] = -2.0
    return b.cf_user[sims.topk(n, dim=1).indices]


def seq_batch(b: Bundle, users: list[int], rng: np.random.Generator, o: dict, P: int):
    """One packed input per user, every target a bare prompt of its own (see the module doc).

    Layout after the soft prompt (P positions): user, then item_0, </s>, item_1, </s>, ... Each </s>
    closes the bare prompt ending at the item before it and sits at that prompt's position of </s>
    (right after its item; the next item shares that position). Prompt, user and item inputs attend
    to the non-</s> inputs at or before their position (causal); a </s> attends to the non-</s>
    inputs up to its item and to itself. With positions and masks so, every </s> and every item has
    exactly the encoder state it has in its own bare prompt, and the decoder row of the target after
    item k cross-attends to exactly that prompt: [soft prompt ; user ; items 0..k ; </s>]."""
    rows, cf, tgt, row_of, at = [], [], [], [], []
    for u in users:
        t = b.train_seq(u)
        n = len(t)
        if n < 2:
            continue
        e = n - 1 if n - 1 <= o["maxHistory"] else int(rng.integers(o["maxHistory"], n))  # last target index
        a = max(0, e - o["maxHistory"])  # first window item
        if o["windowCrop"] > 0 and rng.random() < o["windowCrop"]:
            a = int(rng.integers(a, e))
        s = int(rng.integers(1, e + 1))  # CF prefix length; targets are t[s..e]
        r = len(rows)
        toks = [int(b.user_token[u])]
        for k, j in enumerate(range(a, e)):
            x = t[j] if o["itemNoise"] <= 0 or rng.random() >= o["itemNoise"] else int(rng.integers(1, b.num_items + 1))
            toks += [int(b.item_token[x]), b.eos]
            if j + 1 >= s:
                tgt.append(int(b.item_token[t[j + 1]]))
                row_of.append(r)
                at.append(P + 2 + 2 * k)  # index of the </s> after item j
        rows.append(toks)
        cf.append(b.prefix_cf(u, s))
    return rows, cf, tgt, row_of, at


def packed_structure(rows: list[list[int]], P: int, eos: int):
    """Positions [B, P+L] and the attention pattern [B, P+L, P+L] of packed rows (seq_batch)."""
    B = len(rows)
    L = max(len(r) for r in rows)
    S = P + L
    pos = torch.zeros(B, S, dtype=torch.long)
    is_eos = torch.zeros(B, S, dtype=torch.bool)
    real = torch.zeros(B, S, dtype=torch.bool)
    pos[:, :P] = torch.arange(P)
    real[:, :P] = True
    for i, r in enumerate(rows):
        m = len(r)
        idx = torch.arange(m)
        # user at P, item k at P+1+k, its </s> at P+2+k (tokens alternate item, </s> after the user)
        is_eos[i, P + 2 : P + m : 2] = True
        pos[i, P : P + m] = P + (idx + 1) // 2 + is_eos[i, P : P + m].long()
        real[i, P : P + m] = True
        pos[i, P + m :] = P + m  # padding: never attended, any position
    limit = torch.where(is_eos, pos - 1, pos)  # the newest non-</s> position a query may see
    allowed = real[:, None, :] & ~is_eos[:, None, :] & (pos[:, None, :] <= limit[:, :, None])
    allowed = allowed | torch.eye(S, dtype=torch.bool)[None]
    return pos, allowed


def topn_batch(b: Bundle, users: list[int], rng: np.random.Generator, o: dict):
    rows, cf, targets = [], [], []
    k = o["topnCandidates"]
    for u in users:
        t = b.train_seq(u)
        n = len(t)
        if n < 2:
            continue
        s = int(rng.integers(1, n))
        pos = int(t[int(rng.integers(s, n))])
        seen = set(int(x) for x in b.full_seq(u))
        negs: list[int] = []
        while len(negs) < k - 1:
            c = int(rng.integers(1, b.num_items + 1))
            if c not in seen and c not in negs:
                negs.append(c)
        cands = negs + [pos]
        rng.shuffle(cands)
        rows.append([int(b.user_token[u])] + [int(b.item_token[i]) for i in cands] + [b.eos])
        cf.append(b.prefix_cf(u, s))
        targets.append(int(b.item_token[pos]))
    return rows, cf, targets


def pad_rows(rows: list[list[int]], pad: int):
    L = max(len(r) for r in rows)
    ids = torch.full((len(rows), L), pad, dtype=torch.long)
    mask = torch.zeros(len(rows), L)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
        mask[i, : len(r)] = 1
    return ids, mask


def two_token_loss(model: PeapodT5, b: Bundle, targets: list[int], memory_kv, cross_bias, o: dict):
    """Item loss on every row ([pad] -> item); the closing </s> ([pad, item] -> [item, </s>]) on the
    first eosRows fraction of rows only: it is learnt in a few hundred steps, and the full-vocabulary
    softmax of a second position on every row would cost as much as the items themselves."""
    tgt = torch.tensor(targets, dtype=torch.long)
    start = torch.full((len(targets), 1), b.pad, dtype=torch.long)
    h = model.decode(start, None, cross_bias, memory_kv)
    item = F.cross_entropy(model.logits(h[:, 0]), tgt, label_smoothing=o["itemLabelSmoothing"])
    k = max(1, int(len(targets) * o["eosRows"]))
    kv = [(kk[:k], vv[:k]) for kk, vv in memory_kv]
    h2 = model.decode(torch.cat([start[:k], tgt[:k, None]], 1), None, cross_bias[:k], kv)
    eos = F.cross_entropy(model.logits(h2[:, 1]), torch.full((k,), b.eos, dtype=torch.long))
    return item + o["eosWeight"] * eos, item


def step_seq(model: PeapodT5, b: Bundle, users: list[int], rng, o: dict, n_nb: int, P: int):
    kept = [u for u in users if len(b.train_seq(u)) >= 2]
    rows, cf, targets, row_of, at = seq_batch(b, kept, rng, o, P)
    ids, mask = pad_rows(rows, b.pad)
    pos, allowed = packed_structure(rows, P, b.eos)
    cf = torch.stack(cf)
    nbe = prefix_neighbour_emb(b, kept, cf, n_nb) if o["neighbours"] == "prefix" else neighbour_emb(b, kept, n_nb)
    hidden, _, _ = model.encode("sequential", ids, mask, cf, nbe, structure=(pos, allowed))
    owner = torch.tensor(row_of)
    kv = [(k[owner], v[owner]) for k, v in model.cross_kv(hidden)]
    cross_bias = torch.where(allowed[owner, torch.tensor(at)], 0.0, MASKED)[:, None, None, :]
    loss, item = two_token_loss(model, b, targets, kv, cross_bias, o)
    return loss, item, len(targets)


def history_batch(b: Bundle, users: list[int], rng: np.random.Generator, o: dict):
    """History form: encoder rows [user, </s>], decoder inputs [pad, item_a .. item_(e-1)] and labels
    [item_a .. item_e], -100 where the target is inside the CF prefix (the prompt may know it)."""
    rows, cf, dec, lab = [], [], [], []
    for u in users:
        t = b.train_seq(u)
        n = len(t)
        e = n - 1 if n - 1 <= o["maxHistory"] else int(rng.integers(o["maxHistory"], n))
        a = max(0, e - o["maxHistory"])
        if o["windowCrop"] > 0 and rng.random() < o["windowCrop"]:
            a = int(rng.integers(a, e))
        s = int(rng.integers(1, e + 1))
        rows.append([int(b.user_token[u]), b.eos])
        cf.append(b.prefix_cf(u, s))
        dec.append([b.pad] + [int(b.item_token[x]) for x in t[a:e]])
        lab.append([int(b.item_token[t[j]]) if j >= s else -100 for j in range(a, e + 1)])
    T = max(len(d) for d in dec)
    di = torch.full((len(dec), T), b.pad, dtype=torch.long)
    li = torch.full((len(dec), T), -100, dtype=torch.long)
    for i, (d, l) in enumerate(zip(dec, lab)):
        di[i, : len(d)] = torch.tensor(d)
        li[i, : len(l)] = torch.tensor(l)
    return rows, cf, di, li


def item_loss(model: PeapodT5, b: Bundle, h: torch.Tensor, targets: torch.Tensor, o: dict) -> torch.Tensor:
    """Cross-entropy of item tokens `targets` [N] from decoder states h [N, d]: full softmax, or the
    sampled one (o["sampledSoftmax"] uniform negatives plus the batch's targets, log-corrected)."""
    k = int(o["sampledSoftmax"])
    if k <= 0:
        return F.cross_entropy(model.logits(h), targets, label_smoothing=o["itemLabelSmoothing"])
    pos, label = torch.unique(targets, return_inverse=True)
    items = b.item_token_t
    neg = items[torch.randint(len(items), (k,))]
    cand = torch.cat([pos, neg])
    if model.c["tieWordEmbeddings"]:
        logits = (h * model.c["dModel"] ** -0.5) @ model.shared.weight[cand].t()
    else:
        logits = h @ model.lm_head.weight[cand].t()
    corr = torch.cat([torch.zeros(len(pos)), torch.full((k,), math.log(len(items) / k))])
    logits = logits + corr
    # a drawn item that is the row's own target is not a negative of that row
    logits[:, len(pos) :] = logits[:, len(pos) :].masked_fill(neg[None, :] == targets[:, None], MASKED)
    return F.cross_entropy(logits, label, label_smoothing=o["itemLabelSmoothing"])


def step_history(model: PeapodT5, b: Bundle, users: list[int], rng, o: dict, n_nb: int):
    kept = [u for u in users if len(b.train_seq(u)) >= 2]
    rows, cf, dec, lab = history_batch(b, kept, rng, o)
    ids, mask = pad_rows(rows, b.pad)
    cf = torch.stack(cf)
    nbe = prefix_neighbour_emb(b, kept, cf, n_nb) if o["neighbours"] == "prefix" else neighbour_emb(b, kept, n_nb)
    hidden, full_mask, _ = model.encode("sequential", ids, mask, cf, nbe)
    h = model.decode(dec, hidden, ((1 - full_mask) * MASKED)[:, None, None, :])
    flat = lab.reshape(-1)
    keep = flat >= 0
    h_kept = h.reshape(-1, h.shape[-1])[keep]
    if o["repeatUnlikelihood"] <= 0:
        item = item_loss(model, b, h_kept, flat[keep], o)
        return item, item, int(keep.sum())
    logp = model.logits(h_kept).log_softmax(-1)  # shared by both terms when the softmax is the full one
    if int(o["sampledSoftmax"]) <= 0 and o["itemLabelSmoothing"] == 0:
        item = F.nll_loss(logp, flat[keep])
    else:
        item = item_loss(model, b, h_kept, flat[keep], o)
    loss = item + o["repeatUnlikelihood"] * repeat_unlikelihood(logp, dec, lab, keep, b.pad)
    return loss, item, int(keep.sum())


def repeat_unlikelihood(logp: torch.Tensor, dec: torch.Tensor, lab: torch.Tensor, keep: torch.Tensor, pad: int) -> torch.Tensor:
    """Mean over kept target positions of sum_q -log(1 - p(dec[q])), q over the items the decoder has
    read up to that position (its inputs 1..p), the target itself and padding excluded. The training
    sequences never repeat an item, yet a model with tied embeddings readily ranks the items it has
    just read near the top; this term teaches it not to."""
    B, T = dec.shape
    pos = torch.arange(T)
    seen = (pos[None, :] <= pos[:, None]) & (pos[None, :] >= 1)  # [p, q]: decoder input q read at position p
    rows_b = torch.arange(B)[:, None].expand(B, T).reshape(-1)[keep]
    rows_p = pos[None, :].expand(B, T).reshape(-1)[keep]
    toks = dec[rows_b]  # [N, T] the row's decoder inputs
    m = seen[rows_p] & (toks != pad) & (toks != lab.reshape(-1)[keep][:, None])
    lp = logp.gather(1, toks).clamp_max(-1e-6)
    ul = -torch.log1p(-lp.exp()) * m
    return ul.sum() / max(1, len(logp))


def step_topn(model: PeapodT5, b: Bundle, users: list[int], rng, o: dict, n_nb: int):
    kept = [u for u in users if len(b.train_seq(u)) >= 2]
    rows, cf, targets = topn_batch(b, kept, rng, o)
    ids, mask = pad_rows(rows, b.pad)
    cf = torch.stack(cf)
    nbe = prefix_neighbour_emb(b, kept, cf, n_nb) if o["neighbours"] == "prefix" else neighbour_emb(b, kept, n_nb)
    hidden, full_mask, _ = model.encode("topn", ids, mask, cf, nbe)
    kv = model.cross_kv(hidden)
    cross_bias = ((1 - full_mask) * MASKED)[:, None, None, :]
    loss, item = two_token_loss(model, b, targets, kv, cross_bias, o)
    return loss, item, len(targets)


def text_batch(b: Bundle, part: str, idx) -> tuple:
    """Encoder rows [user, item, </s>], CF rows, teacher-forced decoder inputs and labels (-100 = pad)."""
    users, items, off, ids = b.text[part]
    rows, us, tg = [], [], []
    for k in idx:
        k = int(k)
        u = int(users[k])
        rows.append([int(b.user_token[u]), int(b.item_token[int(items[k])]), b.eos])
        us.append(u)
        tg.append([int(x) for x in ids[off[k] : off[k + 1]]])
    T = max(len(t) for t in tg)
    dec = torch.full((len(tg), T), b.pad, dtype=torch.long)
    lab = torch.full((len(tg), T), -100, dtype=torch.long)
    for i, t in enumerate(tg):
        lab[i, : len(t)] = torch.tensor(t)
        dec[i, 1 : len(t)] = torch.tensor(t[:-1])
    return rows, us, dec, lab


def context_loss(model: PeapodT5, hidden: torch.Tensor, lab: torch.Tensor, eos: int) -> torch.Tensor:
    """Bag-of-words prediction from the encoder's user and item states (rows [.., user, item, </s>]):
    mean -log p(word) over the target sentence's tokens (</s> and padding left out), each of the two
    states read through the output head. It makes those states carry what the sentence says, so the
    decoder has something user- and item-specific to attend to (training only; decoding is unchanged)."""
    tgt = lab.clone()
    tgt[tgt == eos] = -100
    keep = tgt >= 0
    idx = tgt.clamp(min=0)
    total = 0.0
    for pos in (-3, -2):
        lp = model.logits(hidden[:, pos]).log_softmax(-1)
        total = total - (lp.gather(1, idx) * keep).sum() / keep.sum().clamp(min=1)
    return total / 2


def text_loss(model: PeapodT5, b: Bundle, part: str, idx, n_nb: int, smoothing: float, context: float = 0.0):
    """Mean token cross-entropy of the targets (smoothed, plus context * the bag-of-words term; and
    the plain one) and the token count."""
    rows, us, dec, lab = text_batch(b, part, idx)
    ids, mask = pad_rows(rows, b.pad)
    hidden, full_mask, _ = model.encode("explanation", ids, mask, b.cf_user[us], neighbour_emb(b, us, n_nb))
    h = model.decode(dec, hidden, ((1 - full_mask) * MASKED)[:, None, None, :])
    flat = lab.reshape(-1)
    keep = flat >= 0  # the head and the softmax only at target positions, not at padding
    lp = model.logits(h.reshape(-1, h.shape[-1])[keep]).log_softmax(-1)
    nll = -lp.gather(1, flat[keep][:, None])[:, 0]
    plain = nll.mean()
    # Label smoothing from the same log-softmax (one pass, not two): (1 - e) nll + e mean(-log p).
    loss = ((1 - smoothing) * nll - (smoothing / lp.shape[-1]) * lp.sum(-1)).mean() if smoothing > 0 else plain
    if context > 0:
        loss = loss + context * context_loss(model, hidden, lab, b.eos)
    return loss, plain, int(keep.sum())


@torch.no_grad()
def validate_explanation(model: PeapodT5, b: Bundle, o: dict, n_nb: int) -> float:
    """Token cross-entropy (nats) of the validation explanation pairs, teacher-forced."""
    model.eval()
    n = min(b.text_count("expl_valid"), int(o["explValidPairs"]))
    total = count = 0.0
    for i in range(0, n, 128):
        _, plain, k = text_loss(model, b, "expl_valid", range(i, min(n, i + 128)), n_nb, 0.0)
        total += float(plain) * k
        count += k
    model.train()
    return total / max(1.0, count)


def decode_history_last(model: PeapodT5, rows: list[list[int]], pad: int, memory, cross_bias) -> torch.Tensor:
    """Decoder states [B, d] after each row's last token, for decoder rows of different lengths
    ([start, items...]): left-padded, the padding masked as a key (relative positions between real
    tokens are unchanged by the shift), so every row's last position is its next-item prediction."""
    T = max(len(r) for r in rows)
    dec = torch.full((len(rows), T), pad, dtype=torch.long)
    for j, r in enumerate(rows):
        dec[j, T - len(r) :] = torch.tensor(r)
    pads = torch.tensor([T - len(r) for r in rows])
    y = model.shared(dec)
    causal = torch.triu(torch.full((T, T), MASKED), 1)[None, None]
    keymask = torch.where(torch.arange(T)[None, :] < pads[:, None], MASKED, 0.0)[:, None, None, :]
    bias = model.decoder.position_bias(T, T, False, y.device) + causal + keymask
    return model.decoder.run(y, bias, memory, cross_bias)[:, -1]


@torch.no_grad()
def validate(model: PeapodT5, b: Bundle, users: np.ndarray, o: dict, n_nb: int, negatives: np.ndarray) -> dict:
    """Next-item HR/NDCG@10 over all items and top-n over 1 + 99 fixed negatives, on validation
    targets (the second-to-last item), first decoded token, priors off: what the T5 alone does."""
    model.eval()
    item_cols = torch.from_numpy(b.item_token[1:].astype(np.int64))
    hits = ndcg = thits = tndcg = 0.0
    bs = 128
    for i in range(0, len(users), bs):
        us = [int(u) for u in users[i : i + bs]]
        rows = []
        hist_dec = None
        for u in us:
            t = b.full_train_seq(u)[-o["maxHistory"] :]
            rows.append([int(b.user_token[u])] + [int(b.item_token[x]) for x in t] + [b.eos])
        if o["seqForm"] == "history":
            hist_dec = [[b.pad] + r[1:-1] for r in rows]
            rows = [[r[0], b.eos] for r in rows]
        ids, mask = pad_rows(rows, b.pad)
        user = b.cf_user[us]
        nbe = neighbour_emb(b, us, n_nb)
        if b.held:
            # held-out users: the CF prompt and similar users from the items the T5 trained on, as
            # on test the pack's CF row has not seen the newest input item
            held = [j for j, u in enumerate(us) if u in b.held]
            if held:
                hu = [us[j] for j in held]
                cf = torch.stack([b.prefix_cf(u, len(b.full_train_seq(u)) - 1) for u in hu])
                user = user.clone()
                nbe = nbe.clone()
                user[held] = cf
                nbe[held] = prefix_neighbour_emb(b, hu, cf, n_nb)
        for task in ("sequential", "topn"):
            if task == "topn":
                rows = []
                for j, u in enumerate(us):
                    cands = [int(x) for x in negatives[i + j]] + [int(b.valid_target[u])]
                    rows.append([int(b.user_token[u])] + [int(b.item_token[x]) for x in cands] + [b.eos])
                ids, mask = pad_rows(rows, b.pad)
            hidden, full_mask, _ = model.encode(task, ids, mask, user, nbe)
            if task == "sequential" and hist_dec is not None:
                h = decode_history_last(model, hist_dec, b.pad, hidden, ((1 - full_mask) * MASKED)[:, None, None, :])
                lp = model.logits(h).log_softmax(-1)
            else:
                dec = torch.full((len(us), 1), b.pad, dtype=torch.long)
                h = model.decode(dec, hidden, ((1 - full_mask) * MASKED)[:, None, None, :])
                lp = model.logits(h)[:, 0].log_softmax(-1)
            if task == "sequential":
                scores = lp[:, item_cols]  # [B, items], column k = item k+1
                tgt = torch.tensor([int(b.valid_target[u]) - 1 for u in us])
                ts = scores.gather(1, tgt[:, None])
                rank = (scores > ts).sum(1)
                hits += float((rank < 10).sum())
                ndcg += float(torch.where(rank < 10, 1 / torch.log2(rank.float() + 2), torch.zeros(())).sum())
            else:
                cand = torch.tensor([[int(b.item_token[int(x)]) for x in negatives[i + j]] + [int(b.item_token[int(b.valid_target[u])])] for j, u in enumerate(us)])
                sc = lp.gather(1, cand)
                rank = (sc[:, :-1] > sc[:, -1:]).sum(1)
                thits += float((rank < 10).sum())
                tndcg += float(torch.where(rank < 10, 1 / torch.log2(rank.float() + 2), torch.zeros(())).sum())
    model.train()
    n = len(users)
    return {"seqHR10": hits / n, "seqNDCG10": ndcg / n, "topnHR10": thits / n, "topnNDCG10": tndcg / n}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bundle", required=True, help="bundle folder written by `peapod train --engine torch`")
    ap.add_argument("--resume", action="store_true", help="continue from the bundle's last checkpoint")
    args = ap.parse_args()
    b = Bundle(args.bundle)
    o = dict(DEFAULTS)
    unknown = set(b.meta.get("train", {})) - set(DEFAULTS)
    if unknown:
        raise SystemExit(f"bundle.json train options not known to train.py: {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    o.update(b.meta.get("train", {}))
    torch.set_num_threads(int(o["threads"]))
    torch.manual_seed(o["seed"])
    rng = np.random.default_rng(o["seed"])

    vrng = np.random.default_rng(12345)
    vusers = vrng.choice(np.arange(b.users), size=min(o["validUsers"], b.users), replace=False)
    if o["validation"] == "unseen-last":
        b.hold_out_last([u for u in vusers if len(b.full_train_seq(int(u))) >= 2])
    elif o["validation"] != "plain":
        raise SystemExit(f"validation must be plain or unseen-last, got {o['validation']!r}")
    if o["seqForm"] not in ("bare", "history"):
        raise SystemExit(f"seqForm must be bare or history, got {o['seqForm']!r}")
    if o["repeatUnlikelihood"] < 0 or (o["repeatUnlikelihood"] > 0 and o["seqForm"] != "history"):
        raise SystemExit(f"repeatUnlikelihood must be >= 0 and needs seqForm history, got {o['repeatUnlikelihood']!r} with {o['seqForm']!r}")

    cfg = b.config
    init, _ = st.load(os.path.join(args.bundle, "init.safetensors"))
    if not isinstance(o["snapshotEvery"], int) or o["snapshotEvery"] < 0 or not 0 <= o["snapshotFrom"] <= 1:
        raise SystemExit(f"snapshotEvery must be a whole number >= 0 and snapshotFrom in [0, 1], got {o['snapshotEvery']!r}, {o['snapshotFrom']!r}")
    if o["keepWeights"] not in ("best", "last", "average"):
        raise SystemExit(f"keepWeights must be best, last or average, got {o['keepWeights']!r}")
    if o["keepWeights"] == "average" and not o["snapshotEvery"]:
        raise SystemExit("keepWeights average is the mean of the snapshots: set snapshotEvery (steps) too")
    if o["maxSteps"] is not None and (not isinstance(o["maxSteps"], int) or o["maxSteps"] < 0):
        raise SystemExit(f"maxSteps must be a whole number >= 0 or null, got {o['maxSteps']!r}")
    if o["itemInit"] not in ("bundle", "transitions"):
        raise SystemExit(f"itemInit must be bundle or transitions, got {o['itemInit']!r}")
    if o["itemInit"] == "transitions":
        init["shared.weight"] = transition_init(b, init["shared.weight"])
    if not cfg["t5"]["tieWordEmbeddings"] and "lm_head.weight" in init and not args.resume:
        # An untied head starts as the tied one (the embedding times dModel^-0.5, the tied head's
        # scale), so it begins from the item rows' structure and is then free to leave it.
        init["lm_head.weight"] = init["shared.weight"] * cfg["t5"]["dModel"] ** -0.5
    model = PeapodT5.from_config(cfg, init)
    model.train()
    m = cfg["composer"]
    n_nb = m["numNeighbours"]
    P = (m["promptLength"] if m["taskPrompts"] else 0) + (m["promptLength"] if m["collaborative"] else 0)
    if not isinstance(o["itemLrMult"], (int, float)) or not 0 <= o["itemLrMult"] <= 1:
        raise SystemExit(f"itemLrMult must be in [0, 1], got {o['itemLrMult']!r}")
    decay, no_decay, table = [], [], []
    for name, p in model.named_parameters():
        if name == "shared.weight":
            table.append(p)
            if o["itemLrMult"] == 0:
                p.requires_grad_(False)
        else:
            (no_decay if p.dim() < 2 or "layer_norm" in name or "task_prompt" in name else decay).append(p)
    groups = [{"params": decay, "weight_decay": o["weightDecay"], "lrMult": 1.0}, {"params": no_decay, "weight_decay": 0.0, "lrMult": 1.0}]
    if o["itemLrMult"] > 0:
        groups.append({"params": table, "weight_decay": o["weightDecay"], "lrMult": float(o["itemLrMult"])})
    opt = torch.optim.AdamW(groups, lr=o["lr"], betas=tuple(o["betas"]))

    eligible = np.array([u for u in range(b.users) if len(b.train_seq(u)) >= 2])
    vneg = np.zeros((len(vusers), 99), dtype=np.int64)
    for j, u in enumerate(vusers):
        seen = set(int(x) for x in b.full_seq(int(u)))
        k = 0
        while k < 99:
            c = int(vrng.integers(1, b.num_items + 1))
            if c not in seen and c not in vneg[j, :k]:
                vneg[j, k] = c
                k += 1

    # best None until the first validation: the checkpoint score can be any real number (with
    # explValWeight 1 it is about -4), so no fixed starting value may stand in for "none yet".
    state = {"step": 0, "elapsedS": 0.0, "best": None, "bestStep": -1, "targets": 0, "history": []}
    ckpt = os.path.join(args.bundle, "last.pt")
    if args.resume and os.path.exists(ckpt):
        saved = torch.load(ckpt)
        model.load_state_dict(saved["model"])
        opt.load_state_dict(saved["opt"])
        state = saved["state"]
        rng = np.random.default_rng(o["seed"] + state["step"])
        log(f"resumed at step {state['step']} ({state['elapsedS'] / 60:.1f} min)")

    budget = o["minutes"] * 60
    log_path = os.path.join(args.bundle, "training-log.jsonl")
    logf = open(log_path, "a")
    t_start = time.time() - state["elapsedS"]
    last_val = time.time()
    last_print = 0.0
    run = {"seq": [], "topn": [], "expl": [], "lm": []}
    has_expl = b.text_count("expl_train") > 0 and "explanation" in cfg["tasks"]
    has_lm = has_expl and b.text_count("lm") > 0
    text_perm = {p: rng.permutation(b.text_count(p)) for p in ("expl_train", "lm") if b.text_count(p)}
    text_pos = {p: 0 for p in text_perm}

    def next_text(part: str) -> list[int]:
        if text_pos[part] + B > len(text_perm[part]):
            text_perm[part], text_pos[part] = rng.permutation(b.text_count(part)), 0
        i = text_pos[part]
        text_pos[part] += B
        return [int(x) for x in text_perm[part][i : i + B]]

    perm, pi = epoch_order(b, eligible, rng, o["batchSize"], int(o["lengthBuckets"])), 0
    B = o["batchSize"]
    last_val_step = -1
    lr = o["lr"]

    def save_snapshot() -> None:
        folder = os.path.join(args.bundle, "snapshots")
        os.makedirs(folder, exist_ok=True)
        st.save(os.path.join(folder, f"step-{state['step']}.safetensors"), model.state_dict(), {"step": str(state["step"])})

    def validate_logged(elapsed: float, epoch: float, lr: float, extra: dict) -> dict:
        """Validates the model as it is now, records it in the history and the training log."""
        v = validate(model, b, vusers, o, n_nb, vneg)
        if has_expl:
            v["explLoss"] = validate_explanation(model, b, o, n_nb)
        state["history"].append({"step": state["step"], "elapsedS": round(elapsed, 1), **extra, **v})
        logf.write(json.dumps({"step": state["step"], "epoch": round(epoch, 3), "task": "validation", "loss": None, "valLoss": None, **extra, **v, "lr": lr, "elapsedS": round(elapsed, 1)}) + "\n")
        logf.flush()
        return v

    def validate_and_save(elapsed: float, epoch: float, lr: float) -> None:
        nonlocal last_val_step
        last_val_step = state["step"]
        v = validate_logged(elapsed, epoch, lr, {})
        score = v["seqNDCG10"] + v["topnNDCG10"] - (o["explValWeight"] * v["explLoss"] if has_expl else 0.0)
        better = state["best"] is None or score > state["best"]
        if better:
            state["best"] = score
        if better or o["keepWeights"] == "last":
            state["bestStep"] = state["step"]
            st.save(os.path.join(args.bundle, "best.safetensors"), model.state_dict(), {"step": str(state["step"])})
        state["elapsedS"] = time.time() - t_start
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "state": state}, ckpt + ".tmp")
        os.replace(ckpt + ".tmp", ckpt)
        expl = f"  explanation loss {v['explLoss']:.3f}" if has_expl else ""
        log(f"valid step {state['step']}: next-item HR@10 {v['seqHR10']:.4f} NDCG@10 {v['seqNDCG10']:.4f}  top-n HR@10 {v['topnHR10']:.4f} NDCG@10 {v['topnNDCG10']:.4f}{expl}{'  (best, saved)' if better else '  (saved)' if o['keepWeights'] == 'last' else ''}")

    stopped_by = "time-budget"
    while True:
        elapsed = time.time() - t_start
        if elapsed >= budget:
            break
        step = state["step"]
        if o["maxSteps"] is not None and step >= o["maxSteps"]:
            stopped_by = "max-steps"
            break
        # The schedule's clock: steps when maxSteps is given (the same run on any machine that finishes
        # inside the budget; time never enters the weights), else the share of the time budget spent.
        frac = step / o["maxSteps"] if o["maxSteps"] else min(1.0, elapsed / budget)
        warm = min(1.0, (step + 1) / max(1, o["warmupSteps"]))
        lr = o["lr"] * warm * (o["minLrFrac"] + (1 - o["minLrFrac"]) * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = lr * g["lrMult"]
        # Which task: language pretraining first (lmFraction of the budget), then explanationShare of
        # the batches explanation (lmMix of those review sentences), the rest the recommendation
        # cycle (every topnEvery-th recommendation batch top-n).
        if has_lm and frac < o["lmFraction"]:
            task = "lm"
        elif has_expl and math.floor((step + 1) * o["explanationShare"]) > math.floor(step * o["explanationShare"]):
            task = "lm" if has_lm and rng.random() < o["lmMix"] else "expl"
        else:
            r = state.setdefault("recSteps", state["step"])
            state["recSteps"] = r + 1
            task = "topn" if o["topnEvery"] and r % o["topnEvery"] == o["topnEvery"] - 1 else "seq"
        t0 = time.time()
        if task in ("seq", "topn"):
            if pi + B > len(perm):
                perm, pi = epoch_order(b, eligible, rng, o["batchSize"], int(o["lengthBuckets"])), 0
            users = [int(u) for u in perm[pi : pi + B]]
            pi += B
            if task == "topn":
                loss, item, count = step_topn(model, b, users, rng, o, n_nb)
            elif o["seqForm"] == "history":
                loss, item, count = step_history(model, b, users, rng, o, n_nb)
            else:
                loss, item, count = step_seq(model, b, users, rng, o, n_nb, P)
        else:
            part = "lm" if task == "lm" else "expl_train"
            loss, item, count = text_loss(model, b, part, next_text(part), n_nb, o["labelSmoothing"], o["contextLoss"])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), o["clip"])
        opt.step()
        state["trainS"] = state.get("trainS", 0.0) + time.time() - t0  # pure training time, kept across resumes
        state["step"] += 1
        if o["snapshotEvery"] and state["step"] % o["snapshotEvery"] == 0 and frac >= o["snapshotFrom"]:
            save_snapshot()
        if task in ("seq", "topn"):
            state["targets"] += count
        else:
            state["tokens"] = state.get("tokens", 0) + count
        run[task].append(float(item))
        epoch = state["targets"] / max(1, len(b.seq))
        logf.write(json.dumps({"step": state["step"], "epoch": round(epoch, 3), "task": {"seq": "sequential", "topn": "topn", "expl": "explanation", "lm": "language"}[task], "loss": round(float(item), 5), "lr": lr, "elapsedS": round(elapsed, 1)}) + "\n")
        now = time.time()
        if now - last_print > 15:
            last_print = now
            sl = np.mean(run["seq"][-50:]) if run["seq"] else float("nan")
            tl = np.mean(run["topn"][-50:]) if run["topn"] else float("nan")
            text = "".join(f" {name} {np.mean(run[k][-50:]):.3f}" for k, name in (("expl", "explanation"), ("lm", "language")) if run[k])
            rate = state["targets"] / max(1e-9, elapsed)
            left = budget - elapsed
            if o["maxSteps"]:
                left = min(left, (o["maxSteps"] - state["step"]) * elapsed / max(1, state["step"]))
            log(f"train {elapsed / 60:5.1f}/{o['minutes']:.0f} min  step {state['step']}{'/' + str(o['maxSteps']) if o['maxSteps'] else ''}  epoch {epoch:.1f}  loss seq {sl:.3f} top-n {tl:.3f}{text}  {rate:,.0f} targets/s  best val {'-' if state['best'] is None else format(state['best'], '.4f')}  ETA {left / 60:.1f} min")
        if now - last_val >= o["validateEveryMin"] * 60:
            last_val = now
            validate_and_save(elapsed, epoch, lr)
    if stopped_by == "time-budget" and o["maxSteps"]:
        log(f"warning: the time budget ran out at step {state['step']} of {o['maxSteps']}: the schedule did not finish; raise --max-minutes to complete the run")
    if o["snapshotEvery"] and not os.path.exists(os.path.join(args.bundle, "snapshots", f"step-{state['step']}.safetensors")):
        save_snapshot()  # the weights the run ended with are always a candidate
    if last_val_step != state["step"]:  # the weights the budget ended with are validated too
        validate_and_save(time.time() - t_start, state["targets"] / max(1, len(b.seq)), lr)
    averaged: list[int] = []
    if o["keepWeights"] == "average":
        # The snapshots' mean becomes the exported weights; last.pt keeps the weights training ended
        # with, so a resumed run continues from those.
        folder = os.path.join(args.bundle, "snapshots")
        files = sorted((int(f[5:-12]), f) for f in os.listdir(folder) if f.startswith("step-") and f.endswith(".safetensors"))
        averaged = [step for step, _ in files]
        model.load_state_dict(average_weights([os.path.join(folder, f) for _, f in files]))
        v = validate_logged(time.time() - t_start, state["targets"] / max(1, len(b.seq)), lr, {"averaged": len(averaged)})
        st.save(os.path.join(args.bundle, "best.safetensors"), model.state_dict(), {"step": str(state["step"]), "averagedSteps": ",".join(map(str, averaged))})
        state["bestStep"] = state["step"]
        log(f"valid (mean of {len(averaged)} snapshots, steps {averaged[0]}..{averaged[-1]}): next-item HR@10 {v['seqHR10']:.4f} NDCG@10 {v['seqNDCG10']:.4f}  top-n HR@10 {v['topnHR10']:.4f} NDCG@10 {v['topnNDCG10']:.4f}  (saved)")
    logf.close()
    elapsed = time.time() - t_start
    result = {"steps": state["step"], "targets": state["targets"], "trainSeconds": round(elapsed, 1), "targetsPerS": state["targets"] / max(1e-9, state.get("trainS", 0.0)), "bestStep": state["bestStep"], "best": state["best"], "keptWeights": o["keepWeights"], **({"averagedSteps": averaged} if averaged else {}), "stoppedBy": stopped_by, "history": state["history"], "options": o, "torch": torch.__version__, "threads": torch.get_num_threads()}
    with open(os.path.join(args.bundle, "result.json"), "w") as f:
        json.dump(result, f, indent=1)
    log(f"done: {state['step']} steps ({stopped_by}), {state['targets']:,} targets in {elapsed / 60:.1f} min; weights kept: {o['keepWeights']}, step {state['bestStep']}")


if __name__ == "__main__":
    main()
