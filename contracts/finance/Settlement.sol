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

    /// @dev A slot's account as stored: the fields of {SlotAccount} and whether the slot is fully repaid, in one
    /// word (64 * 3 + 8 + 8 bits). The flag spares every claim on a fully repaid slot the call for the slot's terms:
    /// each piece is then owed its whole value, so neither face value nor maturity matters any more.
    struct SlotBook {
        uint64 repaid;
        uint64 redeemedValue;
        uint64 claimed;
        bool overdueFlagged;
        bool fullyRepaid;
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
    function repay(uint256 slot, uint256 amount) external nonReentrant {
        IReceivableToken.SlotState memory terms = receivables.slotState(slot);
        if (registry.memberIdOf(msg.sender) != terms.anchorId) revert SettlementNotAnchor(slot, msg.sender);
        if (amount == 0) revert SettlementZeroAmount();
        SlotBook storage book = _books[slot];
        uint256 outstanding = terms.faceValue - book.repaid;
        if (amount > outstanding) revert SettlementOverpayment(slot, amount, outstanding);

        uint64 repaidTotal = book.repaid + uint64(amount);
        bool fullyRepaid = repaidTotal == terms.faceValue;
        book.repaid = repaidTotal;
        book.fullyRepaid = fullyRepaid;
        emit Repaid(slot, msg.sender, amount, repaidTotal, fullyRepaid);
        if (fullyRepaid && book.overdueFlagged) emit OverdueCured(slot);
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
        SlotBook memory book = _books[slot];
        uint256 entitled;
        address holder;
        uint256 value;
        if (book.fullyRepaid) {
            // Every piece is owed its whole value, whatever the slot's terms: no need to ask the token for them.
            (holder, value) = receivables.pieceOf(tokenId);
            entitled = value;
        } else {
            IReceivableToken.SlotState memory terms = receivables.slotState(slot);
            if (block.timestamp < terms.maturity) {
                revert SettlementNotClaimable(slot, terms.maturity, book.repaid, terms.faceValue);
            }
            (holder, value) = receivables.pieceOf(tokenId);
            // Below `value`, since repaid < face: a piece is burned only once the slot is fully repaid.
            entitled = (value * book.repaid) / terms.faceValue;
        }
        // Every claim adds to `claimed`, and a piece's own record is cleared when it is redeemed, so while the
        // slot's claims equal its redeemed value no live piece has claimed anything (saves a cold read per piece).
        uint64 claimedBefore = book.claimed == book.redeemedValue ? 0 : _claimed[tokenId];
        amount = entitled - claimedBefore;
        if (amount == 0) return 0;

        book.claimed += uint64(amount);
        bool redeemed = entitled == value;
        if (redeemed) book.redeemedValue += uint64(value);
        _books[slot] = book;
        if (redeemed) {
            if (claimedBefore != 0) delete _claimed[tokenId];
        } else {
            _claimed[tokenId] = uint64(entitled);
        }
        emit Claimed(tokenId, holder, amount, entitled);
        if (redeemed) receivables.redeem(tokenId);
        currency.safeTransfer(holder, amount);
    }

    function _isOverdue(uint256 slot, IReceivableToken.SlotState memory terms) private view returns (bool) {
        // Strictly after: a repayment landing at the very second the grace period ends is on time.
        return block.timestamp > uint256(terms.maturity) + _gracePeriod && !_books[slot].fullyRepaid;
    }
}
