// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {DiscountMath} from "../finance/DiscountMath.sol";

/// @title DiscountMathHarness
/// @notice Test-only: exposes the DiscountMath library so its test vectors can be run against it.
contract DiscountMathHarness {
    /// @notice See DiscountMath.price.
    function price(uint256 faceValue, uint256 rateBps, uint256 dayCount) external pure returns (uint256) {
        return DiscountMath.price(faceValue, rateBps, dayCount);
    }

    /// @notice See DiscountMath.discount.
    function discount(uint256 faceValue, uint256 rateBps, uint256 dayCount) external pure returns (uint256) {
        return DiscountMath.discount(faceValue, rateBps, dayCount);
    }

    /// @notice See DiscountMath.daysBetween.
    function daysBetween(uint256 start, uint256 end) external pure returns (uint256) {
        return DiscountMath.daysBetween(start, end);
    }
}
