// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {ERC3525} from "@solvprotocol/erc-3525/ERC3525.sol";

/// @title SolvReferenceToken
/// @notice The reference implementation of ERC-3525 (@solvprotocol/erc-3525) with a public mint, used only by the
/// gas benchmark as the yardstick our ReceivableToken is compared against. Not part of the system and not
/// compiled by Hardhat: it builds against Solv's own OpenZeppelin 4.x (see bench/gas/reference.ts).
contract SolvReferenceToken is ERC3525 {
    constructor() ERC3525("Solv Reference", "SREF", 2) {}

    /// @notice Mints a new token of `slot` holding `value` for `to`; anyone may call it.
    function mint(address to, uint256 slot, uint256 value) external returns (uint256 tokenId) {
        tokenId = _mint(to, slot, value);
    }
}
