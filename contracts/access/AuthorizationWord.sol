// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

/// @title AuthorizationWord
/// @notice Reads the one-word answer `IMemberRegistry.authorizationWordsOf` gives for an address:
/// bits 0-31 member id, bits 32-63 role bitmask, bit 64 set when the member is active with valid KYC.
/// @dev A word rather than a struct because every transfer decodes two of them: ABI-decoding and
/// validating two three-field structs costs more than the rest of the registry call.
library AuthorizationWord {
    uint256 internal constant ACTIVE_BIT = 1 << 64;

    /// @notice Packs an authorization (member `id`, `roles` bitmask, `active`) into its word.
    function encode(uint32 id, uint32 roles, bool active) internal pure returns (uint256) {
        return uint256(id) | (uint256(roles) << 32) | (active ? ACTIVE_BIT : 0);
    }

    /// @notice The member id, 0 for a non-member.
    function memberId(uint256 word) internal pure returns (uint32) {
        return uint32(word);
    }

    /// @notice Whether the member is active with valid KYC and holds any of the roles in `roleMask`.
    function activeWithAnyRole(uint256 word, uint32 roleMask) internal pure returns (bool) {
        return word & ACTIVE_BIT != 0 && (uint32(word >> 32) & roleMask) != 0;
    }

    /// @notice Whether the member is active with valid KYC.
    function isActive(uint256 word) internal pure returns (bool) {
        return word & ACTIVE_BIT != 0;
    }
}
