// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title Chainbill settlement currency
/// @notice An ERC-20 standing in for tokenized bank deposits (CNY, two decimals). Only members hold it;
/// issuers the operator names issue and redeem it against off-chain deposits.
interface ISettlementToken is IERC20 {
    /// @notice Emitted when the operator names or un-names an issuer.
    event IssuerSet(address indexed issuer, bool allowed);
    /// @notice Emitted when the operator lets a system contract (the settlement escrow) hold and pay out.
    event SystemAccountSet(address indexed account, bool allowed);
    /// @notice Emitted when an issuer issues currency against an off-chain deposit.
    event Issued(address indexed issuer, address indexed to, uint256 amount);
    /// @notice Emitted when an issuer redeems currency it holds for an off-chain payout.
    event Redeemed(address indexed issuer, uint256 amount);

    /// @notice The caller is not an active operator.
    error SettlementTokenUnauthorizedOperator(address caller);
    /// @notice The caller is not a named issuer that is an active member.
    error SettlementTokenNotIssuer(address caller);
    /// @notice The sender is not an active member.
    error SettlementTokenIneligibleSender(address sender);
    /// @notice The recipient is not an active member, or is a system account that did not pull the currency
    /// itself. (A system account's own payouts are not checked: the escrow pays piece holders, suspended or not.)
    error SettlementTokenIneligibleRecipient(address recipient);

    /// @notice Name or un-name an issuer. Requirements: caller is an active operator. Emits {IssuerSet}.
    /// @param issuer The address.
    /// @param allowed Whether it may issue and redeem.
    function setIssuer(address issuer, bool allowed) external;

    /// @notice Let a system contract hold currency and pay members out. Requirements: caller is an active
    /// operator. Emits {SystemAccountSet}.
    /// @param account The contract.
    /// @param allowed Whether it is a system account.
    function setSystemAccount(address account, bool allowed) external;

    /// @notice Issue currency against a deposit. Requirements: caller is an active issuer; `to` an active
    /// member. Emits {Issued} and {Transfer}.
    /// @param to The member credited.
    /// @param amount Minor units.
    function issue(address to, uint256 amount) external;

    /// @notice Redeem currency the issuer holds. Requirements: caller is an active issuer holding `amount`.
    /// Emits {Redeemed} and {Transfer}.
    /// @param amount Minor units.
    function redeem(uint256 amount) external;

    /// @notice Everything ever issued; totalSupply() == totalIssued() - totalRedeemed().
    function totalIssued() external view returns (uint256);

    /// @notice Everything ever redeemed.
    function totalRedeemed() external view returns (uint256);

    /// @notice Whether an address is a system account (the settlement escrow).
    /// @param account Any address.
    function isSystemAccount(address account) external view returns (bool);

    /// @notice Whether an address may issue and redeem.
    /// @param account Any address.
    function isIssuer(address account) external view returns (bool);
}
