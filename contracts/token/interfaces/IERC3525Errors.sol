// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

/// @title Errors of ERC-3525 value mechanics, in the style of EIP-6093
interface IERC3525Errors {
    /// @notice A value of zero was given where value must move.
    error ERC3525ZeroValue();
    /// @notice The token holds less value than asked for.
    error ERC3525InsufficientValue(uint256 tokenId, uint256 value, uint256 needed);
    /// @notice The operator's value allowance on the token is smaller than asked for.
    error ERC3525InsufficientAllowance(uint256 tokenId, address operator, uint256 allowance, uint256 needed);
    /// @notice The two tokens belong to different slots.
    error ERC3525SlotMismatch(uint256 fromTokenId, uint256 toTokenId);
    /// @notice Value cannot move from a token to itself.
    error ERC3525SameToken(uint256 tokenId);
    /// @notice The caller may not move the target token, so it may not put value into it: its owner has not
    /// approved the caller (for that token or as an operator).
    error ERC3525UnapprovedTarget(uint256 toTokenId, address owner, address caller);
    /// @notice A contract recipient refused the value sent to it.
    error ERC3525RejectedByReceiver(address recipient);
}
