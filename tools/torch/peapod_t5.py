"""PeaPOD's T5 in PyTorch: the same model as src/model (TypeScript), for training where native
PyTorch is faster than TF.js (CPU here; the model takes its device from its inputs, while train.py
builds its batches on the CPU).

One file a reader can hold in their head:
  T5 (pre-norm RMSNorm blocks, bucketed relative position bias computed in each stack's first layer,
  no score scaling, relu or gated-gelu feed-forward, tied head scaled by d_model^-0.5), plus PeaPOD's
  prompt composer (multi-head attention from the user's CF embedding over its neighbours' embeddings,
  a linear map to l prompt vectors) and one learned prompt per task, in front of the encoder input:
  [task prompt ; collaborative prompt ; token (+ whole-word) embeddings].

Parameter names follow the Hugging Face T5 layout (shared.weight, encoder.block.0.layer.0.
SelfAttention.q.weight, ...) with PeaPOD's extras under `peapod.` (src/model/pack/hf-names.ts is the
TypeScript side of the same table), so `state_dict()` saved as safetensors is what
`npx peapod import` reads. `from_config` is the one front door; the config is the JSON PeapodConfig
of the TypeScript side (see src/model/types.ts).

Causal encoder (config["causalTasks"]): for the listed tasks the encoder's self-attention only looks
back, so one encoder pass over a user's whole sequence gives, at every item, exactly the encoder
state the bare prompt ending at that item would give. Training then predicts every next item of a
sequence from one pass (see train.py); inference is the paper's bare prompt, unchanged.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

MASKED = -1e9
TASK_ORDER = ("sequential", "topn", "explanation")


def relative_bucket(rel: torch.Tensor, bidirectional: bool, num_buckets: int, max_distance: int) -> torch.Tensor:
    """T5's bucket of a relative position (key minus query): exact near, logarithmic far."""
    bucket = torch.zeros_like(rel)
    n = num_buckets
    if bidirectional:
        n //= 2
        bucket = bucket + (rel > 0).long() * n
        dist = rel.abs()
    else:
        dist = (-rel).clamp(min=0)
    exact = n // 2
    is_small = dist < exact
    # float32 like the TypeScript side, so boundary distances land in the same bucket
    ratio = torch.log(dist.float().clamp(min=1) / exact) / torch.tensor(math.log(max_distance / exact), dtype=torch.float32)
    large = exact + (ratio * (n - exact)).to(torch.long)
    large = large.clamp(max=n - 1)
    return bucket + torch.where(is_small, dist, large)


class RMSNorm(nn.Module):
    def __init__(self, d: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class Attention(nn.Module):
    def __init__(self, c: dict, has_bias_table: bool):
        super().__init__()
        d, inner = c["dModel"], c["numHeads"] * c["dKv"]
        self.h, self.dk = c["numHeads"], c["dKv"]
        self.q = nn.Linear(d, inner, bias=False)
        self.k = nn.Linear(d, inner, bias=False)
        self.v = nn.Linear(d, inner, bias=False)
        self.o = nn.Linear(inner, d, bias=False)
        if has_bias_table:
            self.relative_attention_bias = nn.Embedding(c["relativeAttentionNumBuckets"], c["numHeads"])
        self.p = c["dropoutRate"]

    def split(self, x):  # [B, L, H*dk] -> [B, H, L, dk]
        b, l, _ = x.shape
        return x.view(b, l, self.h, self.dk).transpose(1, 2)

    def forward(self, x, memory, bias, kv=None):
        """bias: additive [*, H or 1, Lq, Lk]. kv: precomputed (k, v) in [B, H, Lk, dk]."""
        q = self.split(self.q(x))
        k, v = kv if kv is not None else (self.split(self.k(memory)), self.split(self.v(memory)))
        scores = q @ k.transpose(-1, -2) + bias  # T5: no 1/sqrt(dk), the init of q absorbs it
        w = F.dropout(scores.float().softmax(-1), self.p, self.training)
        out = (w @ v).transpose(1, 2).reshape(x.shape[0], x.shape[1], self.h * self.dk)
        return self.o(out)


class DenseReluDense(nn.Module):
    def __init__(self, c: dict):
        super().__init__()
        d, f = c["dModel"], c["dFf"]
        self.gated = c["feedForward"] == "gated-gelu"
        if self.gated:
            self.wi_0 = nn.Linear(d, f, bias=False)
            self.wi_1 = nn.Linear(d, f, bias=False)
        else:
            self.wi = nn.Linear(d, f, bias=False)
        self.wo = nn.Linear(f, d, bias=False)
        self.p = c["dropoutRate"]

    def forward(self, x):
        h = F.gelu(self.wi_0(x), approximate="tanh") * self.wi_1(x) if self.gated else F.relu(self.wi(x))
        return self.wo(F.dropout(h, self.p, self.training))


class SubLayer(nn.Module):
    """One residual sub-layer of a T5 block: SelfAttention, EncDecAttention or DenseReluDense."""

    def __init__(self, c: dict, kind: str, bias_table: bool = False):
        super().__init__()
        if kind == "self":
            self.SelfAttention = Attention(c, bias_table)
        elif kind == "cross":
            self.EncDecAttention = Attention(c, False)
        else:
            self.DenseReluDense = DenseReluDense(c)
        self.layer_norm = RMSNorm(c["dModel"], c["layerNormEpsilon"])


class Block(nn.Module):
    def __init__(self, c: dict, decoder: bool, first: bool):
        super().__init__()
        kinds = ["self", "cross", "ffn"] if decoder else ["self", "ffn"]
        self.layer = nn.ModuleList([SubLayer(c, k, first and k == "self") for k in kinds])


class Stack(nn.Module):
    def __init__(self, c: dict, decoder: bool):
        super().__init__()
        n = c["numDecoderLayers"] if decoder else c["numEncoderLayers"]
        self.block = nn.ModuleList([Block(c, decoder, i == 0) for i in range(n)])
        self.final_layer_norm = RMSNorm(c["dModel"], c["layerNormEpsilon"])
        self.c, self.decoder, self.p = c, decoder, c["dropoutRate"]

    def position_bias(self, q_len: int, k_len: int, bidirectional: bool, device) -> torch.Tensor:
        c = self.c
        rel = torch.arange(k_len, device=device)[None, :] - torch.arange(q_len, device=device)[:, None]
        buckets = relative_bucket(rel, bidirectional, c["relativeAttentionNumBuckets"], c["relativeAttentionMaxDistance"])
        table = self.block[0].layer[0].SelfAttention.relative_attention_bias
        return table(buckets).permute(2, 0, 1)[None]  # [1, H, q, k]

    def position_bias_at(self, pos: torch.Tensor) -> torch.Tensor:
        """Bidirectional bias [B, H, S, S] for inputs at explicit positions pos [B, S]."""
        c = self.c
        rel = pos[:, None, :] - pos[:, :, None]
        buckets = relative_bucket(rel, True, c["relativeAttentionNumBuckets"], c["relativeAttentionMaxDistance"])
        table = self.block[0].layer[0].SelfAttention.relative_attention_bias
        return table(buckets).permute(0, 3, 1, 2)

    def run(self, x, self_bias, memory=None, cross_bias=None, cross_kv=None):
        drop = lambda t: F.dropout(t, self.p, self.training)  # noqa: E731
        x = drop(x)
        for i, blk in enumerate(self.block):
            sa = blk.layer[0]
            h = sa.layer_norm(x)
            x = x + drop(sa.SelfAttention(h, h, self_bias))
            if self.decoder:
                ca = blk.layer[1]
                h = ca.layer_norm(x)
                kv = cross_kv[i] if cross_kv is not None else None
                x = x + drop(ca.EncDecAttention(h, memory, cross_bias, kv))
            ff = blk.layer[-1]
            x = x + drop(ff.DenseReluDense(ff.layer_norm(x)))
        return drop(self.final_layer_norm(x))


class Composer(nn.Module):
    """alpha_h = softmax(q_h K_h^T / sqrt(d_h)) over neighbours; prompt = Linear(concat_h alpha_h V_h)."""

    def __init__(self, m: dict, d_model: int):
        super().__init__()
        cf = m["cfDim"]
        self.query = nn.Linear(cf, cf)
        self.key = nn.Linear(cf, cf)
        self.value = nn.Linear(cf, cf)
        self.prompt = nn.Linear(cf, m["promptLength"] * d_model)
        self.h, self.l, self.d = m["numHeads"], m["promptLength"], d_model
        # CF embeddings are small (PMF rows of norm ~0.5): at that scale q.k is ~0 for every
        # neighbour, attention stays uniform and the query (the user) never matters. The query and
        # key projections see the embeddings multiplied by keyScale (1 = the paper's composer).
        self.key_scale = float(m.get("keyScale", 1.0))

    def forward(self, user, neighbours, mask=None):
        b, n, cf = neighbours.shape
        dh = cf // self.h
        q = self.query(user * self.key_scale).view(b, self.h, 1, dh)
        k = self.key(neighbours * self.key_scale).view(b, n, self.h, dh).transpose(1, 2)
        v = self.value(neighbours).view(b, n, self.h, dh).transpose(1, 2)
        logits = (q @ k.transpose(-1, -2)) / math.sqrt(dh)  # [B, H, 1, n]
        if mask is not None:
            m = mask.view(b, 1, 1, n)
            alpha = (logits + (1 - m) * MASKED).softmax(-1) * m
        else:
            alpha = logits.softmax(-1)
        p = (alpha @ v).reshape(b, cf)
        return self.prompt(p).view(b, self.l, self.d), alpha.view(b, self.h, n)


class PeapodT5(nn.Module):
    def __init__(self, config: dict):
        super().__init__()
        c, m = config["t5"], config["composer"]
        self.config, self.c, self.m = config, c, m
        d = c["dModel"]
        self.shared = nn.Embedding(c["vocabSize"], d)
        self.encoder = Stack(c, decoder=False)
        self.decoder = Stack(c, decoder=True)
        if not c["tieWordEmbeddings"]:
            self.lm_head = nn.Linear(d, c["vocabSize"], bias=False)
        extras = nn.Module()
        if c["wholeWordVocab"] > 0:
            extras.whole_word = nn.Embedding(c["wholeWordVocab"], d)
        if m["collaborative"]:
            extras.composer = Composer(m, d)
        if m["taskPrompts"]:
            extras.task_prompt = nn.ParameterDict({t: nn.Parameter(torch.zeros(m["promptLength"], d)) for t in config["tasks"]})
        # The output priors are not trained here; they are carried so a checkpoint round-trips.
        if m.get("cfPrior"):
            extras.cf_prior = nn.Module()
            extras.cf_prior.register_buffer("item_factors", torch.zeros(c["vocabSize"], m["cfDim"]))
            extras.cf_prior.register_buffer("scales", torch.zeros(2))
        if m.get("seqPrior"):
            extras.seq_prior = nn.Module()
            extras.seq_prior.register_buffer("scale", torch.zeros(1))
            extras.seq_prior.register_buffer("repeat", torch.zeros(1))
        self.peapod = extras
        self.causal_tasks = set(config.get("causalTasks") or [])

    @classmethod
    def from_config(cls, config: dict, state: dict | None = None) -> "PeapodT5":
        """The one front door: a model for a PeapodConfig, optionally loaded from a state dict in
        checkpoint names (every tensor must be present with the right shape)."""
        model = cls(config)
        if state is not None:
            own = model.state_dict()
            missing = sorted(set(own) - set(state))
            extra = sorted(set(state) - set(own))
            if missing or extra:
                raise ValueError(f"checkpoint does not fit the config: missing {missing[:5]}, unexpected {extra[:5]}")
            for k, v in state.items():
                if tuple(v.shape) != tuple(own[k].shape):
                    raise ValueError(f"checkpoint tensor {k} has shape {tuple(v.shape)}, the config needs {tuple(own[k].shape)}")
            model.load_state_dict(state)
        return model

    # -- pieces -------------------------------------------------------------------------------
    def soft_prompt(self, task: str, user, neighbours, neighbour_mask=None):
        b = user.shape[0] if user is not None else 1
        parts, attention = [], None
        if self.m["taskPrompts"]:
            parts.append(self.peapod.task_prompt[task][None].expand(b, -1, -1))
        if self.m["collaborative"] and user is not None:
            p, attention = self.peapod.composer(user, neighbours, neighbour_mask)
            parts.append(p)
        if not parts:
            return None, None
        return torch.cat(parts, 1), attention

    def encode(self, task: str, token_ids, attention_mask, user=None, neighbours=None, whole_word=None, neighbour_mask=None, structure=None):
        """Encoder over [soft prompt ; tokens]. Returns (hidden [B, S, d], mask [B, S], attention).

        `structure` (training only): (positions [B, S], allowed [B, S, S] bool) over the whole input,
        soft prompt included: the position of each input for the relative bias and which key each
        query may attend to. It packs several bare prompts that share a prefix into one pass (see
        train.py); the default is the plain layout (positions 0..S-1, padding and causality masked)."""
        x = self.shared(token_ids)
        if whole_word is not None and hasattr(self.peapod, "whole_word"):
            x = x + self.peapod.whole_word(whole_word)
        prompt, attention = self.soft_prompt(task, user, neighbours, neighbour_mask)
        mask = attention_mask.float()
        if prompt is not None:
            x = torch.cat([prompt, x], 1)
            mask = torch.cat([torch.ones(x.shape[0], prompt.shape[1], device=x.device), mask], 1)
        s = x.shape[1]
        if structure is not None:
            pos, allowed = structure
            bias = self.encoder.position_bias_at(pos) + torch.where(allowed, 0.0, MASKED)[:, None]
            return self.encoder.run(x, bias), mask, attention
        bias = self.encoder.position_bias(s, s, True, x.device) + ((1 - mask) * MASKED)[:, None, None, :]
        if task in self.causal_tasks:
            bias = bias + torch.triu(torch.full((s, s), MASKED, device=x.device), 1)[None, None]
        return self.encoder.run(x, bias), mask, attention

    def logits(self, hidden):
        if self.c["tieWordEmbeddings"]:
            return (hidden * self.c["dModel"] ** -0.5) @ self.shared.weight.t()
        return self.lm_head(hidden)

    def decode(self, decoder_ids, memory, cross_bias, cross_kv=None):
        """Teacher-forced decoder: ids [R, T] (start with pad), cross_bias broadcastable to [R, H, T, S]."""
        y = self.shared(decoder_ids)
        t = y.shape[1]
        self_bias = self.decoder.position_bias(t, t, False, y.device) + torch.triu(torch.full((t, t), MASKED, device=y.device), 1)[None, None]
        return self.decoder.run(y, self_bias, memory, cross_bias, cross_kv)

    def cross_kv(self, memory):
        """Cross-attention keys/values of every decoder layer, once per encoder output."""
        out = []
        for blk in self.decoder.block:
            att = blk.layer[1].EncDecAttention
            out.append((att.split(att.k(memory)), att.split(att.v(memory))))
        return out

    def forward(self, task, token_ids, attention_mask, decoder_ids, user=None, neighbours=None, whole_word=None):
        """Plain seq2seq logits [B, T, V] (no output priors), as the TypeScript decodeFull."""
        hidden, mask, _ = self.encode(task, token_ids, attention_mask, user, neighbours, whole_word)
        out = self.decode(decoder_ids, hidden, ((1 - mask) * MASKED)[:, None, None, :])
        return self.logits(out)


def init_t5_(model: PeapodT5, seed: int) -> None:
    """T5's initialisation (Mesh TF / HF, factor 1), as src/model/params.ts; used when no initial
    weights are given (the pipeline normally passes the TypeScript side's initial weights)."""
    g = torch.Generator().manual_seed(seed)
    c = model.c
    d, inner = c["dModel"], c["numHeads"] * c["dKv"]
    for name, p in model.named_parameters():
        std = None
        if name == "shared.weight" or name.startswith("peapod.task_prompt") or name.startswith("peapod.whole_word"):
            std = 1.0
        elif name.endswith(("SelfAttention.q.weight", "EncDecAttention.q.weight")):
            std = (d * c["dKv"]) ** -0.5
        elif name.endswith((".k.weight", ".v.weight", "relative_attention_bias.weight", "wi.weight", "wi_0.weight", "wi_1.weight")):
            std = d ** -0.5
        elif name.endswith(".o.weight"):
            std = inner ** -0.5
        elif name.endswith("wo.weight"):
            std = c["dFf"] ** -0.5
        elif name == "lm_head.weight":
            std = d ** -0.5
        if std is not None:
            with torch.no_grad():
                p.copy_(torch.randn(p.shape, generator=g) * std)
