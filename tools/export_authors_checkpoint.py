#!/usr/bin/env python3
"""Export a checkpoint of the authors' PeaPOD (github.com/jeromeramos70/peapod) for `npx peapod import`.

Their checkpoints are `torch.save(model)` pickles of `Solomon(T5ForConditionalGeneration)`
(src/module_multihead.py), so reading one needs their code and `transformers`: run this script in
their environment (the conda env of their environment.yaml), not in PeaPOD Web's.

    python tools/export_authors_checkpoint.py \\
        --code ../peapod/src \\
        --model ../peapod/checkpoints/beauty/model.pt \\
        --user-embeddings ../peapod/data/beauty/user_to_embeddings.json \\
        --dataset amazon-beauty-p5 \\
        --out exports/peapod-beauty
    npx peapod import --from exports/peapod-beauty --out public/models/peapod-beauty

It writes the checkpoint folder that src/model/pack/hf-config.ts describes:

  config.json        the model's Hugging Face T5 config + a "peapod" block (our PeapodConfig: the T5
                     sizes, composer cfDim / neighbours / heads / prompt length, the three tasks,
                     idScheme "p5"; the dataset name). No tokenizer in the block: tokenizer.json is it.
  tokenizer.json     T5's SentencePiece tokenizer (from --tokenizer, default t5-small).
  model.safetensors  the T5 weights under their own names; the authors' additions renamed:
                       whole_word_embeddings.weight      -> peapod.whole_word.weight
                       query_layer / key_layer / value_layer .weight/.bias
                                                         -> peapod.composer.{query,key,value}.{weight,bias}
                       prompt_projector.weight/.bias     -> peapod.composer.prompt.{weight,bias}
                       task_embeddings[0 | 1 | 2]        -> peapod.task_prompt.{explanation | sequential | topn}
  data.safetensors   cf.user [users, 512] and users.ids [users]: user_to_embeddings.json as tensors.

The importer checks every tensor against the config (names, shapes, dtypes), joins the dataset's
histories, item names and fixed top-n negatives, and computes the neighbour lists (cosine top-n
in blocks), as the authors' precompute_cosine_similarities does.

--self-test builds a small random model with the authors' parameter names (no transformers needed,
only torch) and exports it: the repository's tests import that folder (src/cli/commands/import-authors.test.ts).

--random-t5-small does the same at the authors' real size: T5-small (d_model 512, d_kv 64, 8 heads,
d_ff 2048, 6 + 6 layers, relu, tied, vocabulary 32,100) with their extras (whole-word table of
n_positions 512 rows, 512-d CF embeddings, 4-head composer over 20 neighbours, prompt length 3):
62.3M parameters, initialised as Hugging Face initialises T5 (untrained), a T5-sized SentencePiece
tokenizer.json (32,000 made-up pieces + 100 <extra_id_*>) and a small random dataset
(data/random-t5-small/sequential_data.txt, --users x --items) so the import stays quick:

    /usr/bin/python3 tools/export_authors_checkpoint.py --random-t5-small --out /tmp/t5s
    npx peapod import --from /tmp/t5s --dataset /tmp/t5s/data/random-t5-small --out /tmp/t5s-pack
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import torch

# Their task ids: ExpSampler 0, SeqSampler 1, TopNSampler 2 (src/utils.py).
TASKS = ("explanation", "sequential", "topn")
RENAMES = {
    "whole_word_embeddings.weight": "peapod.whole_word.weight",
    "query_layer.weight": "peapod.composer.query.weight",
    "query_layer.bias": "peapod.composer.query.bias",
    "key_layer.weight": "peapod.composer.key.weight",
    "key_layer.bias": "peapod.composer.key.bias",
    "value_layer.weight": "peapod.composer.value.weight",
    "value_layer.bias": "peapod.composer.value.bias",
    "prompt_projector.weight": "peapod.composer.prompt.weight",
    "prompt_projector.bias": "peapod.composer.prompt.bias",
}
# Tied copies of shared.weight that T5 state dicts carry; the importer also accepts them when equal.
TIED_COPIES = ("encoder.embed_tokens.weight", "decoder.embed_tokens.weight")
T5_PREFIXES = ("shared.", "encoder.", "decoder.", "lm_head.")


def convert_state_dict(state: dict, tie_word_embeddings: bool) -> dict:
    """The authors' state dict under checkpoint names (float32, contiguous)."""
    out = {}
    unknown = []
    for name, t in state.items():
        if name in TIED_COPIES:
            continue
        if name == "lm_head.weight" and tie_word_embeddings:
            continue  # the same matrix as shared.weight in a tied T5
        if name == "task_embeddings":
            if t.shape[0] != len(TASKS):
                raise SystemExit(f"task_embeddings has {t.shape[0]} tasks; the authors' model has 3 (explanation, sequential, top-n).")
            for i, task in enumerate(TASKS):
                out[f"peapod.task_prompt.{task}"] = t[i]
            continue
        if name in RENAMES:
            out[RENAMES[name]] = t
        elif name.startswith(T5_PREFIXES):
            out[name] = t
        else:
            unknown.append(name)
    if unknown:
        raise SystemExit(f"the model has parameters this exporter does not know: {', '.join(unknown)}; is it the authors' Solomon model?")
    return {k: v.detach().to(torch.float32).contiguous().cpu() for k, v in out.items()}


def peapod_config(hf: dict, *, cf_dim: int, neighbours: int, heads: int, prompt_length: int, whole_word: int) -> dict:
    """Our PeapodConfig (src/model/types.ts) for a Solomon model with HF config `hf`."""
    proj = hf.get("feed_forward_proj", "relu")
    if proj not in ("relu", "gated-gelu"):
        raise SystemExit(f"feed_forward_proj {proj!r} is not supported by the web runtime (relu, gated-gelu).")
    eos = hf.get("eos_token_id", 1)
    return {
        "t5": {
            "vocabSize": hf["vocab_size"],
            "dModel": hf["d_model"],
            "dKv": hf["d_kv"],
            "numHeads": hf["num_heads"],
            "dFf": hf["d_ff"],
            "numEncoderLayers": hf["num_layers"],
            "numDecoderLayers": hf.get("num_decoder_layers") or hf["num_layers"],
            "feedForward": proj,
            "relativeAttentionNumBuckets": hf.get("relative_attention_num_buckets", 32),
            "relativeAttentionMaxDistance": hf.get("relative_attention_max_distance", 128),
            "tieWordEmbeddings": hf.get("tie_word_embeddings", True),
            "dropoutRate": hf.get("dropout_rate", 0.1),
            "layerNormEpsilon": hf.get("layer_norm_epsilon", 1e-6),
            "padTokenId": hf.get("pad_token_id", 0),
            "eosTokenId": eos[0] if isinstance(eos, list) else eos,
            "wholeWordVocab": whole_word,
        },
        "composer": {
            "cfDim": cf_dim,
            "numNeighbours": neighbours,
            "numHeads": heads,
            "promptLength": prompt_length,
            "taskPrompts": True,
            "collaborative": True,
        },
        "tasks": list(TASKS),
        "idScheme": "p5",
    }


def save_safetensors(tensors: dict, path: str, metadata: dict | None = None) -> None:
    """safetensors.torch.save_file when installed, else the same format written here."""
    try:
        from safetensors.torch import save_file

        save_file(tensors, path, metadata=metadata or {"format": "pt"})
        return
    except ImportError:
        pass
    # The project's own writer (tools/torch/st.py), for environments without `safetensors`.
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch"))
    import st

    st.save(path, tensors, metadata or {"format": "pt"})


def write_folder(out: str, *, hf_config: dict, state: dict, user_embeddings: dict, neighbours: int, heads: int, prompt_length: int, dataset: str, name: str, tokenizer_json: dict | None) -> None:
    os.makedirs(out, exist_ok=True)
    tie = hf_config.get("tie_word_embeddings", True)
    tensors = convert_state_dict(state, tie)
    whole_word = tensors["peapod.whole_word.weight"].shape[0]
    cf_dim = tensors["peapod.composer.query.weight"].shape[1]
    task_len = tensors["peapod.task_prompt.sequential"].shape[0]
    if task_len != prompt_length:
        raise SystemExit(f"the task prompts have {task_len} vectors but the collaborative prompt has {prompt_length}; the web runtime uses one prompt length for both.")
    config = peapod_config(hf_config, cf_dim=cf_dim, neighbours=neighbours, heads=heads, prompt_length=prompt_length, whole_word=whole_word)
    block = {"format": "peapod-checkpoint", "version": 1, "config": config, "dataset": {"name": dataset, "ids": "original"}, "name": name,
             "training": {"source": "authors' PeaPOD (jeromeramos70/peapod), exported by tools/export_authors_checkpoint.py"}}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump({**hf_config, "peapod": block}, f, indent=1)
    save_safetensors(tensors, os.path.join(out, "model.safetensors"))
    ids = sorted(user_embeddings, key=int)
    cf = torch.tensor([user_embeddings[u] for u in ids], dtype=torch.float32)
    if cf.shape[1] != cf_dim:
        raise SystemExit(f"user embeddings have {cf.shape[1]} dimensions but the composer reads {cf_dim}.")
    save_safetensors({"cf.user": cf, "users.ids": torch.tensor([int(u) for u in ids], dtype=torch.int32)}, os.path.join(out, "data.safetensors"))
    if tokenizer_json is not None:
        with open(os.path.join(out, "tokenizer.json"), "w") as f:
            json.dump(tokenizer_json, f)


def export(args: argparse.Namespace) -> None:
    sys.path.insert(0, os.path.abspath(args.code))
    model = torch.load(args.model, map_location="cpu", weights_only=False)  # needs module_multihead on sys.path
    if isinstance(model, dict):
        raise SystemExit("the file holds a state dict, not the pickled Solomon model; load it into their model first (model.load_state_dict) and pass the model file.")
    with open(args.user_embeddings) as f:
        user_embeddings = json.load(f)
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(args.tokenizer, use_fast=True)
    tokenizer_json = json.loads(tok.backend_tokenizer.to_str())
    write_folder(
        args.out,
        hf_config=model.config.to_dict(),
        state=model.state_dict(),
        user_embeddings=user_embeddings,
        neighbours=args.neighbours or model.num_prompts,
        heads=model.num_heads,
        prompt_length=model.prompt_length,
        dataset=args.dataset,
        name=args.name or f"peapod-{args.dataset}",
        tokenizer_json=tokenizer_json,
    )
    print(f"wrote {args.out}: config.json, tokenizer.json, model.safetensors, data.safetensors ({len(user_embeddings)} users)")


def random_solomon(hf: dict, *, cf: int, prompt_length: int, init) -> dict:
    """A random state dict of the authors' Solomon (T5ForConditionalGeneration + their additions) for
    the sizes in `hf`; init(kind, *shape) draws each tensor (kind names what it is)."""
    d, heads, dkv, dff, layers = hf["d_model"], hf["num_heads"], hf["d_kv"], hf["d_ff"], hf["num_layers"]
    buckets, vocab = hf["relative_attention_num_buckets"], hf["vocab_size"]
    sd = {"shared.weight": init("shared", vocab, d)}
    sd["encoder.embed_tokens.weight"] = sd["shared.weight"]
    sd["decoder.embed_tokens.weight"] = sd["shared.weight"]
    sd["lm_head.weight"] = sd["shared.weight"]
    for stack in ("encoder", "decoder"):
        for i in range(layers):
            p = f"{stack}.block.{i}.layer"
            for w in "qkv":
                sd[f"{p}.0.SelfAttention.{w}.weight"] = init(w, heads * dkv, d)
            sd[f"{p}.0.SelfAttention.o.weight"] = init("o", d, heads * dkv)
            if i == 0:
                sd[f"{p}.0.SelfAttention.relative_attention_bias.weight"] = init("bias", buckets, heads)
            sd[f"{p}.0.layer_norm.weight"] = init("norm", d)
            f = 1
            if stack == "decoder":
                for w in "qkv":
                    sd[f"{p}.1.EncDecAttention.{w}.weight"] = init(w, heads * dkv, d)
                sd[f"{p}.1.EncDecAttention.o.weight"] = init("o", d, heads * dkv)
                sd[f"{p}.1.layer_norm.weight"] = init("norm", d)
                f = 2
            sd[f"{p}.{f}.DenseReluDense.wi.weight"] = init("wi", dff, d)
            sd[f"{p}.{f}.DenseReluDense.wo.weight"] = init("wo", d, dff)
            sd[f"{p}.{f}.layer_norm.weight"] = init("norm", d)
        sd[f"{stack}.final_layer_norm.weight"] = init("norm", d)
    sd["whole_word_embeddings.weight"] = init("whole_word", hf["n_positions"], d)
    for layer in ("query_layer", "key_layer", "value_layer"):
        sd[f"{layer}.weight"] = init("linear", cf, cf)
        sd[f"{layer}.bias"] = init("linear_bias", cf)
    sd["prompt_projector.weight"] = init("linear", prompt_length * d, cf)
    sd["prompt_projector.bias"] = init("linear_bias", prompt_length * d)
    sd["task_embeddings"] = init("task", 3, prompt_length, d)
    return sd


def self_test(out: str) -> None:
    """A small random model with the authors' parameter names, exported like a real one."""
    g = torch.Generator().manual_seed(7)
    d, heads, dkv, dff, layers, buckets, vocab, cf, l, k = 16, 2, 8, 32, 2, 8, 64, 8, 3, 4
    hf = {"model_type": "t5", "architectures": ["T5ForConditionalGeneration"], "vocab_size": vocab, "d_model": d, "d_kv": dkv, "d_ff": dff, "num_layers": layers,
          "num_decoder_layers": layers, "num_heads": heads, "relative_attention_num_buckets": buckets, "relative_attention_max_distance": 20, "dropout_rate": 0.1,
          "layer_norm_epsilon": 1e-6, "feed_forward_proj": "relu", "tie_word_embeddings": True, "pad_token_id": 0, "eos_token_id": 1, "decoder_start_token_id": 0,
          "is_encoder_decoder": True, "n_positions": 128}
    r = lambda *shape: torch.randn(*shape, generator=g) * 0.3  # noqa: E731
    sd = random_solomon(hf, cf=cf, prompt_length=l, init=lambda kind, *shape: 1 + r(*shape) if kind == "norm" else r(*shape))
    users = {str(u): r(cf).tolist() for u in range(25, 0, -1)}  # a map, not in user order
    pieces = [["<pad>", 0.0], ["</s>", 0.0], ["<unk>", 0.0], ["\u2581", -3.0], ["\u2581user", -2.0], ["\u2581item", -2.0], ["_", -2.0]]
    pieces += [[str(x), -3.0] for x in range(10)] + [["\u2581" + str(x), -3.0] for x in range(10)]
    write_folder(out, hf_config=hf, state=sd, user_embeddings=users, neighbours=k, heads=2, prompt_length=l, dataset="tiny", name="authors-self-test",
                 tokenizer_json={"version": "1.0", "model": {"type": "Unigram", "unk_id": 2, "vocab": pieces}})
    # The source under the authors' own names, for the test that checks every mapping.
    save_safetensors({k: v.clone() for k, v in sd.items()}, os.path.join(out, "source.safetensors"))
    with open(os.path.join(out, "source-users.json"), "w") as f:
        json.dump(users, f)
    print(f"wrote {out} (self-test)")


# T5-small as Hugging Face publishes it (t5-small/config.json), with the tokenizer's 32,100 rows.
T5_SMALL = {"model_type": "t5", "architectures": ["T5ForConditionalGeneration"], "vocab_size": 32100, "d_model": 512, "d_kv": 64, "d_ff": 2048, "num_layers": 6,
            "num_decoder_layers": 6, "num_heads": 8, "relative_attention_num_buckets": 32, "relative_attention_max_distance": 128, "dropout_rate": 0.1,
            "layer_norm_epsilon": 1e-6, "initializer_factor": 1.0, "feed_forward_proj": "relu", "tie_word_embeddings": True, "pad_token_id": 0, "eos_token_id": 1,
            "decoder_start_token_id": 0, "is_encoder_decoder": True, "n_positions": 512}
RANDOM_T5_SMALL_DATASET = "random-t5-small"


def t5_sized_tokenizer(vocab: int) -> dict:
    """A SentencePiece unigram tokenizer.json of T5's shape: <pad> </s> <unk>, then pieces, then the
    100 sentinels <extra_id_99> .. <extra_id_0> in the last rows (vocab rows in all). The pieces are
    made up (digits and number pieces for ids, ▁user / ▁item / _, letters, then letter pairs and
    triples, with and without ▁), so user_12 / item_345 tokenize as with T5's (▁user _ 12)."""
    sentinels = [f"<extra_id_{i}>" for i in range(99, -1, -1)]
    pieces = ["\u2581", "\u2581user", "\u2581item", "_"]
    pieces += [str(x) for x in range(1000)] + ["\u2581" + str(x) for x in range(100)]
    letters = "abcdefghijklmnopqrstuvwxyz"
    pieces += list(letters) + ["\u2581" + a for a in letters]
    pairs = [a + b for a in letters for b in letters]
    pieces += pairs + ["\u2581" + p for p in pairs]
    n = vocab - 3 - len(sentinels)
    triples = [a + p for a in letters for p in pairs]
    pieces += [t for pair in zip(triples, ("\u2581" + t for t in triples)) for t in pair]
    if len(pieces) < n:
        raise SystemExit(f"a made-up tokenizer has at most {len(pieces) + 3 + len(sentinels)} pieces; vocab_size {vocab} is larger")
    pieces = pieces[:n]
    vocab_list = [["<pad>", 0.0], ["</s>", 0.0], ["<unk>", 0.0]]
    vocab_list += [[p, -2.0 - 12.0 * i / len(pieces)] for i, p in enumerate(pieces)]
    vocab_list += [[s, 0.0] for s in sentinels]
    assert len(vocab_list) == vocab and len({p for p, _ in vocab_list}) == vocab
    return {"version": "1.0", "model": {"type": "Unigram", "unk_id": 2, "vocab": vocab_list, "byte_fallback": False}}


def random_t5_small(out: str, *, users: int, items: int, seed: int) -> None:
    """A T5-small-sized random PeaPOD (the authors' Solomon at its real size), exported like a real
    one, with a small random dataset to import it against."""
    g = torch.Generator().manual_seed(seed)
    hf = dict(T5_SMALL)
    d, dkv, heads, dff = hf["d_model"], hf["d_kv"], hf["num_heads"], hf["d_ff"]
    cf, l, k, comp_heads = 512, 3, 20, 4  # the authors' scripts: 512-d CF, --prompt_num 20 --prompt_length 3 --num_heads 4
    # Hugging Face's T5 initialisation (T5PreTrainedModel._init_weights, factor 1.0); nn.Linear's and
    # nn.Embedding's defaults for the additions; the authors' uniform(-0.1, 0.1) task prompts.
    std = {"shared": 1.0, "q": (d * dkv) ** -0.5, "k": d ** -0.5, "v": d ** -0.5, "o": (heads * dkv) ** -0.5, "bias": d ** -0.5,
           "wi": d ** -0.5, "wo": dff ** -0.5, "whole_word": 1.0, "linear": cf ** -0.5, "linear_bias": cf ** -0.5}

    def init(kind: str, *shape: int) -> torch.Tensor:
        if kind == "norm":
            return torch.ones(*shape)
        if kind == "task":
            return torch.rand(*shape, generator=g) * 0.2 - 0.1
        return torch.randn(*shape, generator=g) * std[kind]

    sd = random_solomon(hf, cf=cf, prompt_length=l, init=init)
    params = sum(t.numel() for name, t in sd.items() if name not in TIED_COPIES and name != "lm_head.weight")
    # The dataset: users with 5-20 purchases each, drawn with a popularity skew; every item is bought.
    rows = []
    order = torch.randperm(items, generator=g) + 1
    for u in range(users):
        n = int(torch.randint(5, 21, (1,), generator=g))
        picks = (torch.rand(n, generator=g) ** 2 * items).long()
        rows.append([int(order[p]) for p in picks])
    bought = {i for r in rows for i in r}
    for i in range(1, items + 1):
        if i not in bought:  # into a random user's history at a random place
            r = rows[int(torch.randint(users, (1,), generator=g))]
            r.insert(int(torch.randint(len(r) + 1, (1,), generator=g)), i)
    data = os.path.join(out, "data", RANDOM_T5_SMALL_DATASET)
    os.makedirs(data, exist_ok=True)
    with open(os.path.join(data, "sequential_data.txt"), "w") as f:
        f.writelines(f"{u + 1} {' '.join(map(str, r))}\n" for u, r in enumerate(rows))
    cf_users = torch.randn(users, cf, generator=g) * cf ** -0.5
    user_embeddings = {str(u + 1): cf_users[u].tolist() for u in range(users)}
    write_folder(out, hf_config=hf, state=sd, user_embeddings=user_embeddings, neighbours=k, heads=comp_heads, prompt_length=l, dataset=RANDOM_T5_SMALL_DATASET,
                 name="random-t5-small", tokenizer_json=t5_sized_tokenizer(hf["vocab_size"]))
    print(f"wrote {out}: T5-small-sized random PeaPOD, {params / 1e6:.2f}M parameters (seed {seed}); dataset {data} ({users} users, {items} items)")
    print(f"import it: npx peapod import --from {out} --dataset {data} --out PACK")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--code", help="the authors' src/ folder (module_multihead.py), so the pickle can be read")
    ap.add_argument("--model", help="the torch.save(model) checkpoint")
    ap.add_argument("--user-embeddings", help="user_to_embeddings.json (user id -> CF embedding)")
    ap.add_argument("--dataset", help="dataset folder name the model was trained on, e.g. amazon-beauty-p5")
    ap.add_argument("--neighbours", type=int, default=0, help="neighbours attended over (default: the model's num_prompts; 20 Beauty/Sports, 10 Toys)")
    ap.add_argument("--tokenizer", default="t5-small", help="tokenizer to save as tokenizer.json (default t5-small, as the authors)")
    ap.add_argument("--name", help="pack name")
    ap.add_argument("--out", required=True, help="folder to write")
    ap.add_argument("--self-test", action="store_true", help="export a small random model with the authors' names (torch only)")
    ap.add_argument("--random-t5-small", action="store_true", help="export a T5-small-sized random model (62M parameters) with the authors' names, "
                    "a T5-sized tokenizer.json and a small random dataset under OUT/data (torch only)")
    ap.add_argument("--users", type=int, default=500, help="--random-t5-small: users in the random dataset (default 500)")
    ap.add_argument("--items", type=int, default=2000, help="--random-t5-small: items in the random dataset (default 2000)")
    ap.add_argument("--seed", type=int, default=14, help="--random-t5-small: random seed (default 14)")
    args = ap.parse_args()
    if args.self_test:
        self_test(args.out)
        return
    if args.random_t5_small:
        if args.users < 21 or args.items < 10:
            ap.error("--users must be at least 21 (20 neighbours + the user) and --items at least 10")
        random_t5_small(args.out, users=args.users, items=args.items, seed=args.seed)
        return
    missing = [f"--{k.replace('_', '-')}" for k in ("code", "model", "user_embeddings", "dataset") if not getattr(args, k)]
    if missing:
        ap.error(f"missing {', '.join(missing)}")
    export(args)


if __name__ == "__main__":
    main()
