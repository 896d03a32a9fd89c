import { Role } from "../chain/roles";

/**
 * The demo consortium `npm start` seeds: the cast of `npm run demo` (src/demo/story.ts), each played by one of
 * the local node's development accounts, in this order. The keys are the well-known Hardhat development keys, so
 * they are printed for importing into a browser wallet and offered to the dApp as demo accounts; they are worthless
 * on any real network.
 */

export type CastKey = "operator" | "anchor" | "tier1" | "tier2" | "tier3" | "carrier" | "verifier" | "bank" | "auditor";

export interface CastMember {
  key: CastKey;
  name: string;
  /** The name in Simplified Chinese, for the dApp's Chinese pages. */
  nameZh: string;
  what: string;
  roles: Role[];
  /** Unified social credit code (统一社会信用代码); the chain keeps only its hash. */
  creditCode: string;
  /** Index of the development account that plays the member. */
  accountIndex: number;
}

export const DEMO_CAST: readonly CastMember[] = [
  {
    key: "operator",
    name: "Chainbill Consortium",
    nameZh: "链票联盟",
    what: "network operator",
    roles: [Role.OPERATOR],
    creditCode: "CHAINBILL-CONSORTIUM-OPERATOR",
    accountIndex: 0,
  },
  {
    key: "anchor",
    name: "Huaxin Mobile",
    nameZh: "华信移动",
    what: "phone maker, the anchor (core enterprise)",
    roles: [Role.ANCHOR],
    creditCode: "91440300MA5HXM001P",
    accountIndex: 1,
  },
  {
    key: "tier1",
    name: "Brightview Displays",
    nameZh: "明视显示",
    what: "tier-1 supplier: display modules",
    roles: [Role.SUPPLIER],
    creditCode: "91320500MA1BRD0025",
    accountIndex: 2,
  },
  {
    key: "tier2",
    name: "Clearwater Glass",
    nameZh: "清水玻璃",
    what: "tier-2 supplier: cover glass",
    roles: [Role.SUPPLIER],
    creditCode: "91330200MA2CWG003J",
    accountIndex: 3,
  },
  {
    key: "tier3",
    name: "Golden Sands Silica",
    nameZh: "金沙硅材",
    what: "tier-3 supplier: silica sand",
    roles: [Role.SUPPLIER],
    creditCode: "91450100MA5GLD004Q",
    accountIndex: 4,
  },
  {
    key: "carrier",
    name: "Swift Freight",
    nameZh: "迅捷货运",
    what: "logistics carrier",
    roles: [Role.CARRIER],
    creditCode: "91310000MA1XJH005M",
    accountIndex: 5,
  },
  {
    key: "verifier",
    name: "TrustProof Verification",
    nameZh: "信证核验",
    what: "checks invoices and waybills",
    roles: [Role.VERIFIER],
    creditCode: "91110000MA0TPC0060",
    accountIndex: 6,
  },
  {
    key: "bank",
    name: "Pearl River Bank",
    nameZh: "珠江银行",
    what: "factoring bank, issues the CNY deposit token",
    roles: [Role.FACTOR],
    creditCode: "91440100MA9PRB0071",
    accountIndex: 7,
  },
  {
    key: "auditor",
    name: "Meridian Audit & Co.",
    nameZh: "子午会计师事务所",
    what: "auditor",
    roles: [Role.AUDITOR],
    creditCode: "91110000MA0MAC008L",
    accountIndex: 8,
  },
];

/** Hardhat's development mnemonic: the local node's accounts, and so the demo's. */
export const DEVELOPMENT_MNEMONIC = "test test test test test test test test test test test junk";

/** The discount rate each factor of the demo quotes, in basis points a year. */
export const DEMO_FACTOR_RATE_BPS = 600n;
