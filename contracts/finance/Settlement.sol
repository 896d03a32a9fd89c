// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
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
///
/// Reentrancy is refused per slot: a repayment or claim stores its slot's updated account with a lock set
/// before it calls the currency and releases the lock when the call returns; `repay`, `claim` and `claimMany`
/// refuse a locked slot. The lock shares the account's storage word, which each of them reads and writes
/// anyway, where a contract-wide guard would cost a cold storage access of its own on every claim. Calls for
/// other slots are let through: a slot's account (and a piece's claimed record) is all a repayment or claim
/// changes here, and each has finished changing it before the currency call. The token is called earlier (for
/// the slot's terms, the piece, its burn); it is the token this contract is bound to and calls nothing back.
contract Settlement is ISettlement {
    using SafeERC20 for IERC20;

    /// @notice The longest grace period the operator may set.
    uint256 public constant MAX_GRACE_PERIOD = 90 days;

    /// @notice The permission layer.
    IMemberRegistry public immutable registry;
    /// @notice The receivables being settled.
    IReceivableToken public immutable receivables;
    /// @notice The currency repayments and claims are made in.
    IERC20 public immutable currency;

    /// @dev A slot's account as stored, in one word (64 * 3 + 8 * 3 bits): the fields of {SlotAccount}, whether
    /// the slot is fully repaid, and the slot's reentrancy lock. The flag spares every claim on a fully repaid slot
    /// the call for the slot's terms: each piece is then owed its whole value, so neither face value nor maturity
    /// matters any more.
    struct SlotBook {
        uint64 repaid;
        uint64 redeemedValue;
        uint64 claimed;
        bool overdueFlagged;
        bool fullyRepaid;
        bool locked;
    }

    uint256 private _gracePeriod;
    mapping(uint256 slot => SlotBook) private _books;
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
    function repay(uint256 slot, uint256 amount) external {
        SlotBook memory book = _unlockedBook(slot);
        IReceivableToken.SlotState memory terms = receivables.slotState(slot);
        if (registry.memberIdOf(msg.sender) != terms.anchorId) revert SettlementNotAnchor(slot, msg.sender);
        if (amount == 0) revert SettlementZeroAmount();
        uint256 outstanding = terms.faceValue - book.repaid;
        if (amount > outstanding) revert SettlementOverpayment(slot, amount, outstanding);

        uint64 repaidTotal = book.repaid + uint64(amount);
        bool fullyRepaid = repaidTotal == terms.faceValue;
        book.repaid = repaidTotal;
        book.fullyRepaid = fullyRepaid;
        _lock(slot, book);
        emit Repaid(slot, msg.sender, amount, repaidTotal, fullyRepaid);
        if (fullyRepaid && book.overdueFlagged) emit OverdueCured(slot);
        // The repayment frees the anchor's credit line; the token is bound to this contract and calls nothing back.
        receivables.releaseCredit(slot, amount);
        currency.safeTransferFrom(msg.sender, address(this), amount);
        _unlock(slot);
    }

    /// @inheritdoc ISettlement
    function claim(uint256 tokenId) external returns (uint256 amount) {
        amount = _claim(tokenId);
        if (amount == 0) revert SettlementNothingToClaim(tokenId);
    }

    /// @inheritdoc ISettlement
    function claimMany(uint256[] calldata tokenIds) external returns (uint256 total) {
        for (uint256 i = 0; i < tokenIds.length; ++i) {
            // A piece already redeemed (by its holder or another batch) is skipped, not an error.
            if (receivables.exists(tokenIds[i])) total += _claim(tokenIds[i]);
        }
    }

    /// @inheritdoc ISettlement
    function flagOverdue(uint256 slot) external {
        IReceivableToken.SlotState memory terms = receivables.slotState(slot);
        if (!_isOverdue(slot, terms)) revert SettlementNotOverdue(slot);
        SlotBook storage book = _books[slot];
        if (book.overdueFlagged) revert SettlementAlreadyFlagged(slot);
        book.overdueFlagged = true;
        emit SlotOverdue(slot, book.repaid, terms.faceValue);
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
        uint64 repaid = _books[slot].repaid;
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
        SlotBook memory book = _books[slot];
        return SlotAccount({
            repaid: book.repaid,
            redeemedValue: book.redeemedValue,
            claimed: book.claimed,
            overdueFlagged: book.overdueFlagged
        });
    }

    /// @inheritdoc ISettlement
    function gracePeriod() external view returns (uint256) {
        return _gracePeriod;
    }

    /// @dev Pays what is due on one piece; 0 when nothing is. Burns the piece once it has received its value.
    function _claim(uint256 tokenId) private returns (uint256 amount) {
        uint256 slot = tokenId >> 32;
        SlotBook memory book = _unlockedBook(slot);
        // Every claim adds to `claimed`, and a piece's own record is cleared when it is redeemed: while a slot's
        // claims equal its redeemed value, no live piece of it has claimed anything, and its record is not read.
        uint64 claimedBefore = book.claimed == book.redeemedValue ? 0 : _claimed[tokenId];
        address holder;
        uint256 entitled;
        if (book.fullyRepaid) {
            // Every piece is owed its whole value now, whatever the slot's terms, and this claim completes it: the
            // token burns the piece and answers whose it was and its value, in one call. The token is bound to this
            // contract alone and calls nothing while burning, so nothing runs between that call and the effects below.
            (holder, entitled) = receivables.redeem(tokenId);
            book.redeemedValue += uint64(entitled);
            if (claimedBefore != 0) delete _claimed[tokenId];
        } else {
            IReceivableToken.SlotState memory terms = receivables.slotState(slot);
            if (block.timestamp < terms.maturity) {
                revert SettlementNotClaimable(slot, terms.maturity, book.repaid, terms.faceValue);
            }
            uint256 value;
            (holder, value) = receivables.pieceOf(tokenId);
            // Below the value while repaid < face: a piece is completed (and burned) only once the slot is repaid.
            entitled = (value * book.repaid) / terms.faceValue;
            if (entitled == claimedBefore) return 0;
            _claimed[tokenId] = uint64(entitled);
        }
        amount = entitled - claimedBefore;
        book.claimed += uint64(amount);
        _lock(slot, book);
        emit Claimed(tokenId, holder, amount, entitled);
        currency.safeTransfer(holder, amount);
        _unlock(slot);
    }

    /// @dev The slot's account; reverts while a repayment or claim of the slot is calling out.
    function _unlockedBook(uint256 slot) private view returns (SlotBook memory book) {
        book = _books[slot];
        if (book.locked) revert SettlementReentrantCall(slot);
    }

    /// @dev Stores the slot's updated account with its lock set, before calling out.
    function _lock(uint256 slot, SlotBook memory book) private {
        book.locked = true;
        _books[slot] = book;
    }

    /// @dev Releases the slot's lock once the call out has returned.
    function _unlock(uint256 slot) private {
        _books[slot].locked = false;
    }

    function _isOverdue(uint256 slot, IReceivableToken.SlotState memory terms) private view returns (bool) {
        // Strictly after: a repayment landing at the very second the grace period ends is on time.
        return block.timestamp > uint256(terms.maturity) + _gracePeriod && !_books[slot].fullyRepaid;
    }
}
