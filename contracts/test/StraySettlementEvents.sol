// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

/// @title StraySettlementEvents
/// @notice TEST ONLY — never deploy outside the tests. Emits Settlement's `ReceivableWrittenOff` and
/// `GracePeriodSet` with whatever it is given, checking nothing. Registered as "the settlement contract" the audit
/// follows, it puts on chain write-offs the real Settlement refuses (by a non-operator, before the grace period
/// ended, twice), so the audit's replay of a write-off is exercised honestly. Its views answer an account nothing
/// was repaid into, as a settlement no one has used would.
contract StraySettlementEvents {
    /// @notice Same signature as ISettlement.ReceivableWrittenOff.
    event ReceivableWrittenOff(uint256 indexed slot, uint256 outstanding, address indexed operator);
    /// @notice Same signature as ISettlement.GracePeriodSet.
    event GracePeriodSet(uint256 gracePeriod);

    /// @notice Emits {ReceivableWrittenOff} as given; changes nothing.
    /// @param slot The receivable named.
    /// @param outstanding The amount named.
    /// @param operator The operator named.
    function announceWriteOff(uint256 slot, uint256 outstanding, address operator) external {
        emit ReceivableWrittenOff(slot, outstanding, operator);
    }

    /// @notice Emits {GracePeriodSet} as given; changes nothing.
    /// @param gracePeriod Seconds.
    function announceGracePeriod(uint256 gracePeriod) external {
        emit GracePeriodSet(gracePeriod);
    }

    /// @notice A slot's account as Settlement answers it: nothing repaid, claimed or redeemed, not flagged.
    /// @return repaid Always 0.
    /// @return redeemedValue Always 0.
    /// @return claimed Always 0.
    /// @return overdueFlagged Always false.
    function account(uint256) external pure returns (uint64 repaid, uint64 redeemedValue, uint64 claimed, bool overdueFlagged) {
        return (0, 0, 0, false);
    }

    /// @notice What a piece has received: always 0.
    /// @return Always 0.
    function claimedBy(uint256) external pure returns (uint256) {
        return 0;
    }
}
