// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IMemberRegistry} from "../access/IMemberRegistry.sol";
import {IReceivableToken} from "../token/interfaces/IReceivableToken.sol";
import {ISettlement} from "./interfaces/ISettlement.sol";

/// @title Settlement
/// @notice Holds what anchors repay and pays it out to the holders of every piece, pro rata.
/// @dev A piece is entitled to floor(value * repaid / face). Claims open at maturity, when nothing moves any
/// more, so a piece's value is fixed by the time it has claimed anything; a claim before maturity is only
/// possible once the slot is fully repaid, and then it pays the whole value and burns the piece. The sum of
/// the floors never exceeds `repaid`, and at full repayment each floor is exactly the value: no dust is
/// created or left.
contract Settlement is ISettlement, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice The longest grace period the operator may set.
    uint256 public constant MAX_GRACE_PERIOD = 90 days;

    /// @notice The permission layer.
    IMemberRegistry public immutable registry;
    /// @notice The receivables being settled.
    IReceivableToken public immutable receivables;
    /// @notice The currency repayments and claims are made in.
    IERC20 public immutable currency;

    uint256 private _gracePeriod;
    mapping(uint256 slot => SlotAccount) private _accounts;
    mapping(uint256 tokenId => uint64) private _claimed;

    modifier onlyOperator() {
        if (!registry.hasRole(msg.sender, IMemberRegistry.Role.OPERATOR)) {
            revert SettlementUnauthorizedOperator(msg.sender);
        }
        _;
    }

    /// @notice Deploys settlement for a receivable token and a currency.
    /// @param memberRegistry The permission layer.
    /// @param receivableToken The receivables.
    /// @param settlementCurrency The currency.
    constructor(IMemberRegistry memberRegistry, IReceivableToken receivableToken, IERC20 settlementCurrency) {
        registry = memberRegistry;
        receivables = receivableToken;
        currency = settlementCurrency;
    }

    /// @inheritdoc ISettlement
    function repay(uint256 slot, uint256 amount) external nonReentrant {
        IReceivableToken.SlotState memory terms = receivables.slotState(slot);
        if (registry.memberIdOf(msg.sender) != terms.anchorId) revert SettlementNotAnchor(slot, msg.sender);
        if (amount == 0) revert SettlementZeroAmount();
        SlotAccount storage slotAccount = _accounts[slot];
        uint256 outstanding = terms.faceValue - slotAccount.repaid;
        if (amount > outstanding) revert SettlementOverpayment(slot, amount, outstanding);

        uint64 repaidTotal = slotAccount.repaid + uint64(amount);
        slotAccount.repaid = repaidTotal;
        bool fullyRepaid = repaidTotal == terms.faceValue;
        emit Repaid(slot, msg.sender, amount, repaidTotal, fullyRepaid);
        if (fullyRepaid && slotAccount.overdueFlagged) emit OverdueCured(slot);
        currency.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc ISettlement
    function claim(uint256 tokenId) external nonReentrant returns (uint256 amount) {
        amount = _claim(tokenId);
        if (amount == 0) revert SettlementNothingToClaim(tokenId);
    }

    /// @inheritdoc ISettlement
    function claimMany(uint256[] calldata tokenIds) external nonReentrant returns (uint256 total) {
        for (uint256 i = 0; i < tokenIds.length; ++i) {
            // A piece already redeemed (by its holder or another batch) is skipped, not an error.
            if (receivables.exists(tokenIds[i])) total += _claim(tokenIds[i]);
        }
    }

    /// @inheritdoc ISettlement
    function flagOverdue(uint256 slot) external {
        IReceivableToken.SlotState memory terms = receivables.slotState(slot);
        if (!_isOverdue(slot, terms)) revert SettlementNotOverdue(slot);
        SlotAccount storage slotAccount = _accounts[slot];
        if (slotAccount.overdueFlagged) revert SettlementAlreadyFlagged(slot);
        slotAccount.overdueFlagged = true;
        emit SlotOverdue(slot, slotAccount.repaid, terms.faceValue);
    }

    /// @inheritdoc ISettlement
    function setGracePeriod(uint256 gracePeriod_) external onlyOperator {
        if (gracePeriod_ > MAX_GRACE_PERIOD) revert SettlementGracePeriodTooLong(gracePeriod_, MAX_GRACE_PERIOD);
        _gracePeriod = gracePeriod_;
        emit GracePeriodSet(gracePeriod_);
    }

    /// @inheritdoc ISettlement
    function isOverdue(uint256 slot) external view returns (bool) {
        return _isOverdue(slot, receivables.slotState(slot));
    }

    /// @inheritdoc ISettlement
    function claimable(uint256 tokenId) external view returns (uint256) {
        if (!receivables.exists(tokenId)) return 0;
        uint256 slot = tokenId >> 32;
        IReceivableToken.SlotState memory terms = receivables.slotState(slot);
        uint64 repaid = _accounts[slot].repaid;
        if (block.timestamp < terms.maturity && repaid != terms.faceValue) return 0;
        uint256 value = receivables.balanceOf(tokenId);
        return (value * repaid) / terms.faceValue - _claimed[tokenId];
    }

    /// @inheritdoc ISettlement
    function claimedBy(uint256 tokenId) external view returns (uint256) {
        return _claimed[tokenId];
    }

    /// @inheritdoc ISettlement
    function account(uint256 slot) external view returns (SlotAccount memory) {
        return _accounts[slot];
    }

    /// @inheritdoc ISettlement
    function gracePeriod() external view returns (uint256) {
        return _gracePeriod;
    }

    /// @dev Pays what is due on one piece; 0 when nothing is. Burns the piece once it has received its value.
    function _claim(uint256 tokenId) private returns (uint256 amount) {
        uint256 slot = tokenId >> 32;
        IReceivableToken.SlotState memory terms = receivables.slotState(slot);
        SlotAccount storage slotAccount = _accounts[slot];
        uint64 repaid = slotAccount.repaid;
        if (block.timestamp < terms.maturity && repaid != terms.faceValue) {
            revert SettlementNotClaimable(slot, terms.maturity, repaid, terms.faceValue);
        }
        (address holder, uint256 value) = receivables.pieceOf(tokenId);
        uint256 entitled = (value * repaid) / terms.faceValue;
        uint64 claimedBefore = _claimed[tokenId];
        amount = entitled - claimedBefore;
        if (amount == 0) return 0;

        slotAccount.claimed += uint64(amount);
        emit Claimed(tokenId, holder, amount, entitled);
        if (entitled == value) {
            delete _claimed[tokenId];
            slotAccount.redeemedValue += uint64(value);
            receivables.redeem(tokenId);
        } else {
            _claimed[tokenId] = uint64(entitled);
        }
        currency.safeTransfer(holder, amount);
    }

    function _isOverdue(uint256 slot, IReceivableToken.SlotState memory terms) private view returns (bool) {
        // Strictly after: a repayment landing at the very second the grace period ends is on time.
        return block.timestamp > uint256(terms.maturity) + _gracePeriod && _accounts[slot].repaid < terms.faceValue;
    }
}
