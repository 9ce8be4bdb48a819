"""Writes the cross-framework golden fixture: a tiny PeaPOD model built with peapod_t5.py (random
weights, checkpoint names), its inputs, and what PyTorch computes for them. The TypeScript test
src/model/pack/golden.test.ts imports the same weights through the checkpoint importer and must
reproduce every number (1e-4) and the item order exactly, on the cpu and wasm backends.

    /usr/bin/python3 tools/torch/make_golden.py src/model/pack/fixtures/golden

Three models: relu with a tied head and a causal sequential encoder (what `--engine torch` trains),
gated-gelu with an untied head (the T5 1.1 / flan-t5 shape an import may bring) whose composer
reads its keys at keyScale 4 (`--composer-key-scale`), and the first shape in the history form of
the sequential task (`--seq-form history`: the items are the decoder's prefix).
"""
from __future__ import annotations

import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st  # noqa: E402
from peapod_t5 import MASKED, PeapodT5, init_t5_  # noqa: E402

ITEMS = 30  # atomic item tokens 3..32 (<pad> 0, </s> 1, <unk> 2)
VOCAB = 3 + ITEMS


def config(ff: str, tied: bool, causal: bool, key_scale: float = 1.0, history: bool = False) -> dict:
    return {
        "t5": {"vocabSize": VOCAB, "dModel": 16, "dKv": 4, "numHeads": 4, "dFf": 32, "numEncoderLayers": 2, "numDecoderLayers": 2, "feedForward": ff,
               "relativeAttentionNumBuckets": 8, "relativeAttentionMaxDistance": 20, "tieWordEmbeddings": tied, "dropoutRate": 0.0,
               "layerNormEpsilon": 1e-6, "padTokenId": 0, "eosTokenId": 1, "wholeWordVocab": 0},
        "composer": {"cfDim": 8, "numNeighbours": 5, "numHeads": 2, "promptLength": 2, "taskPrompts": True, "collaborative": True, **({"keyScale": key_scale} if key_scale != 1.0 else {})},
        "tasks": ["sequential", "topn"],
        "idScheme": "atomic",
        **({"causalTasks": ["sequential"]} if causal else {}),
        **({"sequentialForm": "history"} if history else {}),
    }


END_OF_ID_LOGIT = 30.0
HISTORY = [7, 12, 4, 30, 9]  # the history form's decoder prefix (item tokens), after the start token


def history_expect(model: PeapodT5, user, neighbours) -> dict:
    """The history form of the sequential task: encoder [prompts ; user ; </s>], decoder
    [start, history...]; the logits after the last history token rank the next item, and the
    answer ends there (END_OF_ID_LOGIT on </s> one position later, as the TypeScript decoder adds)."""
    ids = torch.tensor([[2, 1]])
    hidden, mask, attention = model.encode("sequential", ids, torch.ones_like(ids), user, neighbours)
    cross = ((1 - mask) * MASKED)[:, None, None, :]
    prefix = [0] + HISTORY
    first_logits = model.logits(model.decode(torch.tensor([prefix]), hidden, cross))[0, -1]
    lp1 = first_logits.log_softmax(-1)
    first = int(lp1[3:].argmax()) + 3
    step2 = model.logits(model.decode(torch.tensor([prefix + [first]]), hidden, cross))[0, -1]
    dec = torch.tensor([prefix + [t] for t in range(3, 3 + ITEMS)])
    eos_bonus = torch.zeros(VOCAB)
    eos_bonus[1] = END_OF_ID_LOGIT
    lp2 = (model.logits(model.decode(dec, hidden.expand(ITEMS, -1, -1), cross))[:, -1] + eos_bonus).log_softmax(-1)[:, 1]
    scores = lp1[3:] + lp2
    order = scores.argsort(descending=True)[:5]
    return {
        "encoderHidden": hidden[0].tolist(),
        "attention": attention[0].tolist(),
        "firstLogits": first_logits.tolist(),
        "firstToken": first,
        "secondLogits": step2.tolist(),
        "topItems": [int(t) + 1 for t in order],
        "topScores": [float(scores[t]) for t in order],
    }


def case(name: str, cfg: dict, seed: int, out: str) -> dict:
    torch.manual_seed(seed)
    model = PeapodT5.from_config(cfg)
    init_t5_(model, seed)
    with torch.no_grad():  # biases and norms away from their init so the test sees them
        for n, p in model.named_parameters():
            if n.endswith("bias") or "layer_norm" in n:
                p.add_(torch.randn(p.shape) * 0.1)
    model.eval()
    st.save(os.path.join(out, f"{name}.safetensors"), model.state_dict())
    g = torch.Generator().manual_seed(seed + 1)
    user = torch.randn(1, 8, generator=g)
    neighbours = torch.randn(1, 5, 8, generator=g)
    inputs = {
        "sequential": [2, 7, 12, 4, 30, 9, 1],  # user, items, </s>
        "topn": [2, 11, 5, 28, 17, 3, 22, 1],
    }
    expected: dict = {"config": cfg, "user": user[0].tolist(), "neighbours": neighbours[0].tolist(), "inputs": inputs, "tasks": {}}
    history = cfg.get("sequentialForm") == "history"
    if history:
        inputs["sequential"] = [2, 1]
        expected["history"] = HISTORY
    with torch.no_grad():
        for task, toks in inputs.items():
            if history and task == "sequential":
                expected["tasks"][task] = history_expect(model, user, neighbours)
                continue
            ids = torch.tensor([toks])
            hidden, mask, attention = model.encode(task, ids, torch.ones_like(ids), user, neighbours)
            cross = ((1 - mask) * MASKED)[:, None, None, :]
            lp1 = model.logits(model.decode(torch.tensor([[0]]), hidden, cross))[0, 0].log_softmax(-1)
            first = int(lp1[3:].argmax()) + 3
            step2 = model.logits(model.decode(torch.tensor([[0, first]]), hidden, cross))[0, 1]
            # Atomic next item: every item token t scored lp(t) + lp(</s> | t), best first.
            dec = torch.stack([torch.zeros(ITEMS, dtype=torch.long), torch.arange(3, 3 + ITEMS)], 1)
            lp2 = model.logits(model.decode(dec, hidden.expand(ITEMS, -1, -1), cross))[:, 1].log_softmax(-1)[:, 1]
            scores = lp1[3:] + lp2
            order = scores.argsort(descending=True)[:5]
            expected["tasks"][task] = {
                "encoderHidden": hidden[0].tolist(),
                "attention": attention[0].tolist(),
                "firstLogits": model.logits(model.decode(torch.tensor([[0]]), hidden, cross))[0, 0].tolist(),
                "firstToken": first,
                "secondLogits": step2.tolist(),
                "topItems": [int(t) + 1 for t in order],  # item ids (token - 2)
                "topScores": [float(scores[t]) for t in order],
            }
    return expected


def main() -> None:
    out = sys.argv[1] if len(sys.argv) > 1 else "src/model/pack/fixtures/golden"
    os.makedirs(out, exist_ok=True)
    cases = {
        "relu-tied-causal": case("relu-tied-causal", config("relu", True, True), 11, out),
        "gelu-untied": case("gelu-untied", config("gated-gelu", False, False, 4.0), 12, out),
        "relu-tied-history": case("relu-tied-history", config("relu", True, True, history=True), 13, out),
    }
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump({"generator": "tools/torch/make_golden.py", "torch": torch.__version__, "cases": cases}, f)
    print(f"wrote {out}: {', '.join(cases)}")


if __name__ == "__main__":
    main()
