// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IMemberRegistry} from "../access/IMemberRegistry.sol";
import {ISettlementToken} from "./interfaces/ISettlementToken.sol";

/// @title SettlementToken
/// @notice Tokenized deposits in CNY fen. Members only: an active member sends to an active member; the
/// settlement escrow (a system account) also pays suspended members what they are owed, because a
/// suspended member keeps its claims.
contract SettlementToken is ERC20, ISettlementToken {
    /// @notice The permission layer.
    IMemberRegistry public immutable registry;

    mapping(address account => bool) private _issuers;
    mapping(address account => bool) private _systemAccounts;
    uint256 private _totalIssued;
    uint256 private _totalRedeemed;

    modifier onlyOperator() {
        if (!registry.hasRole(msg.sender, IMemberRegistry.Role.OPERATOR)) {
            revert SettlementTokenUnauthorizedOperator(msg.sender);
        }
        _;
    }

    modifier onlyIssuer() {
        if (!_issuers[msg.sender] || !registry.isActiveMember(msg.sender)) revert SettlementTokenNotIssuer(msg.sender);
        _;
    }

    /// @notice Deploys the currency over a member registry.
    /// @param memberRegistry Who may hold it.
    constructor(IMemberRegistry memberRegistry) ERC20("Chainbill Settlement CNY", "cbCNY") {
        registry = memberRegistry;
    }

    /// @notice Two decimals: amounts are fen.
    function decimals() public pure override returns (uint8) {
        return 2;
    }

    /// @inheritdoc ISettlementToken
    function setIssuer(address issuer, bool allowed) external onlyOperator {
        _issuers[issuer] = allowed;
        emit IssuerSet(issuer, allowed);
    }

    /// @inheritdoc ISettlementToken
    function setSystemAccount(address account, bool allowed) external onlyOperator {
        _systemAccounts[account] = allowed;
        emit SystemAccountSet(account, allowed);
    }

    /// @inheritdoc ISettlementToken
    function issue(address to, uint256 amount) external onlyIssuer {
        _totalIssued += amount;
        _mint(to, amount);
        emit Issued(msg.sender, to, amount);
    }

    /// @inheritdoc ISettlementToken
    function redeem(uint256 amount) external onlyIssuer {
        _totalRedeemed += amount;
        _burn(msg.sender, amount);
        emit Redeemed(msg.sender, amount);
    }

    /// @inheritdoc ISettlementToken
    function totalIssued() external view returns (uint256) {
        return _totalIssued;
    }

    /// @inheritdoc ISettlementToken
    function totalRedeemed() external view returns (uint256) {
        return _totalRedeemed;
    }

    /// @inheritdoc ISettlementToken
    function isIssuer(address account) external view returns (bool) {
        return _issuers[account];
    }

    /// @inheritdoc ISettlementToken
    function isSystemAccount(address account) external view returns (bool) {
        return _systemAccounts[account];
    }

    /// @dev Every path (transfer, transferFrom, issue, redeem) passes here, so the membership rule cannot be
    /// bypassed. A system account (the settlement escrow) pays out as its own code decides: Settlement pays only
    /// the holders of pieces, who are members by invariant I3, suspended or not (a suspended holder keeps its
    /// claims); skipping the registry there keeps a claim cheap. Currency enters a system account only when that
    /// account pulls it, since money pushed there would be stuck; a member of any status may pay in (a
    /// suspended anchor must still be able to repay its debt).
    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && _systemAccounts[from]) {
            super._update(from, to, value);
            return;
        }
        if (to != address(0) && _systemAccounts[to]) {
            if (msg.sender != to) revert SettlementTokenIneligibleRecipient(to);
            if (registry.memberIdOf(from) == 0) revert SettlementTokenIneligibleSender(from);
        } else {
            if (from != address(0) && !registry.isActiveMember(from)) revert SettlementTokenIneligibleSender(from);
            if (to != address(0) && !registry.isActiveMember(to)) revert SettlementTokenIneligibleRecipient(to);
        }
        super._update(from, to, value);
    }
}
