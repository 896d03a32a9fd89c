// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {IMemberRegistry} from "../access/IMemberRegistry.sol";
import {ReceivableToken} from "../token/ReceivableToken.sol";

/**
 * @title AuditTokenMirror
 * @notice Never deployed. The audit puts this contract's runtime code at the receivable token's own address through
 * `eth_call`'s state override, and only after checking that the code deployed there is ReceivableToken's as this
 * build compiled it (outside its immutables and metadata): the storage is then laid out as this contract's, which
 * inherits it. One call then answers the token's views `pieceOf`, `exists` and `receivable` for thousands of
 * arguments, without a call frame, a dispatch and an ABI round trip per read (a node that records every EVM step,
 * as Hardhat's does, pays for each of those steps).
 * @dev Each function answers raw records, not ABI: one per argument, in order, of `1 + words` words each. The first
 * word is 1 where the view answers and 0 where it reverts (the rest of that record is then zero); the others are the
 * view's ABI answer words, as the view returns them. The audit's viewReader.ts reads these records exactly as it
 * reads AuditViewReader's, and a test compares every record with the view's own answer.
 */
contract AuditTokenMirror is ReceivableToken {
    constructor() ReceivableToken(IMemberRegistry(address(0)), 0) {}

    /// @notice `pieceOf` for each token id: records of 3 words (answers, owner, value); a piece that is not live
    /// (never minted, emptied, redeemed) does not answer, as `pieceOf` reverts for it.
    /// @param tokenIds The pieces to read.
    function auditPieces(uint256[] calldata tokenIds) external view {
        _answerEach(tokenIds, 96, _pieceRecord);
    }

    /// @notice `exists` for each token id: records of 2 words (1, whether the piece is live).
    /// @param tokenIds The pieces to read.
    function auditExists(uint256[] calldata tokenIds) external view {
        _answerEach(tokenIds, 64, _existsRecord);
    }

    /// @notice `receivable` for each slot: records of 8 words (answers, then anchorId, supplierId, faceValue,
    /// maturity, currency, pieceCount, documentsHash as `receivable` encodes them); a slot never confirmed does not
    /// answer, as `receivable` reverts for it.
    /// @param slots The receivables to read.
    function auditReceivables(uint256[] calldata slots) external view {
        _answerEach(slots, 256, _receivableRecord);
    }

    /// @dev Ends the call with one record of `recordSize` bytes per argument, each written whole by `writeRecord`
    /// into memory reserved for all of them first.
    function _answerEach(
        uint256[] calldata args,
        uint256 recordSize,
        function(uint256, uint256) view writeRecord
    ) private view {
        uint256 count = args.length;
        uint256 records;
        assembly ("memory-safe") {
            records := mload(0x40)
            mstore(0x40, add(records, mul(count, recordSize)))
        }
        // Unchecked: the records' bytes were reserved above, so no record's address can overflow.
        unchecked {
            for (uint256 i = 0; i < count; ++i) writeRecord(args[i], records + i * recordSize);
        }
        assembly {
            return(records, mul(count, recordSize))
        }
    }

    function _pieceRecord(uint256 tokenId, uint256 record) private view {
        Piece storage piece = _pieces[tokenId];
        address owner = piece.owner;
        uint256 value = owner == address(0) ? 0 : piece.value;
        assembly ("memory-safe") {
            mstore(record, iszero(iszero(owner)))
            mstore(add(record, 32), owner)
            mstore(add(record, 64), value)
        }
    }

    function _existsRecord(uint256 tokenId, uint256 record) private view {
        bool live = _exists(tokenId);
        assembly ("memory-safe") {
            mstore(record, 1)
            mstore(add(record, 32), live)
        }
    }

    function _receivableRecord(uint256 slot, uint256 record) private view {
        if (slot == 0 || slot > _slotCount) {
            assembly ("memory-safe") {
                for {
                    let end := add(record, 256)
                } lt(record, end) {
                    record := add(record, 32)
                } {
                    mstore(record, 0)
                }
            }
            return;
        }
        Receivable memory terms = _receivables[slot];
        bytes32 documentsHash = _documentsHashes[slot];
        assembly ("memory-safe") {
            mstore(record, 1)
            mstore(add(record, 32), mload(terms)) // anchorId
            mstore(add(record, 64), mload(add(terms, 32))) // supplierId
            mstore(add(record, 96), mload(add(terms, 128))) // faceValue
            mstore(add(record, 128), mload(add(terms, 64))) // maturity
            mstore(add(record, 160), mload(add(terms, 160))) // currency (bytes3, left-aligned as in ABI)
            mstore(add(record, 192), mload(add(terms, 96))) // pieceCount: lastSeq
            mstore(add(record, 224), documentsHash)
        }
    }
}
