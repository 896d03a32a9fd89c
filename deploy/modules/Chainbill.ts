import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { id } from "ethers";

/** 2100-01-01T00:00:00Z: the operator's KYC validity unless a parameter says otherwise. */
const DEFAULT_OPERATOR_KYC_VALID_UNTIL = 4_102_444_800n;
/** Values are kept in the currency's minor unit: fen for CNY. */
const VALUE_DECIMALS = 2;

/**
 * The whole Chainbill system: the member registry (with the deploying account as the operator, member 1)
 * and the receivable token over it. Parameters: `operatorLeiHash`, `operatorKycValidUntil`.
 */
export default buildModule("Chainbill", (m) => {
  const operatorAccount = m.getAccount(0);
  const operatorLeiHash = m.getParameter("operatorLeiHash", id("CHAINBILL-CONSORTIUM-OPERATOR"));
  const operatorKycValidUntil = m.getParameter("operatorKycValidUntil", DEFAULT_OPERATOR_KYC_VALID_UNTIL);

  const registry = m.contract("MemberRegistry", [operatorLeiHash, operatorAccount, operatorKycValidUntil]);
  const receivableToken = m.contract("ReceivableToken", [registry, VALUE_DECIMALS]);

  return { registry, receivableToken };
});
