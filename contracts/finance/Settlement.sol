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

    /// @dev The longest grace period the operator may set; {SettlementGracePeriodTooLong} names it. Not a public
    /// getter: an external function more would lengthen the dispatch to `claim` (see {writeOff}).
    uint256 internal constant MAX_GRACE_PERIOD = 90 days;

    /// @notice The permission layer.
    IMemberRegistry public immutable registry;
    /// @notice The receivables being settled.
    IReceivableToken public immutable receivables;
    /// @notice The currency repayments and claims are made in.
    IERC20 public immutable currency;

    /// @dev A slot's account as stored, in one word (64 * 3 + 8 * 4 bits): the fields of {SlotAccount}, whether
    /// the slot is fully repaid, the slot's reentrancy lock, and whether any piece of the slot is under recourse
    /// (only then does a claim read the piece's {RecourseShare}). The flag spares every claim on a fully repaid slot
    /// the call for the slot's terms: each piece is then owed its whole value, so neither face value nor maturity
    /// matters any more.
    struct SlotBook {
        uint64 repaid;
        uint64 redeemedValue;
        uint64 claimed;
        bool overdueFlagged;
        bool fullyRepaid;
        bool locked;
        bool recourse;
    }

    /// @dev A piece under recourse, in two words: the seller's address (where its part of later claims goes) and its
    /// share `owed` of the anchor money the piece has still to receive; then all it has paid. The invariant kept:
    /// owed <= value - claimed, so the holder's receipts (claimed - (paid - owed)) plus `paid` never exceed the value.
    struct RecourseShare {
        address seller;
        uint64 owed;
        uint64 paid;
    }

    /// @dev What a recourse payment pays out of the piece's pending claim, once its effects are stored.
    struct RecoursePayout {
        address holder;
        address previousSeller;
        uint256 pending;
        uint256 toSeller;
        uint256 paidTotal;
    }

    uint256 private _gracePeriod;
    mapping(uint256 slot => SlotBook) private _books;
    mapping(uint256 tokenId => uint64) private _claimed;
    mapping(uint256 tokenId => RecourseShare) private _recourse;
    /// @dev When each written-off slot was written off (block time). Apart from {SlotBook}, so that repayments and
    /// claims, which never read it, keep their cost.
    mapping(uint256 slot => uint256 time) private _writtenOffAt;

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
    function applyRecourse(uint256 tokenId, address seller, uint256 amount)
        external
        returns (address holder, uint256 paidTotal)
    {
        if (msg.sender != receivables.systemContract(IReceivableToken.SystemContract.FINANCING)) {
            revert SettlementOnlyFinancing(msg.sender);
        }
        if (amount == 0) revert SettlementZeroAmount();
        uint256 slot = tokenId >> 32;
        RecoursePayout memory payout = _takeRecourse(tokenId, slot, seller, amount);
        // Interactions: the pending claim's payouts (the seller's part to the address that paid before).
        holder = payout.holder;
        paidTotal = payout.paidTotal;
        if (payout.pending != payout.toSeller) currency.safeTransfer(holder, payout.pending - payout.toSeller);
        if (payout.toSeller != 0) currency.safeTransfer(payout.previousSeller, payout.toSeller);
        _unlock(slot);
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
    function writeOff(uint256 slot) external onlyOperator {
        IReceivableToken.SlotState memory terms = receivables.slotState(slot);
        uint256 graceEnds = uint256(terms.maturity) + _gracePeriod;
        // Strictly after, as {isOverdue}: at the very second the grace period ends a repayment is still on time.
        if (block.timestamp <= graceEnds) revert SettlementWriteOffBeforeGrace(slot, graceEnds, block.timestamp);
        // Two fields of the account, read in place.
        SlotBook storage book = _books[slot];
        if (book.fullyRepaid) revert SettlementWriteOffRepaid(slot);
        uint256 marked = _writtenOffAt[slot];
        if (marked != 0) revert SettlementAlreadyWrittenOff(slot, marked);
        _writtenOffAt[slot] = block.timestamp;
        emit ReceivableWrittenOff(slot, terms.faceValue - book.repaid, msg.sender);
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
    function recourseDue(uint256 tokenId) external view returns (uint256) {
        if (!receivables.exists(tokenId)) return 0;
        uint256 slot = tokenId >> 32;
        IReceivableToken.SlotState memory terms = receivables.slotState(slot);
        SlotBook memory book = _books[slot];
        if (block.timestamp < terms.maturity || book.fullyRepaid) return 0;
        uint256 value = receivables.balanceOf(tokenId);
        (uint256 entitled,,, uint256 owed) = _recourseState(tokenId, value, book.repaid, terms.faceValue);
        return value - entitled - owed;
    }

    /// @inheritdoc ISettlement
    function recourseOf(uint256 tokenId) external view returns (RecourseAccount memory) {
        RecourseShare memory share = _recourse[tokenId];
        return RecourseAccount({seller: share.seller, paid: share.paid, owed: share.owed, returned: share.paid - share.owed});
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

    /// @dev Pays what is due on one piece; 0 when nothing is. Burns the piece once it has received its value. On a
    /// piece under recourse, the seller's share of the amount goes to the seller (see {_routeToSeller}).
    function _claim(uint256 tokenId) private returns (uint256 amount) {
        uint256 slot = tokenId >> 32;
        SlotBook memory book = _unlockedBook(slot);
        // Every claim adds to `claimed`, and a piece's own record is cleared when it is redeemed: while a slot's
        // claims equal its redeemed value, no live piece of it has claimed anything, and its record is not read.
        uint64 claimedBefore = book.claimed == book.redeemedValue ? 0 : _claimed[tokenId];
        address holder;
        uint256 entitled;
        uint256 value;
        if (book.fullyRepaid) {
            // Every piece is owed its whole value now, whatever the slot's terms, and this claim completes it: the
            // token burns the piece and answers whose it was and its value, in one call. The token is bound to this
            // contract alone and calls nothing while burning, so nothing runs between that call and the effects below.
            (holder, entitled) = receivables.redeem(tokenId);
            value = entitled;
            book.redeemedValue += uint64(entitled);
            if (claimedBefore != 0) delete _claimed[tokenId];
        } else {
            IReceivableToken.SlotState memory terms = receivables.slotState(slot);
            if (block.timestamp < terms.maturity) {
                revert SettlementNotClaimable(slot, terms.maturity, book.repaid, terms.faceValue);
            }
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
        if (book.recourse) _payRouted(tokenId, holder, amount, value - claimedBefore);
        else currency.safeTransfer(holder, amount);
        _unlock(slot);
    }

    /// @dev Pays a claim on a slot with a piece under recourse: the seller's part to the seller, the rest to the holder.
    function _payRouted(uint256 tokenId, address holder, uint256 amount, uint256 base) private {
        (address seller, uint256 toSeller) = _routeToSeller(tokenId, amount, base);
        if (amount != toSeller) currency.safeTransfer(holder, amount - toSeller);
        if (toSeller != 0) currency.safeTransfer(seller, toSeller);
    }

    /// @dev Checks and effects of a recourse payment; leaves the slot locked for the payouts that follow. The anchor
    /// money repaid on the piece and not yet claimed is claimed first, under the shares before this payment.
    function _takeRecourse(uint256 tokenId, uint256 slot, address seller, uint256 amount)
        private
        returns (RecoursePayout memory payout)
    {
        SlotBook memory book = _unlockedBook(slot);
        IReceivableToken.SlotState memory terms = receivables.slotState(slot);
        // Before maturity no claim is open, and on a fully repaid slot nothing is unpaid: nothing is due either way.
        if (block.timestamp < terms.maturity || book.fullyRepaid) revert SettlementRecourseAboveDue(tokenId, amount, 0);
        uint256 value;
        (payout.holder, value) = receivables.pieceOf(tokenId);
        uint256 entitled;
        uint256 owed;
        (entitled, payout.pending, payout.toSeller, owed) = _recourseState(tokenId, value, book.repaid, terms.faceValue);
        uint256 due = value - entitled - owed;
        if (amount > due) revert SettlementRecourseAboveDue(tokenId, amount, due);

        RecourseShare storage share = _recourse[tokenId];
        payout.previousSeller = share.seller;
        payout.paidTotal = share.paid + amount;
        if (payout.pending != 0) {
            _claimed[tokenId] = uint64(entitled);
            book.claimed += uint64(payout.pending);
        }
        share.seller = seller;
        share.owed = uint64(owed + amount);
        share.paid = uint64(payout.paidTotal);
        book.recourse = true;
        _lock(slot, book);
        if (payout.pending != 0) emit Claimed(tokenId, payout.holder, payout.pending, entitled);
        if (payout.toSeller != 0) emit RecourseClaimRouted(tokenId, payout.previousSeller, payout.toSeller, owed);
        emit RecourseTaken(tokenId, seller, payout.holder, amount, payout.paidTotal, owed + amount);
    }

    /// @dev The seller's part of a claim of `amount` on a piece whose still unreceived anchor money was `base`
    /// (value - claimed before the claim): floor(amount * owed / base), which never exceeds `owed` (amount <= base)
    /// and keeps owed <= base - amount afterwards. Updates the share and announces the routing; pays nothing.
    function _routeToSeller(uint256 tokenId, uint256 amount, uint256 base)
        private
        returns (address seller, uint256 toSeller)
    {
        RecourseShare storage share = _recourse[tokenId];
        uint256 owed = share.owed;
        if (owed == 0) return (address(0), 0);
        toSeller = (amount * owed) / base;
        if (toSeller == 0) return (address(0), 0);
        seller = share.seller;
        share.owed = uint64(owed - toSeller);
        emit RecourseClaimRouted(tokenId, seller, toSeller, owed - toSeller);
    }

    /// @dev Where a piece stands for recourse now: its entitlement, the anchor money repaid on it and not yet
    /// claimed (`pending`), the seller's part of that pending money, and the seller's share once it is paid out.
    function _recourseState(uint256 tokenId, uint256 value, uint256 repaid, uint256 faceValue)
        private
        view
        returns (uint256 entitled, uint256 pending, uint256 toSeller, uint256 owed)
    {
        uint256 claimedBefore = _claimed[tokenId];
        entitled = (value * repaid) / faceValue;
        pending = entitled - claimedBefore;
        owed = _recourse[tokenId].owed;
        if (pending != 0 && owed != 0) {
            toSeller = (pending * owed) / (value - claimedBefore);
            owed -= toSeller;
        }
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
