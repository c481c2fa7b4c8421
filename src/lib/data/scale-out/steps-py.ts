// The scale-out job's other steps, as Python a cluster user runs: sampling on
// vLLM, embedding with sentence-transformers, DPO with TRL (accelerate +
// DeepSpeed). Each reads settings.json, the lab's own settings record.

export const SAMPLE_PY = String.raw`"""Step 1: R samples per prompt from the SFT model on vLLM (the paper: R = 32, 64 for M = 16; T = 1.0, top-p 1.0).

  python sample.py --model MODEL [--tensor-parallel-size N]   ->  samples.jsonl {prompt, target, outputs}
"""
import argparse
import json

from vllm import LLM, SamplingParams


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="Hub id or local path of the SFT model")
    ap.add_argument("--settings", default="settings.json")
    ap.add_argument("--data", default="data/sft.jsonl")
    ap.add_argument("--out", default="samples.jsonl")
    ap.add_argument("--tensor-parallel-size", type=int, default=1)
    args = ap.parse_args()
    with open(args.settings, encoding="utf-8") as f:
        s = json.load(f)["settings"]
    with open(args.data, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    params = SamplingParams(
        n=s["samplesPerPrompt"], temperature=s["temperature"], top_p=s["topP"],
        top_k=s["topK"] if s["topK"] > 0 else -1, max_tokens=s["maxNewTokens"], seed=s["seed"],
        stop=json.loads(s.get("stop", "[]")) or None,
    )
    llm = LLM(model=args.model, tensor_parallel_size=args.tensor_parallel_size, seed=s["seed"])
    chat = [r for r in rows if not isinstance(r["prompt"], str)]
    plain = [r for r in rows if isinstance(r["prompt"], str)]
    # Chat prompts go through the model's own chat template, as the lab renders them.
    results = {}
    if chat:
        for r, out in zip(chat, llm.chat([r["prompt"] for r in chat], params)):
            results[id(r)] = [o.text for o in out.outputs]
    if plain:
        for r, out in zip(plain, llm.generate([r["prompt"] for r in plain], params)):
            results[id(r)] = [o.text for o in out.outputs]
    with open(args.out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps({"prompt": r["prompt"], "target": r["target"], "outputs": results[id(r)]}, ensure_ascii=False) + "\n")
    print(f"{len(rows)} prompts x {params.n} samples -> {args.out}")


if __name__ == "__main__":
    main()
`;

export const EMBED_PY = String.raw`"""Step 2: cosine similarity of every sample to its prompt's SFT target.

  python embed.py --model EMBEDDER   ->  scored.jsonl {prompt, target, outputs, similarity}

sentence-transformers applies the model's own pooling (its 1_Pooling/config.json:
CLS for WhereIsAI/UAE-Large-V1, the reference's encoder); --pooling overrides it
as the lab's setting does. Vectors are normalised, so cosine = dot product.
"""
import argparse
import json

import numpy as np
from sentence_transformers import SentenceTransformer, models


def load(model_id, pooling):
    if pooling == "auto":
        return SentenceTransformer(model_id)
    word = models.Transformer(model_id)
    mode = {"mean": "mean", "cls": "cls", "last_token": "lasttoken"}[pooling]
    return SentenceTransformer(modules=[word, models.Pooling(word.get_word_embedding_dimension(), pooling_mode=mode)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="sentence-embedding model (Hub id or path)")
    ap.add_argument("--settings", default="settings.json")
    ap.add_argument("--samples", default="samples.jsonl")
    ap.add_argument("--out", default="scored.jsonl")
    ap.add_argument("--batch-size", type=int, default=256)
    args = ap.parse_args()
    with open(args.settings, encoding="utf-8") as f:
        s = json.load(f)["settings"]
    with open(args.samples, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    model = load(args.model, s.get("embedPooling", "auto"))
    encode = lambda texts: model.encode(texts, batch_size=args.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=True)
    targets = encode([r["target"] for r in rows])
    samples = encode([o for r in rows for o in r["outputs"]])
    at = 0
    with open(args.out, "w", encoding="utf-8") as f:
        for r, t in zip(rows, targets):
            n = len(r["outputs"])
            sims = (samples[at:at + n] @ t).astype(np.float32)
            at += n
            f.write(json.dumps({**r, "similarity": [float(x) for x in sims]}, ensure_ascii=False) + "\n")
    print(f"{len(rows)} prompts scored -> {args.out}")


if __name__ == "__main__":
    main()
`;

export const DPO_PY = String.raw`"""Step 4: DPO on the selected pairs with TRL (launched by train.sh through accelerate + DeepSpeed).

  accelerate launch --config_file accelerate_zero2.yaml dpo.py --model MODEL

The chosen response of every pair is the SFT target; the rejected ones are the
M self-generated negatives, so one prompt brings M pairs (TRL's pairwise DPO
averaged over them, as the paper trains).
"""
import argparse
import json

from datasets import load_dataset
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import DPOConfig, DPOTrainer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="the SFT model (Hub id or path), the policy's start and the reference")
    ap.add_argument("--config", default="dpo_config.json", help="the lab run's DPO config: TRL DPOConfig fields + the lab's own")
    ap.add_argument("--pairs", default="pairs.jsonl")
    ap.add_argument("--output-dir", default="self-contrast-dpo")
    ap.add_argument("--learning-rate", type=float, help="default: the lab run's; the paper used 5e-7 for 7B full fine-tuning")
    ap.add_argument("--per-device-batch", type=int, default=8)
    args = ap.parse_args()
    with open(args.config, encoding="utf-8") as f:
        config_record = json.load(f)
    trl, lab = dict(config_record["trl"]), config_record["self_contrast"]
    if trl["loss_type"] is None:
        raise SystemExit("The lab ran InfoNCA (1 target vs M negatives in one softmax); TRL's DPOTrainer has no such loss_type. "
                         "Re-export with a pairwise loss (sigmoid, robust, hinge, ipo), or train InfoNCA with your own trainer.")
    if trl["loss_type"] == "sft":
        raise SystemExit("The lab ran loss_type 'sft' (the chosen responses' NLL alone, a control): TRL's DPOTrainer has it from 0.20, "
                         "this job pins trl==0.17.0. It is supervised fine-tuning on the chosen responses: run trl's SFTTrainer "
                         "(or LLaMA-Factory's stage: sft) on pairs.jsonl's prompt and chosen, or re-export with a DPO loss.")
    if args.learning_rate:
        trl["learning_rate"] = args.learning_rate
    import torch.distributed as dist
    world = dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1
    # The paper's step: 128 prompts x M pairs; the lab's: prompts_per_step x M pairs.
    pairs_per_step = lab["prompts_per_step"] * lab["negatives_per_prompt"]
    config = DPOConfig(
        output_dir=args.output_dir, **trl,
        per_device_train_batch_size=args.per_device_batch,
        gradient_accumulation_steps=max(1, pairs_per_step // (args.per_device_batch * world)),
        bf16=True, logging_steps=10, report_to="none",
    )
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    model = AutoModelForCausalLM.from_pretrained(args.model, torch_dtype="bfloat16")
    train = load_dataset("json", data_files=args.pairs, split="train")
    peft_config = None
    if lab["lora"]:
        from peft import LoraConfig
        peft_config = LoraConfig(**lab["lora"], task_type="CAUSAL_LM")
    trainer = DPOTrainer(model=model, args=config, train_dataset=train, processing_class=tokenizer, peft_config=peft_config)
    trainer.train()
    trainer.save_model(args.output_dir)


if __name__ == "__main__":
    main()
`;

export const TRAIN_SH = `#!/usr/bin/env bash
# Step 4 on every GPU of this machine (DeepSpeed ZeRO-2 through accelerate).
#   bash train.sh MODEL [NUM_GPUS]
set -euo pipefail
cd "$(dirname "$0")"
MODEL=\${1:?usage: bash train.sh MODEL [NUM_GPUS]}
GPUS=\${2:-$(python -c 'import torch; print(torch.cuda.device_count())')}
accelerate launch --config_file accelerate_zero2.yaml --num_processes "$GPUS" dpo.py --model "$MODEL"
`;

export const ACCELERATE_ZERO2 = `compute_environment: LOCAL_MACHINE
distributed_type: DEEPSPEED
deepspeed_config:
  deepspeed_config_file: ds_zero2.json
  zero3_init_flag: false
machine_rank: 0
num_machines: 1
num_processes: 8
main_training_function: main
rdzv_backend: static
same_network: true
use_cpu: false
`;

export const DS_ZERO2 = JSON.stringify({
  bf16: { enabled: 'auto' },
  zero_optimization: { stage: 2, overlap_comm: true, contiguous_gradients: true, reduce_bucket_size: 'auto', allgather_bucket_size: 5e8 },
  gradient_accumulation_steps: 'auto', gradient_clipping: 'auto', train_batch_size: 'auto', train_micro_batch_size_per_gpu: 'auto',
}, null, 2) + '\n';
