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
        uint256 count = tokenIds.length;
        uint256 records = _records(count * 96);
        for (uint256 i = 0; i < count; ) {
            Piece storage piece = _pieces[tokenIds[i]];
            address owner = piece.owner;
            uint256 value = owner == address(0) ? 0 : piece.value;
            assembly ("memory-safe") {
                let record := add(records, mul(i, 96))
                mstore(record, iszero(iszero(owner)))
                mstore(add(record, 32), owner)
                mstore(add(record, 64), value)
            }
            unchecked {
                ++i;
            }
        }
        _answer(records, count * 96);
    }

    /// @notice `exists` for each token id: records of 2 words (1, whether the piece is live).
    /// @param tokenIds The pieces to read.
    function auditExists(uint256[] calldata tokenIds) external view {
        uint256 count = tokenIds.length;
        uint256 records = _records(count * 64);
        for (uint256 i = 0; i < count; ) {
            bool live = _exists(tokenIds[i]);
            assembly ("memory-safe") {
                let record := add(records, mul(i, 64))
                mstore(record, 1)
                mstore(add(record, 32), live)
            }
            unchecked {
                ++i;
            }
        }
        _answer(records, count * 64);
    }

    /// @notice `receivable` for each slot: records of 8 words (answers, then anchorId, supplierId, faceValue,
    /// maturity, currency, pieceCount, documentsHash as `receivable` encodes them); a slot never confirmed does not
    /// answer, as `receivable` reverts for it.
    /// @param slots The receivables to read.
    function auditReceivables(uint256[] calldata slots) external view {
        uint256 count = slots.length;
        uint256 records = _records(count * 256);
        uint256 slotCount = _slotCount;
        for (uint256 i = 0; i < count; ) {
            uint256 slot = slots[i];
            if (slot == 0 || slot > slotCount) {
                _clear(records + i * 256, 256);
            } else {
                Receivable memory terms = _receivables[slot];
                bytes32 documentsHash = _documentsHashes[slot];
                assembly ("memory-safe") {
                    let record := add(records, mul(i, 256))
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
            unchecked {
                ++i;
            }
        }
        _answer(records, count * 256);
    }

    /// @dev Reserves `size` bytes of memory for the records (every byte of which the caller then writes).
    function _records(uint256 size) private pure returns (uint256 records) {
        assembly ("memory-safe") {
            records := mload(0x40)
            mstore(0x40, add(records, size))
        }
    }

    /// @dev Zeroes `size` bytes (a multiple of 32) at `at`: a record that does not answer.
    function _clear(uint256 at, uint256 size) private pure {
        assembly ("memory-safe") {
            for {
                let end := add(at, size)
            } lt(at, end) {
                at := add(at, 32)
            } {
                mstore(at, 0)
            }
        }
    }

    /// @dev Ends the call with `size` bytes of records as its answer.
    function _answer(uint256 records, uint256 size) private pure {
        assembly {
            return(records, size)
        }
    }
}
