// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

/// @title DiscountMath
/// @notice The price a factor pays for a receivable: face value less simple-interest discount, ACT/360.
/// @dev discount = floor(face * rateBps * days / (10000 * 360)); price = face - discount.
/// The discount is rounded DOWN to the minor unit, so the seller never receives less than the exact
/// ACT/360 price; `days` counts started days, rounded UP (`daysBetween`), so the factor is paid for every
/// day it funds. Integers only; the TypeScript side (`src/finance/discount.ts`) applies the same rule and
/// both are pinned by the same test vectors.
library DiscountMath {
    uint256 internal constant BASIS_POINTS = 10_000;
    uint256 internal constant DAY_COUNT_BASIS = 360;

    /// @notice The rate is above 100% a year.
    error DiscountRateTooHigh(uint256 rateBps);

    /// @notice Whole days from `start` to `end`, a started day counting as one; 0 if `end` is not after `start`.
    function daysBetween(uint256 start, uint256 end) internal pure returns (uint256) {
        if (end <= start) return 0;
        return (end - start + 1 days - 1) / 1 days;
    }

    /// @notice The discount on `faceValue` at `rateBps` a year for `dayCount` days, rounded down.
    function discount(uint256 faceValue, uint256 rateBps, uint256 dayCount) internal pure returns (uint256) {
        if (rateBps > BASIS_POINTS) revert DiscountRateTooHigh(rateBps);
        return (faceValue * rateBps * dayCount) / (BASIS_POINTS * DAY_COUNT_BASIS);
    }

    /// @notice The price of `faceValue` at `rateBps` a year for `dayCount` days; never below zero.
    function price(uint256 faceValue, uint256 rateBps, uint256 dayCount) internal pure returns (uint256) {
        uint256 off = discount(faceValue, rateBps, dayCount);
        return off >= faceValue ? 0 : faceValue - off;
    }
}
