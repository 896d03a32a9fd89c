// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

/**
 * @title AuditViewReader
 * @notice Never deployed: the audit sends this contract's creation code with its constructor arguments as the data
 * of an `eth_call` without a `to`, and the node answers with what the constructor returns. One such call reads one
 * view of one contract for hundreds of arguments (one eth_call per argument costs a node far more).
 * @dev Compiled by `src/audit/viewReader.ts`'s test (solc 0.8.28, optimizer 200 runs, evmVersion paris, no
 * metadata hash), which checks the creation code embedded there. Kept outside `contracts/` on purpose: it is not
 * part of the system and nothing on chain depends on it.
 * The answer is one record per argument, `answerWords + 1` words each: a word that is 1 when the view answered
 * at least `answerWords` words (0 when it reverted or answered less), then the view's first `answerWords` words.
 */
contract AuditViewReader {
    /**
     * @notice Reads `selector(args[i])` of `target` for every i and returns the records (see the contract's notes).
     * @param target the contract whose view is read
     * @param selector the view's selector; it takes one 32-byte argument
     * @param answerWords how many 32-byte words of each answer are kept
     * @param args one argument per call
     */
    constructor(address target, bytes4 selector, uint256 answerWords, uint256[] memory args) payable {
        assembly ("memory-safe") {
            let count := mload(args)
            let answerSize := mul(answerWords, 32)
            let recordSize := add(answerSize, 32)
            let out := mload(0x40)
            let input := add(out, mul(count, recordSize))
            for {
                let i := 0
            } lt(i, count) {
                i := add(i, 1)
            } {
                mstore(input, selector)
                mstore(add(input, 4), mload(add(add(args, 32), mul(i, 32))))
                let record := add(out, mul(i, recordSize))
                let ok := staticcall(gas(), target, input, 36, add(record, 32), answerSize)
                mstore(record, and(ok, iszero(lt(returndatasize(), answerSize))))
            }
            return(out, mul(count, recordSize))
        }
    }
}
