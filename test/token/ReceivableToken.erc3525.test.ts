import hre from "hardhat";
import { id } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Role, roleMask } from "../../src/chain/roles";
import { YEAR, confirmReceivable, deployConsortium, latestTimestamp } from "../helpers/consortium";
import { shouldBehaveLikeERC3525 } from "./ERC3525.behavior";
import type { ERC3525Subject } from "./ERC3525.behavior";

describe("ReceivableToken as ERC-3525", function () {
  async function subject(): Promise<ERC3525Subject> {
    const c = await deployConsortium();
    const { tokenId } = await confirmReceivable(c, { supplier: c.tier1, faceValue: 10_000n });
    return {
      token: c.receivableToken,
      tokenId,
      value: 10_000n,
      owner: c.tier1,
      spender: c.tier2,
      recipient: c.tier3,
      contractHolder: async () => {
        const mock = await hre.ethers.deployContract("ReceiverMock");
        const address = await mock.getAddress();
        await c.registry.admit(id(`CONTRACT-HOLDER-${address}`), address, roleMask(Role.SUPPLIER), (await latestTimestamp()) + YEAR);
        return address;
      },
    };
  }

  shouldBehaveLikeERC3525(() => loadFixture(subject));
});
