// Types of the dexp policy `defender_experts` version 1.0.0 (source hash 1804e67ea4dbb57473f44fa8b6bbcda273d24257cee4ba9dc854dd5833cf547b).
// Written by `dexpc types --lang ts`: do not edit. Ints are `number | bigint` (safe-integer
// numbers or bigints in, a bigint out only beyond 2^53); dates are `YYYY-MM-DD` strings.

/** The enum `Cloud`. */
export type Cloud = "commercial" | "gcc" | "gcc_high" | "dod" | "china";

/** The enum `Product`. */
export type Product = "endpoint" | "office365_p2" | "identity" | "cloud_apps" | "iot";

/** The enum `Mode`. */
export type Mode = "active" | "passive" | "off";

/** The enum `ServerCloud`. */
export type ServerCloud = "azure" | "aws" | "gcp";

/** The enum `ServersPlan`. */
export type ServersPlan = "none" | "p1" | "p2";

/** The enum `Status`. */
export type Status = "active" | "expired" | "terminated";

/** The enum `Coverage`. */
export type Coverage = "none" | "guided" | "full";

/** The enum `IotCoverage`. */
export type IotCoverage = "not_covered";

/** The enum `Region`. */
export type Region = "eu" | "us";

/** The codes of the requirements `xdr`. */
export type XdrCode = "entra_p1_not_all_users" | "entra_p1_not_enabled" | "no_active_eligible_product" | "cloud_not_supported";

/** The codes of the requirements `servers_addon`. */
export type ServersAddonCode = "xdr_not_eligible" | "xdr_not_enrolled" | "no_defender_for_servers_plan";

/** The codes of the advisories `advice`. */
export type AdviceCode = "passive_products_guided_only" | "iot_not_covered" | "deploy_full_suite" | "enable_endpoint_protection";

/** The record `Users`. */
export interface Users {
  total: number | bigint;
  entra_p1_licensed: number | bigint;
  entra_p1_enabled: boolean;
}

/** The record `ProductEntry`. */
export interface ProductEntry {
  product: Product;
  licensed: boolean;
  mode: Mode;
}

/** The record `Server`. */
export interface Server {
  id: string;
  cloud: ServerCloud;
  mde_server_license: boolean;
  servers_plan: ServersPlan;
  endpoint_protection: boolean;
}

/** The record `Subscription`. */
export interface Subscription {
  xdr_enrolled: boolean;
  servers_addon: boolean;
  status: Status;
  term_end: string;
  ended_on?: string | null;
}

/** The record `Credits`. */
export interface Credits {
  unused_last_quarter: number | bigint;
  used_this_quarter: number | bigint;
}

/** The record `Tenant`. */
export interface Tenant {
  tenant_id: string;
  as_of: string;
  cloud: Cloud;
  eu_data_boundary: boolean;
  users: Users;
  products: ProductEntry[];
  servers: Server[];
  subscription: Subscription;
  credits: Credits;
}

/** The record `XdrResult`. */
export interface XdrResult {
  eligible: boolean;
  reasons: XdrCode[];
}

/** The record `AddonResult`. */
export interface AddonResult {
  eligible: boolean;
  reasons: ServersAddonCode[];
}

/** The record `CoverageResult`. */
export interface CoverageResult {
  endpoint: Coverage;
  office365_p2: Coverage;
  identity: Coverage;
  cloud_apps: Coverage;
  iot: IotCoverage;
}

/** The record `CreditsResult`. */
export interface CreditsResult {
  balance: number | bigint;
  usable: number | bigint;
}

/** The record `Decision`. */
export interface Decision {
  tenant_id: string;
  xdr: XdrResult;
  servers_addon: AddonResult;
  coverage: CoverageResult;
  covered_servers: number | bigint;
  billable_seats: number | bigint;
  credits: CreditsResult;
  operational_data_region: Region;
  data_deleted_by: string | null;
  advisories: AdviceCode[];
}

/** The record the policy reads. */
export type PolicyInput = Tenant;

/** The decision the policy writes. */
export type PolicyDecision = Decision;
