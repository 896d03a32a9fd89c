import { expect } from "chai";
import hre from "hardhat";
import { Wallet, id, parseEther } from "ethers";
import { AccountSender, PRIVATE_CHAIN_FEES, generatorSigning, signTransactionFast } from "../../src/network/load";

/** The load generator's signing (src/network/load.ts) through the signature module, and signing ahead. */
describe("load generator signing (issue 20 item 4)", function () {
  it("signatures: a transaction signed through the module is ethers' Wallet.signTransaction byte for byte", async function () {
    const wallet = new Wallet(id("load signing key"));
    for (let nonce = 0; nonce < 5; nonce += 1) {
      const fields = { to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", data: `0x${"ab".repeat(nonce * 7)}`, value: BigInt(nonce), gasLimit: 100_000n, ...PRIVATE_CHAIN_FEES, chainId: 31337n, nonce };
      expect(signTransactionFast(wallet.privateKey, fields)).to.equal(await wallet.signTransaction({ type: 2, ...fields }));
    }
  });

  it("signatures: a sender's transactions signed ahead are sent in nonce order, and a different request is signed afresh", async function () {
    const [funder] = await hre.ethers.getSigners();
    const wallet = new Wallet(id(`load signing sender ${Date.now()}`));
    await (await funder.sendTransaction({ to: wallet.address, value: parseEther("1") })).wait();
    const rpc = (method: string, params: unknown[]): Promise<unknown> => hre.network.provider.send(method, params);
    const { chainId } = await hre.ethers.provider.getNetwork();
    const sender = new AccountSender(wallet, rpc, chainId);
    const request = { to: funder.address, value: 1n, gasLimit: 30_000n };
    const before = generatorSigning.signed;
    await sender.presign(request, 3);
    expect(sender.presignedCount).to.equal(3);
    expect(generatorSigning.signed - before).to.equal(3);
    const outcomes = [await sender.send(request), await sender.send(request), await sender.send({ ...request, value: 2n }), await sender.send(request)];
    expect(outcomes.map((outcome) => outcome.kind)).to.deep.equal(["sent", "sent", "sent", "sent"]);
    expect(outcomes.map((outcome) => outcome.nonce)).to.deep.equal([0, 1, 2, 3]);
    expect(sender.presignedCount).to.equal(0);
    expect(generatorSigning.signed - before).to.equal(5);
    expect(await hre.ethers.provider.getTransactionCount(wallet.address)).to.equal(4);
  });
});
