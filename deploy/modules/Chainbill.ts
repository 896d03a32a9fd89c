import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { id } from "ethers";

/** 2100-01-01T00:00:00Z: the operator's KYC validity unless a parameter says otherwise. */
const DEFAULT_OPERATOR_KYC_VALID_UNTIL = 4_102_444_800n;
/** Values are kept in the currency's minor unit: fen for CNY. */
const VALUE_DECIMALS = 2;
/** `IReceivableToken.SystemContract` */
const FINANCING = 0;
const SETTLEMENT = 1;
/** `IMemberRegistry.HoldingContract` */
const RECEIVABLES = 0;
const CURRENCY = 1;

/**
 * The whole Chainbill system: the member registry (with the deploying account as the operator, member 1),
 * the receivable token, the settlement currency, settlement and financing, bound to each other.
 * Parameters: `operatorLeiHash`, `operatorKycValidUntil`, `gracePeriod` (seconds, default 0).
 */
export default buildModule("Chainbill", (m) => {
  const operatorAccount = m.getAccount(0);
  const operatorLeiHash = m.getParameter("operatorLeiHash", id("CHAINBILL-CONSORTIUM-OPERATOR"));
  const operatorKycValidUntil = m.getParameter("operatorKycValidUntil", DEFAULT_OPERATOR_KYC_VALID_UNTIL);
  const gracePeriod = m.getParameter("gracePeriod", 0n);

  const registry = m.contract("MemberRegistry", [operatorLeiHash, operatorAccount, operatorKycValidUntil]);
  const receivableToken = m.contract("ReceivableToken", [registry, VALUE_DECIMALS]);
  const settlementToken = m.contract("SettlementToken", [registry]);
  const settlement = m.contract("Settlement", [registry, receivableToken, settlementToken]);
  const financing = m.contract("Financing", [registry, receivableToken, settlementToken, settlement]);

  m.call(receivableToken, "bindSystemContract", [FINANCING, financing], { id: "bindFinancing" });
  m.call(receivableToken, "bindSystemContract", [SETTLEMENT, settlement], { id: "bindSettlement" });
  m.call(registry, "bindHoldingContract", [RECEIVABLES, receivableToken], { id: "bindReceivableHoldings" });
  m.call(registry, "bindHoldingContract", [CURRENCY, settlementToken], { id: "bindCurrencyHoldings" });
  m.call(settlementToken, "setSystemAccount", [settlement, true], { id: "settlementEscrow" });
  m.call(settlement, "setGracePeriod", [gracePeriod], { id: "gracePeriod" });

  return { registry, receivableToken, settlementToken, settlement, financing };
});
