import hre from "hardhat";
import { expect } from "chai";
import { Wallet, id } from "ethers";
import { formatCny } from "../../src/finance/money";
import { financingDomain, signFundingAttestation, signFundingRequest } from "../../src/chain/funding";
import type { FundingAttestation, FundingRequest } from "../../src/chain/funding";
import { castKey, useBrowserStack } from "./browserStack";

/**
 * Recourse from demand to payment in the dApp (issue 19 part 3): the holder reads the recourse term before signing;
 * Brightview Displays sells 100,000.00 of its second receivable to Pearl River Bank with recourse; the anchor pays
 * nothing; past maturity and the grace period the bank demands recourse on its desk; Brightview sees the demand,
 * pays 40,000.00 of it after a confirmation step; once the anchor repays, the claim on the piece pays Brightview
 * back its share. Screenshots go to test-artifacts/web/recourse-*.png.
 */

const SLOT = 2n;
const TIER1_PIECE = (SLOT << 32n) | 1n;
const SOLD = 100_000_00n;
const PRICE = 98_000_00n;
const PAID = 40_000_00n;

describe("the dApp in a real browser: recourse from demand to payment", function () {
  this.timeout(600_000);
  const web = useBrowserStack({ prefix: "recourse", restoreChain: true });

  it("the holder sees the term, the bank demands, the seller pays part after confirming, and later anchor money comes back", async function () {
    const { financing, settlement, receivableToken: token, settlementToken: currency } = web.stack.contracts;
    const provider = hre.ethers.provider;
    const tier1 = new Wallet(castKey("tier1"), provider);
    const bank = new Wallet(castKey("bank"), provider);
    const verifier = new Wallet(castKey("verifier"), provider);
    const anchor = new Wallet(castKey("anchor"), provider);

    // The holder reads the recourse term on the page before it signs anything.
    const seller = await web.signIn("tier1");
    await seller.page.getByTestId("nav-finance").click();
    await seller.page.getByTestId("finance-recourse").waitFor();
    expect(await seller.page.getByTestId("finance-recourse").textContent()).to.contain("demand the unpaid share from you");

    // The sale with recourse, signed as the dApp and the verifier would sign it.
    const { chainId } = await provider.getNetwork();
    const domain = financingDomain(chainId, await financing.getAddress());
    const now = BigInt((await provider.getBlock("latest"))?.timestamp ?? 0);
    const request: FundingRequest = {
      tokenId: TIER1_PIECE,
      value: SOLD,
      minPrice: PRICE,
      factor: bank.address,
      withRecourse: true,
      deadline: now + 86_400n,
      nonce: 77n,
    };
    const attestation: FundingAttestation = {
      tokenId: TIER1_PIECE,
      holder: tier1.address,
      factor: bank.address,
      value: SOLD,
      price: PRICE,
      invoiceHash: id("recourse browser invoice"),
      logisticsHash: id("recourse browser waybill"),
      tradeProofHash: id("recourse browser trade proof"),
      withRecourse: true,
      deadline: now + 86_400n,
      nonce: 77n,
    };
    const bankFinancing = financing.connect(bank);
    const holderSignature = await signFundingRequest(tier1, domain, request);
    const verifierSignature = await signFundingAttestation(verifier, domain, attestation);
    const [, funded] = await bankFinancing.fund.staticCall(request, holderSignature, attestation, [verifierSignature]);
    await (await bankFinancing.fund(request, holderSignature, attestation, [verifierSignature])).wait();
    const piece = `#${funded >> 32n}.${funded & 0xffff_ffffn}`;

    // Past maturity plus the grace period, unpaid: overdue.
    const maturity = (await token.receivable(SLOT)).maturity;
    const grace = await settlement.gracePeriod();
    await hre.network.provider.request({ method: "evm_setNextBlockTimestamp", params: [Number(maturity + grace + 1n)] });
    await hre.network.provider.request({ method: "evm_mine" });
    expect(await settlement.isOverdue(SLOT)).to.equal(true);

    // The bank's desk: the piece bought with recourse is demandable; the demand is one transaction.
    const desk = await web.signIn("bank");
    await desk.page.getByTestId("nav-factor").click();
    const row = desk.page.getByTestId(`recourse-${piece}`);
    await row.waitFor();
    expect(await row.getByTestId("recourse-due").textContent()).to.equal(formatCny(SOLD));
    await web.screenshot(desk.page, "factor-demandable");
    await row.getByTestId("demand-recourse").click();
    await desk.page.getByTestId("recourse-result").waitFor();
    expect(await row.getByTestId("recourse-state").textContent()).to.equal("demanded");
    expect((await financing.funding(tier1.address, 77n)).recourse).to.equal(2n);
    await web.screenshot(desk.page, "factor-demanded");

    // The seller sees the demand, types part of it, reviews, then pays.
    await seller.page.getByTestId("nav-portfolio").click();
    await seller.page.getByTestId("nav-finance").click();
    const owed = seller.page.getByTestId(`owed-${piece}`);
    await owed.waitFor();
    expect(await owed.getByTestId("recourse-due").textContent()).to.equal(formatCny(SOLD));
    await owed.getByTestId("recourse-amount").fill("40,000.00");
    const bankBefore = await currency.balanceOf(bank.address);
    const sentBefore = seller.wallet.requests.filter((method) => method === "eth_sendTransaction").length;
    await owed.getByTestId("pay-recourse").click();
    await seller.page.getByTestId("recourse-confirm").waitFor();
    expect(await seller.page.getByTestId("recourse-confirm").textContent()).to.contain(formatCny(PAID));
    expect(seller.wallet.requests.filter((method) => method === "eth_sendTransaction").length, "nothing sent before the confirmation").to.equal(
      sentBefore,
    );
    await web.screenshot(seller.page, "seller-confirm");
    await seller.page.getByTestId("recourse-confirm-pay").click();
    await seller.page.getByTestId("recourse-result").waitFor();
    expect((await currency.balanceOf(bank.address)) - bankBefore).to.equal(PAID);
    expect((await settlement.recourseOf(funded)).paid).to.equal(PAID);
    expect(await owed.getByTestId("recourse-due").textContent()).to.equal(formatCny(SOLD - PAID));
    await web.screenshot(seller.page, "seller-paid");

    // The anchor repays the receivable; the claim on the piece gives the seller back what it paid.
    const outstanding = (await token.receivable(SLOT)).faceValue - (await settlement.account(SLOT)).repaid;
    await (await currency.connect(anchor).approve(await settlement.getAddress(), outstanding)).wait();
    await (await settlement.connect(anchor).repay(SLOT, outstanding)).wait();
    const sellerBefore = await currency.balanceOf(tier1.address);
    const bankBeforeClaim = await currency.balanceOf(bank.address);
    await (await settlement.connect(bank).claim(funded)).wait();
    expect((await currency.balanceOf(tier1.address)) - sellerBefore).to.equal(PAID);
    expect((await currency.balanceOf(bank.address)) - bankBeforeClaim).to.equal(SOLD - PAID);
  });
});
