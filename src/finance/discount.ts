/**
 * The price a factor pays: face value less simple-interest discount, ACT/360, in integers only. The same
 * rule as `contracts/finance/DiscountMath.sol`, pinned by the same vectors (test/vectors/discount.json):
 * discount = floor(face * rateBps * days / (10000 * 360)), rounded down so the seller never receives less
 * than the exact price; days are started days, rounded up, so the factor is paid for every day it funds.
 */
export const BASIS_POINTS = 10_000n;
export const DAY_COUNT_BASIS = 360n;
export const SECONDS_PER_DAY = 86_400n;

export function daysBetween(start: bigint, end: bigint): bigint {
  if (end <= start) return 0n;
  return (end - start + SECONDS_PER_DAY - 1n) / SECONDS_PER_DAY;
}

export function discount(faceValue: bigint, rateBps: bigint, dayCount: bigint): bigint {
  if (faceValue < 0n || rateBps < 0n || dayCount < 0n) throw new RangeError("face value, rate and days must not be negative");
  if (rateBps > BASIS_POINTS) throw new RangeError(`rate ${rateBps} bps is above 100% a year`);
  return (faceValue * rateBps * dayCount) / (BASIS_POINTS * DAY_COUNT_BASIS);
}

export function price(faceValue: bigint, rateBps: bigint, dayCount: bigint): bigint {
  const off = discount(faceValue, rateBps, dayCount);
  return off >= faceValue ? 0n : faceValue - off;
}
