// filter.py of the scale-out job: the lab's Self-Contrast filter (src/lib/contrast/filter.ts)
// in plain Python, with the same rules, the same a%, M and seed semantics and the
// same seeded generator (mulberry32, one stream per prompt), so on the same
// samples and similarities it selects exactly the lab's pairs.
export const FILTER_PY = String.raw`"""Self-Contrast negative selection, exactly as the lab selects (no dependencies).

Reads scored.jsonl (one row per prompt: prompt, target, outputs, similarity) and
writes the preference pairs:
  pairs.jsonl                TRL pairwise rows {prompt, chosen, rejected}
  llamafactory/self_contrast.jsonl   the authors' trainer's rows {instruction, input, output: [chosen, rejected], system, history}

Rules (--rule):
  reference  THUDM/Self-Contrast construct_synthetic_data.py, mode lastdedup-p:
             rank[i] = samples with strictly smaller similarity (ties share a rank);
             dedup by exact text keeping the first; K = min(int(R * a / 100), D - 1);
             pool = distinct texts whose rank is below the K-th smallest distinct rank;
             empty / space-only texts leave the pool; negatives lose leading spaces.
  distinct   a% (rounded) of the distinct samples that differ from the target (compared trimmed).
M negatives are drawn per prompt without replacement from a seeded stream per
(seed, prompt index) and listed in sample order; prompts whose pool holds fewer
than M give none (--short skip) or all they have (--short keep-fewer).
"""
import argparse
import json
import math

MASK = 0xFFFFFFFF


def imul(a, b):
    return (a * b) & MASK


def mulberry32(seed):
    """The lab's generator (src/lib/random.ts): floats in [0, 1) from a 32-bit state."""
    state = seed & MASK

    def rng():
        nonlocal state
        state = (state + 0x6D2B79F5) & MASK
        t = state
        t = imul(t ^ (t >> 15), t | 1)
        t = (t ^ ((t + imul(t ^ (t >> 7), t | 61)) & MASK)) & MASK
        return ((t ^ (t >> 14)) & MASK) / 4294967296

    return rng


def prompt_seed(seed, p):
    return (imul((seed ^ 0x9E3779B9) & MASK, 2654435761) + p) & MASK


def reference_pool(samples, sims, a):
    """Sample indices of the reference rule's pool, in sample order."""
    rank = [sum(1 for y in sims if y < x) for x in sims]
    first = {}
    for i, text in enumerate(samples):
        first.setdefault(text, i)
    distinct = sorted(first.values())
    if not distinct:
        return []
    k = min(int(len(samples) * (a / 100)), len(distinct) - 1)
    threshold = sorted(rank[i] for i in distinct)[k]
    return [i for i in distinct if rank[i] < threshold and samples[i].lstrip(" ") != ""]


def distinct_pool(samples, sims, target, a):
    seen = {target.strip()}
    candidates = []
    for i, text in enumerate(samples):
        key = text.strip()
        if key not in seen:
            candidates.append(i)
        seen.add(key)
    candidates.sort(key=lambda i: (sims[i], i))
    n = min(len(candidates), math.floor(len(candidates) * a / 100 + 0.5))
    return sorted(candidates[:n])


def draw(pool, m, seed, p):
    members = list(pool)
    rng = mulberry32(prompt_seed(seed, p))
    for i in range(m):
        j = i + math.floor(rng() * (len(members) - i))
        members[i], members[j] = members[j], members[i]
    return sorted(members[:m])


def alpaca_turns(prompt):
    if isinstance(prompt, str):
        return "", [], prompt
    system = "\n\n".join(m["content"] for m in prompt if m["role"] == "system")
    turns = [m for m in prompt if m["role"] != "system"]
    if not turns or turns[-1]["role"] != "user":
        raise ValueError("a prompt must end with a user turn")
    history, user = [], None
    for m in turns[:-1]:
        if m["role"] == "user":
            if user is not None:
                history.append([user, ""])
            user = m["content"]
        else:
            history.append([user or "", m["content"]])
            user = None
    if user is not None:
        history.append([user, ""])
    return system, history, turns[-1]["content"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scored", default="scored.jsonl")
    ap.add_argument("--settings", default="settings.json", help="the lab's settings record; flags below override it")
    ap.add_argument("--rule", choices=["reference", "distinct"])
    ap.add_argument("--a", type=float, help="a%%: least-similar share eligible as negatives")
    ap.add_argument("--m", type=int, help="negatives per prompt")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--short", choices=["skip", "keep-fewer"])
    ap.add_argument("--out", default="pairs.jsonl")
    ap.add_argument("--llamafactory", default="llamafactory/self_contrast.jsonl")
    args = ap.parse_args()
    with open(args.settings, encoding="utf-8") as f:
        s = json.load(f)["settings"]
    rule = args.rule or s["filterRule"]
    a = args.a if args.a is not None else s["a"]
    m = args.m if args.m is not None else s["m"]
    seed = args.seed if args.seed is not None else s["seed"]
    short = args.short or s["shortPrompts"]

    pairs, factory, kept, prompts = [], [], 0, 0
    with open(args.scored, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    for p, row in enumerate(rows):
        prompts += 1
        samples, sims, target = row["outputs"], row["similarity"], row["target"]
        if len(samples) != len(sims):
            raise SystemExit(f"{args.scored} line {p + 1}: {len(samples)} outputs but {len(sims)} similarities")
        pool = reference_pool(samples, sims, a) if rule == "reference" else distinct_pool(samples, sims, target, a)
        take = m if len(pool) >= m else (len(pool) if short == "keep-fewer" else 0)
        if take == 0:
            continue
        kept += 1
        chat = not isinstance(row["prompt"], str)
        system, history, instruction = alpaca_turns(row["prompt"])
        for i in draw(pool, take, seed, p):
            rejected = samples[i].lstrip(" ") if rule == "reference" else samples[i]
            if chat:
                pairs.append({"prompt": row["prompt"], "chosen": [{"role": "assistant", "content": target}], "rejected": [{"role": "assistant", "content": rejected}]})
            else:
                pairs.append({"prompt": row["prompt"], "chosen": target, "rejected": rejected})
            factory.append({"instruction": instruction, "input": "", "output": [target, rejected], "system": system, "history": history})
    for path, out in ((args.out, pairs), (args.llamafactory, factory)):
        with open(path, "w", encoding="utf-8") as f:
            for r in out:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{rule} rule, a = {a}%, M = {m}, seed {seed}: {len(pairs)} pairs from {kept} of {prompts} prompts -> {args.out}, {args.llamafactory}")


if __name__ == "__main__":
    main()
`;
