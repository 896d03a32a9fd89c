// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {IERC3525Receiver} from "../token/interfaces/IERC3525Receiver.sol";

/// @title ReceiverMock
/// @notice Test-only: a member whose address is a contract, which accepts or refuses what it is sent.
contract ReceiverMock is IERC165, IERC3525Receiver, IERC721Receiver {
    /// @notice How the mock answers the receiver hooks.
    enum Answer {
        ACCEPT,
        WRONG_VALUE,
        REVERT
    }

    /// @notice Emitted each time a hook is called, so tests can see its arguments.
    event Received(address operator, uint256 fromTokenId, uint256 toTokenId, uint256 value);

    /// @notice Raised when the mock is set to refuse by reverting.
    error ReceiverMockRefused();

    Answer private _answer;

    /// @notice Sets how the hooks answer.
    /// @param answer The answer to give from now on.
    function setAnswer(Answer answer) external {
        _answer = answer;
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC3525Receiver).interfaceId || interfaceId == type(IERC165).interfaceId
            || interfaceId == type(IERC721Receiver).interfaceId;
    }

    /// @inheritdoc IERC3525Receiver
    function onERC3525Received(address operator, uint256 fromTokenId, uint256 toTokenId, uint256 value, bytes calldata)
        external
        returns (bytes4)
    {
        if (_answer == Answer.REVERT) revert ReceiverMockRefused();
        emit Received(operator, fromTokenId, toTokenId, value);
        return _answer == Answer.ACCEPT ? IERC3525Receiver.onERC3525Received.selector : bytes4(0xdeadbeef);
    }

    /// @inheritdoc IERC721Receiver
    function onERC721Received(address operator, address, uint256 tokenId, bytes calldata) external returns (bytes4) {
        if (_answer == Answer.REVERT) revert ReceiverMockRefused();
        emit Received(operator, 0, tokenId, 0);
        return _answer == Answer.ACCEPT ? IERC721Receiver.onERC721Received.selector : bytes4(0xdeadbeef);
    }
}
