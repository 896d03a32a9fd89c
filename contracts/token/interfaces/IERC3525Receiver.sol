// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

/// @title ERC-3525 token receiver (ERC-165 id 0x009ce20b)
/// @notice Implemented by contracts that want to accept or refuse ERC-3525 value sent to them.
interface IERC3525Receiver {
    /// @notice Called after value has been moved to a token owned by the implementing contract.
    /// @param _operator The address that triggered the transfer.
    /// @param _fromTokenId The source token.
    /// @param _toTokenId The receiving token.
    /// @param _value The value moved.
    /// @param _data Extra data, no fixed format.
    /// @return This function's selector (0x009ce20b) to accept; anything else or a revert refuses.
    function onERC3525Received(
        address _operator,
        uint256 _fromTokenId,
        uint256 _toTokenId,
        uint256 _value,
        bytes calldata _data
    ) external returns (bytes4);
}
