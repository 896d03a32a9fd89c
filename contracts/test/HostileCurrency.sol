// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title Recipient of HostileCurrency's transfer hook
/// @notice Called by HostileCurrency after it has credited a hooked recipient.
interface IHostileCurrencyRecipient {
    /// @notice `amount` was credited to the implementing contract by a transfer from `from`.
    /// @param from The sender.
    /// @param amount The amount credited.
    function onCurrencyReceived(address from, uint256 amount) external;
}

/// @title HostileCurrency
/// @notice Test-only: an ERC-20 that calls its recipient back after each transfer (as ERC-777 or ERC-1363 tokens
/// do). The network's SettlementToken has no such hook, so a holder never gets control while Settlement pays
/// it; a Settlement deployed over this currency shows what its reentrancy guard does if it ever did.
contract HostileCurrency is ERC20 {
    mapping(address account => bool) private _hooked;

    /// @notice Deploys the currency with no supply.
    constructor() ERC20("Hostile Currency", "HOST") {}

    /// @notice Creates `amount` for `to`; anyone may (test-only).
    /// @param to The recipient.
    /// @param amount The amount.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Whether transfers to `account` call its `onCurrencyReceived`.
    /// @param account The recipient.
    /// @param hooked True to call it back.
    function setHooked(address account, bool hooked) external {
        _hooked[account] = hooked;
    }

    /// @dev Credits first, then calls a hooked recipient back with control.
    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (_hooked[to]) IHostileCurrencyRecipient(to).onCurrencyReceived(from, value);
    }
}
