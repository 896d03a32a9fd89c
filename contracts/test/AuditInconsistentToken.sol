// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {IReceivableToken} from "../token/interfaces/IReceivableToken.sol";

/// @title AuditInconsistentToken
/// @notice TEST ONLY — never deploy outside the audit's tests. A minimal stand-in for the receivable token that
/// emits the real token's events (same signatures) and answers the views the auditor compares with, but can be
/// told to emit a value transfer its storage does not reflect. Registered as "the receivable token" of a test
/// deployment record, it shows that the auditor's replay is checked against the contract's own state rather than
/// trusted. Its credit lines are lax: it records what each anchor owes but lets any confirmation through, the
/// way a token without the line check would (the audit's I8 test).
contract AuditInconsistentToken {
    struct Piece {
        address owner;
        uint256 value;
    }

    /// @notice No live piece has this id.
    error AuditNoSuchPiece(uint256 tokenId);

    /// @notice As the real token's: a receivable was confirmed.
    event ReceivableConfirmed(
        uint256 indexed slot,
        uint256 indexed tokenId,
        uint32 indexed anchorId,
        uint32 supplierId,
        address anchor,
        IReceivableToken.ConfirmationRecord confirmation
    );
    /// @notice As ERC-721's: a piece changed hands (or was created or burned).
    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
    /// @notice As ERC-3525's: value moved between pieces.
    event TransferValue(uint256 indexed _fromTokenId, uint256 indexed _toTokenId, uint256 _value);
    /// @notice As ERC-3525's: a piece's slot was set.
    event SlotChanged(uint256 indexed _tokenId, uint256 indexed _oldSlot, uint256 indexed _newSlot);
    /// @notice As the real token's: a transfer recorded its trade proof.
    event TradeProofRecorded(
        uint256 indexed tokenId, bytes32 indexed invoiceFingerprint, bytes32 invoiceHash, bytes32 logisticsHash
    );

    /// @notice As the real token's: the operator set an anchor's credit line.
    event CreditLineSet(uint32 indexed anchorId, uint256 limit, uint256 reviewDate, uint256 outstanding);

    mapping(uint256 slot => IReceivableToken.ReceivableView) private _receivables;
    mapping(uint32 anchorId => IReceivableToken.CreditLine) private _creditLines;
    mapping(uint256 tokenId => Piece) private _pieces;
    uint256 private _slotCount;

    /// @notice Confirms a receivable as the real token would, storing it (the caller names the member ids).
    /// @param c The confirmation, as the real token's event reports it (fingerprint given, no consent).
    /// @param anchorId The anchor's member id.
    /// @param supplierId The supplier's member id.
    /// @return tokenId The first piece.
    function confirm(IReceivableToken.ConfirmationRecord calldata c, uint32 anchorId, uint32 supplierId) external returns (uint256 tokenId) {
        uint256 slot = ++_slotCount;
        tokenId = (slot << 32) | 1;
        _receivables[slot] = IReceivableToken.ReceivableView({
            anchorId: anchorId,
            supplierId: supplierId,
            faceValue: uint64(c.faceValue),
            maturity: uint40(c.maturity),
            currency: c.currency,
            pieceCount: 1,
            documentsHash: keccak256(abi.encode(c.invoiceHash, c.logisticsHash))
        });
        _pieces[tokenId] = Piece({owner: c.supplier, value: c.faceValue});
        // Lax: what the anchor owes grows, whatever its line.
        _creditLines[anchorId].outstanding += uint64(c.faceValue);
        emit ReceivableConfirmed(slot, tokenId, anchorId, supplierId, msg.sender, c);
        emit Transfer(address(0), c.supplier, tokenId);
        emit SlotChanged(tokenId, 0, slot);
        emit TransferValue(0, tokenId, c.faceValue);
    }

    /// @notice Emits the events of a split of `value` off `fromTokenId` to `to` with a trade proof, and records
    /// the new piece, but never lowers the source: the events say value moved that the storage still holds.
    function splitWithoutDebit(uint256 fromTokenId, address to, uint256 value, bytes32 fingerprint) external {
        uint256 slot = fromTokenId >> 32;
        uint32 sequence = ++_receivables[slot].pieceCount;
        uint256 newTokenId = (slot << 32) | sequence;
        _pieces[newTokenId] = Piece({owner: to, value: value});
        emit Transfer(address(0), to, newTokenId);
        emit SlotChanged(newTokenId, 0, slot);
        emit TransferValue(fromTokenId, newTokenId, value);
        emit TradeProofRecorded(newTokenId, fingerprint, keccak256("invoice"), keccak256("waybill"));
    }

    /// @notice Sets an anchor's credit line as the real token would, without its checks.
    /// @param anchorId The anchor's member id.
    /// @param limit The line.
    /// @param reviewDate The review date.
    function setCreditLine(uint32 anchorId, uint256 limit, uint256 reviewDate) external {
        IReceivableToken.CreditLine storage line = _creditLines[anchorId];
        line.limit = uint64(limit);
        line.reviewDate = uint40(reviewDate);
        emit CreditLineSet(anchorId, limit, reviewDate, line.outstanding);
    }

    /// @notice An anchor's credit line and what it owes.
    function creditLine(uint32 anchorId) external view returns (IReceivableToken.CreditLine memory) {
        return _creditLines[anchorId];
    }

    /// @notice How many receivables exist.
    function slotCount() external view returns (uint256) {
        return _slotCount;
    }

    /// @notice A receivable's terms.
    function receivable(uint256 slot) external view returns (IReceivableToken.ReceivableView memory) {
        return _receivables[slot];
    }

    /// @notice A live piece's owner and value.
    /// @param tokenId The piece.
    /// @return owner Its holder.
    /// @return value Its value.
    function pieceOf(uint256 tokenId) external view returns (address owner, uint256 value) {
        Piece memory piece = _pieces[tokenId];
        if (piece.owner == address(0)) revert AuditNoSuchPiece(tokenId);
        return (piece.owner, piece.value);
    }

    /// @notice Whether a piece is live.
    function exists(uint256 tokenId) external view returns (bool) {
        return _pieces[tokenId].owner != address(0);
    }
}
