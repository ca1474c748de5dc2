// A typed host: the declarations `dexpc types --lang ts` writes for the reference policy (into
// `generated/`, by the test suite) type the records going in and the decisions coming out, so
// a misspelt enum value or a missing field is a compile error. Checked with `tsc --noEmit`.
import { Policy, type Outcome } from "@dexp/runtime";
import type { PolicyDecision, PolicyInput } from "./generated/defender_experts.js";

/** One line per tenant: whether it is eligible for Defender Experts for XDR, and why not. */
export async function eligibility(wasm: Uint8Array, tenants: PolicyInput[]): Promise<string[]> {
  const policy = await Policy.load(wasm);
  const outcomes: Outcome<PolicyDecision>[] = policy.evaluate<PolicyDecision, PolicyInput>(tenants);
  return outcomes.map((o, i) => {
    if (!o.ok) return `tenant ${i}: rejected at ${o.error.path}: ${o.error.message}`;
    const { tenant_id, xdr } = o.decision;
    return xdr.eligible ? `${tenant_id}: eligible` : `${tenant_id}: not eligible (${xdr.reasons.join(", ")})`;
  });
}

/** A tenant written against the generated types; ints may be numbers or bigints. */
export const example: PolicyInput = {
  tenant_id: "tenant-1",
  as_of: "2026-03-01",
  cloud: "commercial",
  eu_data_boundary: false,
  users: { total: 1200, entra_p1_licensed: 1200n, entra_p1_enabled: true },
  products: [{ product: "endpoint", licensed: true, mode: "active" }],
  servers: [],
  subscription: { xdr_enrolled: true, servers_addon: false, status: "active", term_end: "2027-01-01" },
  credits: { unused_last_quarter: 0, used_this_quarter: 0 },
};
