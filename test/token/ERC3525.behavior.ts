import { expect } from "chai";
import hre from "hardhat";
import { FunctionFragment } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ReceivableToken } from "../../typechain-types";

const SPLIT = "transferFrom(uint256,address,uint256)";
const MERGE = "transferFrom(uint256,uint256,uint256)";
const WHOLE = "transferFrom(address,address,uint256)";

/** What the behaviour needs: a token, a piece, its owner, two more eligible holders, and a contract member. */
export interface ERC3525Subject {
  token: ReceivableToken;
  tokenId: bigint;
  value: bigint;
  owner: HardhatEthersSigner;
  spender: HardhatEthersSigner;
  recipient: HardhatEthersSigner;
  /** Deploys a ReceiverMock and makes it an eligible holder; returns its address. */
  contractHolder: () => Promise<string>;
}

/**
 * The behaviour ERC-3525 (with ERC-721 compatibility) requires of a token, run against any contract that
 * claims the standard. `load` returns a fresh subject (a loadFixture call).
 */
export function shouldBehaveLikeERC3525(load: () => Promise<ERC3525Subject>): void {
  describe("ERC-165", function () {
    it("declares ERC-3525 (0xd5358140), ERC-721 (0x80ac58cd) and ERC-165, and nothing unknown", async function () {
      const { token } = await load();
      expect(await token.supportsInterface("0xd5358140")).to.equal(true);
      expect(await token.supportsInterface("0x80ac58cd")).to.equal(true);
      expect(await token.supportsInterface("0x01ffc9a7")).to.equal(true);
      expect(await token.supportsInterface("0xffffffff")).to.equal(false);
    });

    it("computes 0xd5358140 from exactly the standard's own functions", async function () {
      const { token } = await load();
      const standardFunctions = [
        "valueDecimals()",
        "balanceOf(uint256)",
        "slotOf(uint256)",
        "approve(uint256,address,uint256)",
        "allowance(uint256,address)",
        "transferFrom(uint256,uint256,uint256)",
        "transferFrom(uint256,address,uint256)",
      ];
      for (const signature of standardFunctions) expect(token.interface.hasFunction(signature), signature).to.equal(true);
      const interfaceId = standardFunctions
        .map((signature) => BigInt(FunctionFragment.from(signature).selector))
        .reduce((acc, selector) => acc ^ selector, 0n);
      expect("0x" + interfaceId.toString(16).padStart(8, "0")).to.equal("0xd5358140");
    });
  });

  describe("value allowances", function () {
    it("approve(tokenId, operator, value) sets an allowance and emits ApprovalValue", async function () {
      const { token, tokenId, owner, spender } = await load();
      await expect(token.connect(owner)["approve(uint256,address,uint256)"](tokenId, spender.address, 500n))
        .to.emit(token, "ApprovalValue")
        .withArgs(tokenId, spender.address, 500n);
      expect(await token.allowance(tokenId, spender.address)).to.equal(500n);
    });

    it("a value spender moves at most its allowance, which is spent and re-announced", async function () {
      const { token, tokenId, owner, spender, recipient } = await load();
      await token.connect(owner)["approve(uint256,address,uint256)"](tokenId, spender.address, 500n);
      await expect(token.connect(spender)[SPLIT](tokenId, recipient.address, 300n))
        .to.emit(token, "ApprovalValue")
        .withArgs(tokenId, spender.address, 200n);
      expect(await token.allowance(tokenId, spender.address)).to.equal(200n);
      await expect(token.connect(spender)[SPLIT](tokenId, recipient.address, 201n))
        .to.be.revertedWithCustomError(token, "ERC3525InsufficientAllowance")
        .withArgs(tokenId, spender.address, 200n, 201n);
      await expect(token.connect(spender)[WHOLE](owner.address, recipient.address, tokenId))
        .to.be.revertedWithCustomError(token, "ERC721InsufficientApproval")
        .withArgs(spender.address, tokenId);
    });

    it("an unlimited allowance is not spent", async function () {
      const { token, tokenId, owner, spender, recipient } = await load();
      await token.connect(owner)["approve(uint256,address,uint256)"](tokenId, spender.address, hre.ethers.MaxUint256);
      await token.connect(spender)[SPLIT](tokenId, recipient.address, 10n);
      expect(await token.allowance(tokenId, spender.address)).to.equal(hre.ethers.MaxUint256);
    });

    it("only the owner or someone approved for more may approve value", async function () {
      const { token, tokenId, owner, spender, recipient } = await load();
      await expect(token.connect(spender)["approve(uint256,address,uint256)"](tokenId, recipient.address, 1n))
        .to.be.revertedWithCustomError(token, "ERC721InvalidApprover")
        .withArgs(spender.address);
      await expect(token.connect(owner)["approve(uint256,address,uint256)"](tokenId, owner.address, 1n))
        .to.be.revertedWithCustomError(token, "ERC721InvalidOperator")
        .withArgs(owner.address);
      await token.connect(owner)["approve(address,uint256)"](spender.address, tokenId);
      await expect(token.connect(spender)["approve(uint256,address,uint256)"](tokenId, recipient.address, 7n))
        .to.emit(token, "ApprovalValue")
        .withArgs(tokenId, recipient.address, 7n);
    });

    it("allowances lapse when the token changes hands", async function () {
      const { token, tokenId, owner, spender, recipient } = await load();
      await token.connect(owner)["approve(uint256,address,uint256)"](tokenId, spender.address, 500n);
      await token.connect(owner)[WHOLE](owner.address, recipient.address, tokenId);
      expect(await token.allowance(tokenId, spender.address)).to.equal(0n);
    });
  });

  describe("operator approvals", function () {
    it("an operator for all moves value and whole tokens without an allowance", async function () {
      const { token, tokenId, owner, spender, recipient } = await load();
      await expect(token.connect(owner).setApprovalForAll(spender.address, true))
        .to.emit(token, "ApprovalForAll")
        .withArgs(owner.address, spender.address, true);
      expect(await token.isApprovedForAll(owner.address, spender.address)).to.equal(true);
      await token.connect(spender)[SPLIT](tokenId, recipient.address, 1n);
      await token.connect(spender)[WHOLE](owner.address, recipient.address, tokenId);
      expect(await token.ownerOf(tokenId)).to.equal(recipient.address);
    });

    it("the address approved for a token moves its value and the token itself", async function () {
      const { token, tokenId, owner, spender, recipient } = await load();
      await expect(token.connect(owner)["approve(address,uint256)"](spender.address, tokenId))
        .to.emit(token, "Approval")
        .withArgs(owner.address, spender.address, tokenId);
      expect(await token.getApproved(tokenId)).to.equal(spender.address);
      await token.connect(spender)[SPLIT](tokenId, recipient.address, 1n);
      await token.connect(spender)[WHOLE](owner.address, recipient.address, tokenId);
      expect(await token.ownerOf(tokenId)).to.equal(recipient.address);
    });

    it("approve_revertsWhenTheCallerIsNeitherOwnerNorOperator", async function () {
      const { token, tokenId, spender, recipient } = await load();
      await expect(token.connect(spender)["approve(address,uint256)"](recipient.address, tokenId))
        .to.be.revertedWithCustomError(token, "ERC721InvalidApprover")
        .withArgs(spender.address);
    });
  });

  describe("events", function () {
    it("value to an address: Transfer from zero, SlotChanged, then TransferValue from the source", async function () {
      const { token, tokenId, owner, recipient } = await load();
      const newTokenId = await token.connect(owner)[SPLIT].staticCall(tokenId, recipient.address, 3n);
      const receipt = await (await token.connect(owner)[SPLIT](tokenId, recipient.address, 3n)).wait();
      const names = (receipt?.logs ?? []).map((log) => token.interface.parseLog(log)?.name);
      expect(names).to.deep.equal(["Transfer", "SlotChanged", "TransferValue"]);
      expect(await token.slotOf(newTokenId)).to.equal(await token.slotOf(tokenId));
    });

    it("value to a token: one TransferValue and no Transfer", async function () {
      const { token, tokenId, owner } = await load();
      const other = await token.connect(owner)[SPLIT].staticCall(tokenId, owner.address, 3n);
      await token.connect(owner)[SPLIT](tokenId, owner.address, 3n);
      const receipt = await (await token.connect(owner)[MERGE](tokenId, other, 2n)).wait();
      const names = (receipt?.logs ?? []).map((log) => token.interface.parseLog(log)?.name);
      expect(names).to.deep.equal(["TransferValue"]);
    });

    it("value that empties its token: the move, the burn as TransferValue to token 0 (of the 0 left), then Transfer to zero", async function () {
      const { token, tokenId, owner, value } = await load();
      const other = await token.connect(owner)[SPLIT].staticCall(tokenId, owner.address, 3n);
      await token.connect(owner)[SPLIT](tokenId, owner.address, 3n);
      const receipt = await (await token.connect(owner)[MERGE](other, tokenId, 3n)).wait();
      const logs = (receipt?.logs ?? []).map((log) => token.interface.parseLog(log));
      expect(logs.map((log) => log?.name)).to.deep.equal(["TransferValue", "TransferValue", "Transfer"]);
      expect([...(logs[0]?.args ?? [])]).to.deep.equal([other, tokenId, 3n]);
      expect([...(logs[1]?.args ?? [])]).to.deep.equal([other, 0n, 0n]);
      expect([...(logs[2]?.args ?? [])]).to.deep.equal([owner.address, hre.ethers.ZeroAddress, other]);
      expect(await token["balanceOf(uint256)"](tokenId)).to.equal(value);
    });
  });

  describe("receiver hooks", function () {
    it("calls onERC3525Received on a contract recipient after the value has moved", async function () {
      const { token, tokenId, owner, contractHolder } = await load();
      const holder = await contractHolder();
      const mock = await hre.ethers.getContractAt("ReceiverMock", holder);
      const newTokenId = await token.connect(owner)[SPLIT].staticCall(tokenId, holder, 4n);
      await expect(token.connect(owner)[SPLIT](tokenId, holder, 4n))
        .to.emit(mock, "Received")
        .withArgs(owner.address, tokenId, newTokenId, 4n);
    });

    it("reverts the whole transfer when the contract refuses, by answer or by revert", async function () {
      const { token, tokenId, owner, value, contractHolder } = await load();
      const holder = await contractHolder();
      const mock = await hre.ethers.getContractAt("ReceiverMock", holder);
      for (const answer of [1, 2]) {
        await mock.setAnswer(answer);
        await expect(token.connect(owner)[SPLIT](tokenId, holder, 4n))
          .to.be.revertedWithCustomError(token, "ERC3525RejectedByReceiver")
          .withArgs(holder);
        await expect(token.connect(owner)["safeTransferFrom(address,address,uint256)"](owner.address, holder, tokenId)).to.be.reverted;
      }
      expect(await token["balanceOf(uint256)"](tokenId)).to.equal(value);
    });
  });
}
