// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

/// @title ERC-3525 semi-fungible token, core interface (ERC-165 id 0xd5358140)
/// @notice Tokens with the same slot are fungible by value; each token keeps an ERC-721 identity.
/// @dev Declared from the standard's text. The standard marks the approve and transfer functions payable;
/// this network never takes ether with them, so they are declared non-payable here (mutability is not part
/// of the selector or the interface id).
interface IERC3525 is IERC721 {
    /// @notice Emitted when value moves from one token to another of the same slot; `_fromTokenId` 0 on
    /// creation, `_toTokenId` 0 on destruction.
    event TransferValue(uint256 indexed _fromTokenId, uint256 indexed _toTokenId, uint256 _value);
    /// @notice Emitted when a value allowance is set or spent.
    event ApprovalValue(uint256 indexed _tokenId, address indexed _operator, uint256 _value);
    /// @notice Emitted when a token's slot is set (on creation) or changed.
    event SlotChanged(uint256 indexed _tokenId, uint256 indexed _oldSlot, uint256 indexed _newSlot);

    /// @notice Number of decimals the token's value uses for display.
    function valueDecimals() external view returns (uint8);

    /// @notice The value held by a token.
    /// @param _tokenId The token.
    function balanceOf(uint256 _tokenId) external view returns (uint256);

    /// @notice The slot a token belongs to.
    /// @param _tokenId The token.
    function slotOf(uint256 _tokenId) external view returns (uint256);

    /// @notice Allow `_operator` to move up to `_value` out of `_tokenId`.
    /// @param _tokenId The token.
    /// @param _operator The address allowed to spend.
    /// @param _value The maximum value it may move.
    function approve(uint256 _tokenId, address _operator, uint256 _value) external;

    /// @notice The value `_operator` may still move out of `_tokenId`.
    /// @param _tokenId The token.
    /// @param _operator The spender.
    function allowance(uint256 _tokenId, address _operator) external view returns (uint256);

    /// @notice Move value from one token to another token of the same slot.
    /// @param _fromTokenId The source token.
    /// @param _toTokenId The destination token.
    /// @param _value The value moved.
    function transferFrom(uint256 _fromTokenId, uint256 _toTokenId, uint256 _value) external;

    /// @notice Move value from a token to an address, into a token the address receives.
    /// @param _fromTokenId The source token.
    /// @param _to The recipient.
    /// @param _value The value moved.
    /// @return The id of the token that received the value.
    function transferFrom(uint256 _fromTokenId, address _to, uint256 _value) external returns (uint256);
}
