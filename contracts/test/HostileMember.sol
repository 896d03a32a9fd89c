// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {IERC3525Receiver} from "../token/interfaces/IERC3525Receiver.sol";
import {IHostileCurrencyRecipient} from "./HostileCurrency.sol";

/// @title HostileMember
/// @notice Test-only: a member whose address is a contract that attacks whenever it is given control. The test
/// arms it with calls (re-enter Settlement.claim, Financing.fund, move value it does not own, ...); the next
/// time it is handed a piece (onERC3525Received, onERC721Received) or paid in a currency with hooks, it makes
/// each call, records how it ended and then accepts what it was sent, so that the outer transfer completes and
/// the test can see exactly what the re-entry achieved. Outside the hooks it acts as an ordinary member
/// through `execute`.
contract HostileMember is IERC165, IERC3525Receiver, IERC721Receiver, IERC1271, IHostileCurrencyRecipient {
    /// @notice A call the contract makes on its own behalf.
    struct Call {
        address target;
        bytes data;
    }

    /// @notice How an armed call ended: its return data, or its revert data when it failed.
    struct Attempt {
        bool success;
        bytes returnData;
    }

    /// @notice What one hook was handed.
    struct Receipt {
        bytes4 hook;
        address operator;
        uint256 fromTokenId;
        uint256 toTokenId;
        uint256 value;
    }

    /// @notice Emitted for every armed call made from a hook.
    event AttemptMade(uint256 index, bool success, bytes returnData);

    Call[] private _armed;
    Attempt[] private _attempts;
    Receipt[] private _receipts;
    bool private _attacking;

    /// @notice Sets the calls to make at the next hook (once), forgetting earlier attempts.
    /// @param calls The calls, made in order.
    function arm(Call[] calldata calls) external {
        delete _armed;
        delete _attempts;
        for (uint256 i = 0; i < calls.length; ++i) {
            _armed.push(calls[i]);
        }
    }

    /// @notice Makes one call as this contract; a revert is passed on unchanged.
    /// @param target The contract called.
    /// @param data The calldata.
    /// @return result What the call returned.
    function execute(address target, bytes calldata data) external returns (bytes memory result) {
        return Address.functionCall(target, data);
    }

    /// @notice The armed calls made so far and how each ended.
    function attempts() external view returns (Attempt[] memory) {
        return _attempts;
    }

    /// @notice Every hook call received, in order.
    function receipts() external view returns (Receipt[] memory) {
        return _receipts;
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC3525Receiver).interfaceId || interfaceId == type(IERC721Receiver).interfaceId
            || interfaceId == type(IERC165).interfaceId;
    }

    /// @inheritdoc IERC1271
    /// @dev As a seller it consents to any use of its invoices: the tests are about re-entry, not consent.
    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        return IERC1271.isValidSignature.selector;
    }

    /// @inheritdoc IERC3525Receiver
    function onERC3525Received(address operator, uint256 fromTokenId, uint256 toTokenId, uint256 value, bytes calldata)
        external
        returns (bytes4)
    {
        _receipts.push(Receipt(IERC3525Receiver.onERC3525Received.selector, operator, fromTokenId, toTokenId, value));
        _attack();
        return IERC3525Receiver.onERC3525Received.selector;
    }

    /// @inheritdoc IERC721Receiver
    function onERC721Received(address operator, address, uint256 tokenId, bytes calldata) external returns (bytes4) {
        _receipts.push(Receipt(IERC721Receiver.onERC721Received.selector, operator, 0, tokenId, 0));
        _attack();
        return IERC721Receiver.onERC721Received.selector;
    }

    /// @inheritdoc IHostileCurrencyRecipient
    function onCurrencyReceived(address from, uint256 amount) external {
        _receipts.push(Receipt(IHostileCurrencyRecipient.onCurrencyReceived.selector, from, 0, 0, amount));
        _attack();
    }

    /// @dev Makes the armed calls once; a hook reached again from inside them only records its receipt.
    function _attack() private {
        if (_attacking || _armed.length == 0) return;
        _attacking = true;
        Call[] memory calls = _armed;
        delete _armed;
        for (uint256 i = 0; i < calls.length; ++i) {
            // Through an external call to this contract, so that a revert is caught and recorded, not fatal.
            try this.execute(calls[i].target, calls[i].data) returns (bytes memory result) {
                _record(i, true, result);
            } catch (bytes memory reason) {
                _record(i, false, reason);
            }
        }
        _attacking = false;
    }

    function _record(uint256 index, bool success, bytes memory returnData) private {
        _attempts.push(Attempt(success, returnData));
        emit AttemptMade(index, success, returnData);
    }
}
