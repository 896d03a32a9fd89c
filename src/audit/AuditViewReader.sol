// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

/**
 * @title AuditViewReader
 * @notice Never deployed: the audit puts this contract's runtime code at an unused address through `eth_call`'s
 * state override and calls it there. One call reads one view of one contract for hundreds of arguments (one
 * eth_call per argument costs a node far more).
 * @dev Compiled by `test/audit/viewReader.test.ts` (solc 0.8.28, optimizer 200 runs, evmVersion paris, no
 * metadata), which checks the runtime code embedded in `src/audit/viewReader.ts`. Kept outside `contracts/` on
 * purpose: it is not part of the system and nothing on chain depends on it.
 * Calldata (not ABI): the target's address as a word, the view's selector left-aligned in a word, the number of
 * answer words kept, then one 32-byte argument per read. The answer is one record per argument,
 * `answerWords + 1` words each: a word that is 1 when the view answered at least `answerWords` words (0 when it
 * reverted or answered less), then the view's first `answerWords` words.
 */
contract AuditViewReader {
    /// @notice Reads `selector(argument)` of the target for every argument and returns the records.
    fallback() external {
        assembly {
            let target := calldataload(0)
            let selector := calldataload(32)
            let answerSize := mul(calldataload(64), 32)
            let recordSize := add(answerSize, 32)
            let count := div(sub(calldatasize(), 96), 32)
            let out := mload(0x40)
            let input := add(out, mul(count, recordSize))
            for {
                let i := 0
            } lt(i, count) {
                i := add(i, 1)
            } {
                mstore(input, selector)
                mstore(add(input, 4), calldataload(add(96, mul(i, 32))))
                let record := add(out, mul(i, recordSize))
                let ok := staticcall(gas(), target, input, 36, add(record, 32), answerSize)
                mstore(record, and(ok, iszero(lt(returndatasize(), answerSize))))
            }
            return(out, mul(count, recordSize))
        }
    }
}
