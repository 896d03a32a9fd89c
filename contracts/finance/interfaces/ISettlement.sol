// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

/// @title Chainbill settlement
/// @notice Maturity: the anchor repays a receivable, at once or in instalments, and every piece's holder
/// claims its pro-rata share; at full repayment each piece has received exactly its value and is burned.
interface ISettlement {
    /// @notice A slot's repayment account.
    struct SlotAccount {
        uint64 repaid;
        uint64 redeemedValue;
        uint64 claimed;
        bool overdueFlagged;
    }

    /// @notice A piece under recourse (see {applyRecourse}): `seller` is where the seller's part of the piece's later
    /// claims goes (the address that paid last); `paid` is all the seller has paid the piece's holder; `owed` is the
    /// part of the anchor money the piece has still to receive that is the seller's; `returned` is what the seller
    /// has received of it so far (`paid` = `owed` + `returned`).
    struct RecourseAccount {
        address seller;
        uint256 paid;
        uint256 owed;
        uint256 returned;
    }

    /// @notice Emitted when the anchor repays; `repaidTotal` is everything repaid on the slot so far.
    event Repaid(uint256 indexed slot, address indexed payer, uint256 amount, uint256 repaidTotal, bool fullyRepaid);
    /// @notice Emitted when a piece's holder is paid its share; `claimedTotal` is all the piece has received.
    event Claimed(uint256 indexed tokenId, address indexed holder, uint256 amount, uint256 claimedTotal);
    /// @notice Emitted once when a slot is found overdue (strictly after maturity plus grace, not fully repaid).
    event SlotOverdue(uint256 indexed slot, uint256 repaid, uint256 faceValue);
    /// @notice Emitted when a slot that had been flagged overdue is fully repaid.
    event OverdueCured(uint256 indexed slot);
    /// @notice Emitted when the seller of a piece funded with recourse pays its holder (the factor) `amount` of the
    /// piece's unpaid part and so takes it over: `paidTotal` is all it has paid on the piece, `sellerOwed` its share
    /// now of the anchor money the piece has still to receive.
    event RecourseTaken(
        uint256 indexed tokenId, address indexed seller, address indexed holder, uint256 amount, uint256 paidTotal, uint256 sellerOwed
    );
    /// @notice Emitted just after a {Claimed} on a piece under recourse: of that claim's amount, `amount` went to the
    /// seller instead of the holder; `sellerOwed` is the seller's share left of what the piece has still to receive.
    event RecourseClaimRouted(uint256 indexed tokenId, address indexed seller, uint256 amount, uint256 sellerOwed);
    /// @notice Emitted when the operator sets the grace period after maturity.
    event GracePeriodSet(uint256 gracePeriod);
    /// @notice Emitted once when an operator writes a receivable off: it is overdue (strictly after maturity plus
    /// grace) and `outstanding` of its face value is unpaid. Repayment stays possible afterwards.
    event ReceivableWrittenOff(uint256 indexed slot, uint256 outstanding, address indexed operator);

    /// @notice The caller is not an active operator.
    error SettlementUnauthorizedOperator(address caller);
    /// @notice The caller does not act for the slot's anchor.
    error SettlementNotAnchor(uint256 slot, address caller);
    /// @notice A repayment of zero.
    error SettlementZeroAmount();
    /// @notice The repayment would exceed what is still owed.
    error SettlementOverpayment(uint256 slot, uint256 amount, uint256 outstanding);
    /// @notice Claims open at maturity, or earlier once the slot is fully repaid.
    error SettlementNotClaimable(uint256 slot, uint256 maturity, uint256 repaid, uint256 faceValue);
    /// @notice The piece has nothing more to claim for now.
    error SettlementNothingToClaim(uint256 tokenId);
    /// @notice The slot is not overdue.
    error SettlementNotOverdue(uint256 slot);
    /// @notice The slot was already flagged overdue.
    error SettlementAlreadyFlagged(uint256 slot);
    /// @notice A repayment or claim of the slot is still calling out (a reentrant call).
    error SettlementReentrantCall(uint256 slot);
    /// @notice Only the financing contract bound to the receivable token may apply recourse.
    error SettlementOnlyFinancing(address caller);
    /// @notice A recourse payment above the part of the piece still unpaid to its holder (`due`).
    error SettlementRecourseAboveDue(uint256 tokenId, uint256 amount, uint256 due);
    /// @notice The grace period is longer than allowed.
    error SettlementGracePeriodTooLong(uint256 gracePeriod, uint256 maximum);
    /// @notice A write-off at or before the end of the grace period (`graceEnds`, unix seconds); `blockTime` is the block time.
    error SettlementWriteOffBeforeGrace(uint256 slot, uint256 graceEnds, uint256 blockTime);
    /// @notice A write-off of a receivable fully repaid: nothing is left to write off.
    error SettlementWriteOffRepaid(uint256 slot);
    /// @notice The receivable was already written off (at unix time `writtenOffAt`).
    error SettlementAlreadyWrittenOff(uint256 slot, uint256 writtenOffAt);

    /// @notice Repay `amount` of a slot. Requirements: no repayment or claim of the slot in progress (a reentrant
    /// call); caller's member is the slot's anchor; 0 < amount <= outstanding; the caller approved this contract
    /// for the amount. Emits {Repaid}, and {OverdueCured} when a flagged slot becomes fully repaid; the token frees the
    /// amount on the anchor's credit line ({CreditLineReleased}).
    /// @param slot The receivable.
    /// @param amount Minor units.
    function repay(uint256 slot, uint256 amount) external;

    /// @notice Pay a piece's holder its share (value * repaid / face, less what it already received, rounded
    /// down). Anyone may call; the holder is always the one paid. A piece paid in full is burned. Works while
    /// transfers are paused and for suspended holders. Requirements: no repayment or claim of the slot in
    /// progress (a reentrant call); claims open; something due. Emits {Claimed}; a claim that completes a piece
    /// emits it after the token's burn ({TransferValue} to token 0, {Transfer} to the zero address), whose
    /// answer (holder and value) it reports.
    /// @param tokenId The piece.
    /// @return amount What was paid.
    function claim(uint256 tokenId) external returns (uint256 amount);

    /// @notice Claim for many pieces; pieces with nothing due, or already redeemed, are skipped. Requirements: as
    /// `claim` for each piece claimed, except that nothing need be due.
    /// @param tokenIds The pieces.
    /// @return total What was paid in all.
    function claimMany(uint256[] calldata tokenIds) external returns (uint256 total);

    /// @notice Flag a slot overdue, once. Anyone may call. Requirements: the slot is overdue. Emits {SlotOverdue}.
    /// @param slot The receivable.
    function flagOverdue(uint256 slot) external;

    /// @notice Set the grace period after maturity before an unpaid slot is overdue. Requirements: caller is
    /// an active operator; at most 90 days. Emits {GracePeriodSet}.
    /// @param gracePeriod Seconds.
    function setGracePeriod(uint256 gracePeriod) external;

    /// @notice Apply a recourse payment of `amount` by `seller` on a piece: first the anchor money repaid on the piece
    /// and not yet claimed is paid out (as {claim} would, under the shares before this payment), then the seller takes
    /// over `amount` of the piece's unpaid part: from then on, of every later claim on the piece, the share
    /// floor(claim * sellerOwed / (value - claimed)) goes to the seller. Financing moves the money (seller to holder).
    /// Requirements: caller is the financing contract bound to the token; no repayment or claim of the slot in
    /// progress; claims open; 0 < amount <= {recourseDue}. Emits {RecourseTaken} (and {RecourseClaimRouted},
    /// {Claimed} for the anchor money paid out first).
    /// @param tokenId The piece the factor bought.
    /// @param seller The seller's paying address, where its share of later claims goes.
    /// @param amount Minor units.
    /// @return holder The piece's holder, whom the seller pays.
    /// @return paidTotal All the seller has paid on the piece, this payment included.
    function applyRecourse(uint256 tokenId, address seller, uint256 amount) external returns (address holder, uint256 paidTotal);
    /// @notice What a seller could pay now on a piece: its value less the anchor's share repaid on it
    /// (floor(value * repaid / face)) less the part the seller already took over and has not received back.
    /// Zero before maturity.
    /// @param tokenId The piece.
    function recourseDue(uint256 tokenId) external view returns (uint256);
    /// @notice A piece's recourse account (all zero for a piece never under recourse).
    /// @param tokenId The piece.
    function recourseOf(uint256 tokenId) external view returns (RecourseAccount memory);
    /// @notice Write a receivable off, once: the operator records that its unpaid part is not expected to be
    /// collected. Changes no money and no piece; the anchor may still repay and holders still claim. Requirements:
    /// caller is an active operator; the slot exists; strictly after maturity plus grace; not fully repaid; not
    /// already written off. Emits {ReceivableWrittenOff}.
    /// @param slot The receivable.
    function writeOff(uint256 slot) external;

    /// @notice Whether a slot is overdue now: strictly after maturity plus grace and not fully repaid.
    /// @param slot The receivable.
    function isOverdue(uint256 slot) external view returns (bool);

    /// @notice What a piece could claim now.
    /// @param tokenId The piece.
    function claimable(uint256 tokenId) external view returns (uint256);

    /// @notice What a piece has received so far.
    /// @param tokenId The piece.
    function claimedBy(uint256 tokenId) external view returns (uint256);

    /// @notice A slot's repayment account.
    /// @param slot The receivable.
    function account(uint256 slot) external view returns (SlotAccount memory);

    /// @notice The grace period in seconds.
    function gracePeriod() external view returns (uint256);
}
