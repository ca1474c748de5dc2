#!/usr/bin/env python3
"""Builds the determinism corpus for the Defender Experts policy.

Writes `corpus-tenants.ndjson` (seeded, generated tenant records, with some malformed lines
and records that overflow) and `corpus-decisions.ndjson`: the decisions computed by the
independent implementation of the contract below, written straight from
`policies/defender_experts.contract.md` in Python. The Rust test
`determinism_corpus_matches_byte_for_byte` (compiler/tests/cli.rs) runs `dexpc eval` on the
tenants with both engines and compares the output with the decisions byte for byte, so a change
in the policy, the compiler, the runtime or any dependency that alters a decision, or even its
formatting, is caught.

Run from the repository root: `python3 tests/golden/make_corpus.py` (deterministic: the seed is
fixed). Only needed when the contract or the corpus changes; CI uses the committed files.
"""

import datetime
import json
import random

SEED = 20261126
COUNT = 3000
HERE = "tests/golden"

CLOUDS = ["commercial", "gcc", "gcc_high", "dod", "china"]
PRODUCTS = ["endpoint", "office365_p2", "identity", "cloud_apps", "iot"]
FOUR = PRODUCTS[:4]
MODES = ["active", "passive", "off"]
PLANS = ["none", "p1", "p2"]
STATUSES = ["active", "expired", "terminated"]
I64_MAX = 2**63 - 1
I64_MIN = -(2**63)


def day(rng, lo="2024-01-01", hi="2028-12-31"):
    a = datetime.date.fromisoformat(lo).toordinal()
    b = datetime.date.fromisoformat(hi).toordinal()
    return datetime.date.fromordinal(rng.randint(a, b)).isoformat()


def tenant(rng, i):
    total = rng.choice([0, 1, 5, 250, 1200, 50000, rng.randint(0, 100000)])
    licensed = rng.choice([total, total, total + rng.randint(1, 50), max(0, total - rng.randint(1, 50))])
    subscription = {
        "xdr_enrolled": rng.random() < 0.85,
        "servers_addon": rng.random() < 0.5,
        "status": rng.choice(STATUSES + ["active", "active"]),
        "term_end": day(rng),
    }
    if rng.random() < 0.4:
        subscription["ended_on"] = rng.choice([None, day(rng)])
    record = {
        "tenant_id": rng.choice([f"tenant-{i:06d}", f"Ténant \"{i}\" ✓"]),
        "as_of": rng.choice([day(rng), "2026-03-31", "2026-04-01", "2026-12-31", "2027-01-01", "2028-02-29"]),
        "cloud": rng.choice(CLOUDS + ["commercial"] * 4),
        "eu_data_boundary": rng.random() < 0.3,
        "users": {"total": total, "entra_p1_licensed": licensed, "entra_p1_enabled": rng.random() < 0.85},
        "products": [
            {"product": rng.choice(PRODUCTS), "licensed": rng.random() < 0.8, "mode": rng.choice(MODES + ["active"])}
            for _ in range(rng.randint(0, 7))
        ],
        "servers": [
            {
                "id": f"srv-{i}-{j}",
                "cloud": rng.choice(["azure", "aws", "gcp"]),
                "mde_server_license": rng.random() < 0.6,
                "servers_plan": rng.choice(PLANS),
                "endpoint_protection": rng.random() < 0.7,
            }
            for j in range(rng.randint(0, 12))
        ],
        "subscription": subscription,
        "credits": {"unused_last_quarter": rng.choice([0, 3, 5, 10, 15, 25]), "used_this_quarter": rng.choice([0, 3, 10, 20, 30])},
    }
    # Now and then, values at the edges: overflow in billing and credits, negative usage.
    edge = rng.random()
    if edge < 0.01:
        record["users"]["total"] = I64_MAX
        record["users"]["entra_p1_licensed"] = I64_MAX
    elif edge < 0.02:
        record["credits"]["unused_last_quarter"] = I64_MAX
    elif edge < 0.03:
        record["credits"]["used_this_quarter"] = I64_MIN
    elif edge < 0.04:
        record["credits"]["used_this_quarter"] = -7
    return record


def malformed(rng, record):
    """A line that must be rejected, and the path the rejection must name."""
    kind = rng.randrange(7)
    r = json.loads(json.dumps(record))
    if kind == 0:
        del r["as_of"]
        return json.dumps(r, ensure_ascii=False), "as_of"
    if kind == 1:
        r["users"]["total"] = "1200"
        return json.dumps(r, ensure_ascii=False), "users.total"
    if kind == 2:
        r["cloud"] = "moon"
        return json.dumps(r, ensure_ascii=False), "cloud"
    if kind == 3:
        r["subscription"]["term_end"] = "2026-02-30"
        return json.dumps(r, ensure_ascii=False), "subscription.term_end"
    if kind == 4:
        r["users"]["entra_p1_licensed"] = 18446744073709551616
        return json.dumps(r, ensure_ascii=False), "users.entra_p1_licensed"
    if kind == 5 and r["products"]:
        r["products"][-1]["mode"] = "semi"
        return json.dumps(r, ensure_ascii=False), f"products[{len(r['products']) - 1}].mode"
    text = json.dumps(r, ensure_ascii=False)
    return text[: len(text) // 2], None  # truncated: invalid JSON, path depends on where


# ---- the contract, independently -----------------------------------------------------------

def add_days(iso, n):
    return (datetime.date.fromisoformat(iso) + datetime.timedelta(days=n)).isoformat()


def checked(v):
    if not (I64_MIN <= v <= I64_MAX):
        raise OverflowError
    return v


def decide(t):
    users, subs, credits = t["users"], t["subscription"], t["credits"]
    x = []
    if users["entra_p1_licensed"] < users["total"]:
        x.append("entra_p1_not_all_users")
    if not users["entra_p1_enabled"]:
        x.append("entra_p1_not_enabled")
    if not any(p["product"] in FOUR and p["licensed"] and p["mode"] == "active" for p in t["products"]):
        x.append("no_active_eligible_product")
    if t["cloud"] != "commercial":
        x.append("cloud_not_supported")
    xdr_ok = not x
    planned = lambda s: s["servers_plan"] in ("p1", "p2")
    s = []
    if not xdr_ok:
        s.append("xdr_not_eligible")
    if not subs["xdr_enrolled"]:
        s.append("xdr_not_enrolled")
    if not any(planned(v) for v in t["servers"]):
        s.append("no_defender_for_servers_plan")
    addon_ok = not s
    rank = {"none": 0, "guided": 1, "full": 2}

    def level(p):
        if p["licensed"] and p["mode"] == "active":
            return "full"
        if p["licensed"] and p["mode"] == "passive":
            return "guided"
        return "none"

    coverage = {}
    for product in FOUR:
        best = "none"
        if xdr_ok:
            for p in t["products"]:
                if p["product"] == product and rank[level(p)] > rank[best]:
                    best = level(p)
        coverage[product] = best
    coverage["iot"] = "not_covered"
    covered = 0
    if xdr_ok:
        covered = sum(
            1 for v in t["servers"] if v["mde_server_license"] or (planned(v) and addon_ok and subs["servers_addon"])
        )
    seats = checked(users["total"] + sum(1 for v in t["servers"] if v["mde_server_license"]))
    assigned = subs["xdr_enrolled"] and subs["status"] == "active" and t["as_of"] <= subs["term_end"]
    if assigned:
        quarter = (int(t["as_of"][5:7]) - 1) // 3 + 1
        balance = checked(10 + (0 if quarter == 1 else credits["unused_last_quarter"]))
        usable = max(0, checked(min(balance, 20) - credits["used_this_quarter"]))
    else:
        balance, usable = 0, 0
    ended = subs.get("ended_on")
    if subs["status"] == "active":
        deleted = None
    elif subs["status"] == "expired":
        deleted = add_days(ended or subs["term_end"], 90)
    else:
        deleted = add_days(ended or t["as_of"], 30)
    advisories = []
    if xdr_ok and any(coverage[p] == "guided" for p in FOUR):
        advisories.append("passive_products_guided_only")
    if any(p["product"] == "iot" and p["licensed"] for p in t["products"]):
        advisories.append("iot_not_covered")
    if xdr_ok and any(coverage[p] != "full" for p in FOUR):
        advisories.append("deploy_full_suite")
    if addon_ok and any(planned(v) and not v["endpoint_protection"] for v in t["servers"]):
        advisories.append("enable_endpoint_protection")
    return {
        "tenant_id": t["tenant_id"],
        "xdr": {"eligible": xdr_ok, "reasons": x},
        "servers_addon": {"eligible": addon_ok, "reasons": s},
        "coverage": coverage,
        "covered_servers": covered,
        "billable_seats": seats,
        "credits": {"balance": balance, "usable": usable},
        "operational_data_region": "eu" if t["eu_data_boundary"] else "us",
        "data_deleted_by": deleted,
        "advisories": advisories,
    }


def main():
    rng = random.Random(SEED)
    lines, expected = [], []
    for i in range(COUNT):
        record = tenant(rng, i)
        if rng.random() < 0.03:
            text, path = malformed(rng, record)
            lines.append(text)
            expected.append({"line": i + 1, "path": path})
            continue
        lines.append(json.dumps(record, ensure_ascii=False))
        try:
            expected.append(decide(record))
        except OverflowError:
            expected.append({"line": i + 1, "overflow": True})
    with open(f"{HERE}/corpus-tenants.ndjson", "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    with open(f"{HERE}/corpus-expected.json", "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"{len(lines)} records, {sum(1 for e in expected if 'line' in e)} rejections")


if __name__ == "__main__":
    main()
