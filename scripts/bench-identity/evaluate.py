"""Scores identity resolution against the generated truth, for scripts/bench identity.

Usage: evaluate.py OUT BASE PEOPLE SEED PHONES. OUT holds training/truth.tsv and held-out/truth.tsv (from
crm-bench identity-generate) and, for each side measured (base, model), what identity.sh copied out
of that side's database: SIDE-accounts.tsv (shop, channel, external id, member), SIDE-review.tsv
(open review items: member_a, member_b, score), SIDE-merged.tsv (member, merged_into),
SIDE-rules.tsv (merges by rule), SIDE-mode.txt, and SIDE-training.rate / SIDE-held-out.rate (events
applied, seconds).

Only held-out records are scored. A pair of held-out records in one member is an automatic merge;
a held-out record in one member with a training record counts as a false merge as well (the two
sets hold different people). An open review item stands for every pair of held-out records across
its two members. True pairs are pairs of held-out records of one person.
"""

import collections
import itertools
import os
import sys


def read_truth(path):
    """(shop, channel, external id) -> (person, household, corruptions)."""
    truth = {}
    with open(path, encoding="utf-8") as f:
        next(f)
        for line in f:
            shop, channel, external, person, household, corruptions = line.rstrip("\n").split("\t")
            labels = [] if corruptions == "-" else corruptions.split(",")
            truth[(shop, channel, external)] = (int(person), int(household), labels)
    return truth


def rows(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f1


def true_pairs(held):
    by_person = collections.defaultdict(list)
    for record, (person, _, _) in held.items():
        by_person[person].append(record)
    pairs = set()
    for records in by_person.values():
        for a, b in itertools.combinations(sorted(records), 2):
            pairs.add((a, b))
    return pairs


def score_side(out, side, held, training, truth_pairs):
    """The figures of one side, or None when it was not measured."""
    accounts = rows(f"{out}/{side}-accounts.tsv")
    if not accounts:
        return None
    merged_into = {int(a): int(b) for a, b in rows(f"{out}/{side}-merged.tsv")}

    def live(member):
        seen = 0
        while member in merged_into and seen < 1000:
            member, seen = merged_into[member], seen + 1
        return member

    held_of = collections.defaultdict(list)
    training_count = collections.Counter()
    for shop, channel, external, member in accounts:
        key, m = (shop, channel, external), live(int(member))
        if key in held:
            held_of[m].append(key)
        elif key in training:
            training_count[m] += 1
    merged = set()
    cross_training = 0
    for m, records in held_of.items():
        cross_training += len(records) * training_count[m]
        merged.update(itertools.combinations(sorted(records), 2))
    tp_a = len(merged & truth_pairs)
    fp_a = len(merged - truth_pairs) + cross_training
    false_household = sum(1 for a, b in merged - truth_pairs if held[a][1] == held[b][1])

    reviewed, items = set(), 0
    for a, b, _ in rows(f"{out}/{side}-review.tsv"):
        x, y = live(int(a)), live(int(b))
        if x == y or not (held_of.get(x) or held_of.get(y)):
            continue
        items += 1
        for p in held_of.get(x, []):
            for q in held_of.get(y, []):
                reviewed.add(tuple(sorted((p, q))))
    tp_r = len(reviewed & truth_pairs)
    missed = truth_pairs - merged - reviewed
    labels = collections.Counter()
    for a, b in missed:
        for label in set(held[a][2]) | set(held[b][2]) or {"(none)"}:
            labels[label] += 1
    rates = {}
    for s in ("training", "held-out"):
        r = rows(f"{out}/{side}-{s}.rate")
        rates[s] = (int(r[0][0].split()[0]), float(r[0][0].split()[1])) if r else None
    mode = open(f"{out}/{side}-mode.txt", encoding="utf-8").read().strip() if os.path.exists(f"{out}/{side}-mode.txt") else "?"
    return {
        "mode": mode, "rates": rates, "rules": rows(f"{out}/{side}-rules.tsv"),
        "auto": (tp_a, fp_a, len(truth_pairs) - tp_a), "cross_training": cross_training, "false_household": false_household,
        "review": (tp_r, len(reviewed) - tp_r, len(truth_pairs) - tp_r), "items": items,
        "covered": tp_a + tp_r, "missed": len(missed), "missed_by": labels,
    }


def per_second(rate):
    return rate[0] / rate[1] if rate and rate[1] > 0 else None


def report(name, label, s, total):
    print(f"{name} ({label}): {s['mode']}")
    for which in ("training", "held-out"):
        r = s["rates"][which]
        if r:
            print(f"  ingest of the {which} set: {r[0]:,} events in {r[1]:.1f} s = {per_second(r):,.0f} events/s")
    p, r, f = prf(*s["auto"])
    tp, fp, fn = s["auto"]
    print(f"  automatic merges: precision {p:.4f}  recall {r:.4f}  F1 {f:.4f}"
          f"  ({tp:,} true pairs merged, {fp:,} false: {s['cross_training']:,} with a training record, {s['false_household']:,} in one household)")
    p, r, f = prf(*s["review"])
    tp, fp, _ = s["review"]
    print(f"  review queue: {s['items']:,} open items touching held-out records; pairs: precision {p:.4f}  recall {r:.4f}  F1 {f:.4f}"
          f"  ({tp:,} true, {fp:,} false)")
    print(f"  merged or in review: {s['covered']:,} of {total:,} true pairs ({s['covered'] / max(1, total):.4f});"
          f" neither merged nor in review: {s['missed']:,}")
    if s["missed_by"]:
        top = ", ".join(f"{k} {v:,}" for k, v in s["missed_by"].most_common(8))
        print(f"    the pairs neither merged nor queued carry (a pair counts under each corruption of its two records): {top}")
    if s["rules"]:
        print("  merges by rule (both sets): " + ", ".join(f"{r[0]} {int(r[1]):,}" for r in s["rules"]))


def main():
    out, base, people, seed, phones = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    training = read_truth(f"{out}/training/truth.tsv")
    held = read_truth(f"{out}/held-out/truth.tsv")
    pairs = true_pairs(held)
    print(f"identity: {people:,} people for training (seed {seed}, {len(training):,} records), {people:,} held out"
          f" (seed {seed + 1}, {len(held):,} records, {len(pairs):,} true pairs); share of records with a phone: {phones}")
    sides = {name: score_side(out, name, held, training, pairs) for name in ("base", "model", "rescan")}
    for name, label in (("base", f"{base}, before issue 19"), ("model", "this tree"), ("rescan", "this tree, rescanned")):
        if sides[name]:
            report(name, label, sides[name], len(pairs))
    b, m = sides["base"], sides["model"]
    if b and m:
        for which in ("training", "held-out"):
            rb, rm = per_second(b["rates"][which]), per_second(m["rates"][which])
            if rb and rm:
                print(f"ratio model/base, ingest of the {which} set: {rm / rb:.3f} ({(rm / rb - 1) * 100:+.1f} %)")
        print(f"review items touching held-out records, model/base: {m['items']:,} / {b['items']:,}")


main()
