import { expect } from "chai";
import hre from "hardhat";
import { Wallet, id, parseEther } from "ethers";
import { AccountSender, PRIVATE_CHAIN_FEES, generatorSigning, signTransactionFast } from "../../src/network/load";
import type { RpcBatch } from "../../src/network/load";

/** The load generator's signing (src/network/load.ts) through the signature module, and signing ahead. */
describe("load generator signing (issue 20 item 4)", function () {
  it("signatures: a transaction signed through the module is ethers' Wallet.signTransaction byte for byte", async function () {
    const wallet = new Wallet(id("load signing key"));
    for (let nonce = 0; nonce < 5; nonce += 1) {
      const fields = {
        to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        data: `0x${"ab".repeat(nonce * 7)}`,
        value: BigInt(nonce),
        gasLimit: 100_000n,
        ...PRIVATE_CHAIN_FEES,
        chainId: 31337n,
        nonce,
      };
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
    const outcomes = [
      await sender.send(request),
      await sender.send(request),
      await sender.send({ ...request, value: 2n }),
      await sender.send(request),
    ];
    expect(outcomes.map((outcome) => outcome.kind)).to.deep.equal(["sent", "sent", "sent", "sent"]);
    expect(outcomes.map((outcome) => outcome.nonce)).to.deep.equal([0, 1, 2, 3]);
    expect(sender.presignedCount).to.equal(0);
    expect(generatorSigning.signed - before).to.equal(5);
    expect(await hre.ethers.provider.getTransactionCount(wallet.address)).to.equal(4);
  });

  it("batches: a sender's next transactions go in one batch request, in nonce order, and a refused one makes it ask for the nonce again", async function () {
    const [funder] = await hre.ethers.getSigners();
    const wallet = new Wallet(id(`load batch sender ${Date.now()}`));
    await (await funder.sendTransaction({ to: wallet.address, value: parseEther("1") })).wait();
    const rpc = (method: string, params: unknown[]): Promise<unknown> => hre.network.provider.send(method, params);
    const requests: number[] = [];
    let refuse: number | undefined;
    // A batch carried by the in-process network, one call after another; `refuse` makes the node refuse one call.
    const batch: RpcBatch = async (calls) => {
      requests.push(calls.length);
      const answers: Array<{ result: unknown } | { error: string }> = [];
      for (const [index, call] of calls.entries()) {
        if (index === refuse) answers.push({ error: "refused by the test" });
        else answers.push({ result: await rpc(call.method, call.params) });
      }
      return answers;
    };
    const { chainId } = await hre.ethers.provider.getNetwork();
    const sender = new AccountSender(wallet, rpc, chainId);
    const request = { to: funder.address, value: 1n, gasLimit: 30_000n };
    await sender.presign(request, 4);
    const first = await sender.sendBatch(request, 3, batch);
    expect(first.map((outcome) => [outcome.kind, outcome.nonce])).to.deep.equal([
      ["sent", 0],
      ["sent", 1],
      ["sent", 2],
    ]);
    expect(sender.presignedCount).to.equal(1);
    refuse = 1;
    const second = await sender.sendBatch(request, 2, batch);
    expect(second.map((outcome) => [outcome.kind, outcome.nonce])).to.deep.equal([
      ["sent", 3],
      ["not-sent", 4],
    ]);
    refuse = undefined;
    // The account asks the node again: nonce 4 was refused, so it comes next.
    const third = await sender.sendBatch(request, 1, batch);
    expect(third.map((outcome) => [outcome.kind, outcome.nonce])).to.deep.equal([["sent", 4]]);
    expect(requests).to.deep.equal([3, 2, 1]);
    expect(await hre.ethers.provider.getTransactionCount(wallet.address)).to.equal(5);
  });
});
