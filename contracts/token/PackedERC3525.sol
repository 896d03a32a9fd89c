// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {IERC165, ERC165} from "@openzeppelin/contracts/utils/introspection/ERC165.sol";
import {ERC165Checker} from "@openzeppelin/contracts/utils/introspection/ERC165Checker.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {ERC721Utils} from "@openzeppelin/contracts/token/ERC721/utils/ERC721Utils.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC3525} from "./interfaces/IERC3525.sol";
import {IERC3525Errors} from "./interfaces/IERC3525Errors.sol";
import {IERC3525Receiver} from "./interfaces/IERC3525Receiver.sol";

/// @title PackedERC3525
/// @notice ERC-3525 value mechanics with ERC-721 compatibility, storing each token in one word.
/// @dev A token id is `(slot << 32) | sequence`: the slot is read off the id, never stored, and a piece's
/// parent needs only its 32-bit sequence number. That lets owner (160 bits), value (64) and parent
/// sequence (32) share one storage word, so splitting to a new token writes one new word plus the
/// recipient's ERC-721 count. 64-bit values hold 1.8e19 minor units (1.8e17 CNY), more than any
/// receivable; 32-bit sequences allow four billion pieces per slot. Sequences start at 1, so no token id
/// is 0 and a parent sequence of 0 means "no parent".
///
/// Tokens are not enumerable on chain (the indexer enumerates them from events); that is what keeps a split
/// near the storage floor. A value allowance belongs to the holding it was granted on: it lapses when the token
/// changes hands and never comes back, not even when the token returns to the owner who granted it.
///
/// Value enters an existing token only by someone who may move that token (its owner, an operator of its owner,
/// its approved address, or the system operator): the owner of a piece decides what it holds and what it can
/// fund, and nobody can push value, dust included, into it. Emptying a token is reported as the standard asks
/// for a destroyed token: {TransferValue} to token 0 of the value it still held (0 after a split or merge took
/// all of it), then ERC-721 {Transfer} to the zero address.
///
/// Derived contracts decide who may move what (`_authorizeMove`), who may act for another owner
/// (`_authorizeCaller`) and how new token ids are numbered (`_allocateTokenId`).
abstract contract PackedERC3525 is ERC165, IERC3525, IERC3525Errors, IERC721Errors {
    /// @dev One word: 160 + 64 + 32 = 256 bits.
    struct Piece {
        address owner;
        uint64 value;
        uint32 parentSeq;
    }

    /// @dev One word per token: 160 + 64 + 8 bits. Value allowances are keyed by `holding`, which moves on when
    /// the token changes hands after a value allowance was granted on it, so that every allowance of the old
    /// holding becomes unreachable at once (the spenders are not enumerable, they cannot be cleared one by one).
    /// Moving it only when `valueAllowed` is set keeps a plain transfer at one read of this word, as before.
    /// 64 bits count more changes of hands than any token will see.
    struct TokenApproval {
        address approved;
        uint64 holding;
        bool valueAllowed;
    }

    uint256 internal constant _SEQ_BITS = 32;

    uint8 private immutable _valueDecimals;
    string private _name;
    string private _symbol;

    mapping(uint256 tokenId => Piece) internal _pieces;
    mapping(address owner => uint256) private _holdingCounts;
    mapping(uint256 tokenId => TokenApproval) private _tokenApprovals;
    mapping(address owner => mapping(address operator => bool)) private _operatorApprovals;
    mapping(uint256 tokenId => mapping(uint64 holding => mapping(address operator => uint256))) private
        _valueAllowances;

    constructor(string memory name_, string memory symbol_, uint8 valueDecimals_) {
        _name = name_;
        _symbol = symbol_;
        _valueDecimals = valueDecimals_;
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) public view virtual override(ERC165, IERC165) returns (bool) {
        return interfaceId == type(IERC3525).interfaceId || interfaceId == type(IERC721).interfaceId
            || super.supportsInterface(interfaceId);
    }

    /// @notice The token collection's name.
    function name() external view returns (string memory) {
        return _name;
    }

    /// @notice The token collection's symbol.
    function symbol() external view returns (string memory) {
        return _symbol;
    }

    /// @inheritdoc IERC3525
    function valueDecimals() external view returns (uint8) {
        return _valueDecimals;
    }

    /// @inheritdoc IERC721
    function balanceOf(address owner) external view returns (uint256) {
        if (owner == address(0)) revert ERC721InvalidOwner(address(0));
        return _holdingCounts[owner];
    }

    /// @inheritdoc IERC721
    function ownerOf(uint256 tokenId) external view returns (address) {
        return _pieceOf(tokenId).owner;
    }

    /// @inheritdoc IERC3525
    function balanceOf(uint256 tokenId) external view returns (uint256) {
        return _pieceOf(tokenId).value;
    }

    /// @inheritdoc IERC3525
    function slotOf(uint256 tokenId) external view returns (uint256) {
        _pieceOf(tokenId);
        return tokenId >> _SEQ_BITS;
    }

    /// @inheritdoc IERC721
    function getApproved(uint256 tokenId) external view returns (address) {
        _pieceOf(tokenId);
        return _tokenApprovals[tokenId].approved;
    }

    /// @inheritdoc IERC721
    function isApprovedForAll(address owner, address operator) external view returns (bool) {
        return _operatorApprovals[owner][operator];
    }

    /// @inheritdoc IERC3525
    function allowance(uint256 tokenId, address operator) external view returns (uint256) {
        _pieceOf(tokenId);
        return _valueAllowances[tokenId][_tokenApprovals[tokenId].holding][operator];
    }

    /// @inheritdoc IERC721
    function approve(address to, uint256 tokenId) external {
        address owner = _pieceOf(tokenId).owner;
        if (msg.sender != owner && !_operatorApprovals[owner][msg.sender]) revert ERC721InvalidApprover(msg.sender);
        _tokenApprovals[tokenId].approved = to;
        emit Approval(owner, to, tokenId);
    }

    /// @inheritdoc IERC721
    function setApprovalForAll(address operator, bool approved) external {
        if (operator == address(0)) revert ERC721InvalidOperator(operator);
        _operatorApprovals[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    /// @inheritdoc IERC3525
    /// @dev Requirements: the caller is the owner, an operator of the owner, or approved for the whole token;
    /// `operator` is neither zero nor the owner. The allowance holds for the current holding only: it lapses when
    /// the token changes hands. Emits {ApprovalValue}.
    function approve(uint256 tokenId, address operator, uint256 value) external {
        address owner = _pieceOf(tokenId).owner;
        if (!_isAuthorized(owner, msg.sender, tokenId)) revert ERC721InvalidApprover(msg.sender);
        if (operator == address(0) || operator == owner) revert ERC721InvalidOperator(operator);
        TokenApproval storage approval = _tokenApprovals[tokenId];
        if (!approval.valueAllowed) approval.valueAllowed = true;
        _valueAllowances[tokenId][approval.holding][operator] = value;
        emit ApprovalValue(tokenId, operator, value);
    }

    /// @inheritdoc IERC721
    /// @dev Requirements: `from` owns the token; the caller is the owner, or an operator or the approved address
    /// accepted by `_authorizeCaller`; the move is allowed by `_authorizeMove`. Clears the token's approval and
    /// ends its value allowances. Emits {Transfer}.
    function transferFrom(address from, address to, uint256 tokenId) public {
        Piece memory piece = _pieceOf(tokenId);
        if (to == address(0)) revert ERC721InvalidReceiver(address(0));
        if (piece.owner != from) revert ERC721IncorrectOwner(from, tokenId, piece.owner);
        if (!_isAuthorized(from, msg.sender, tokenId)) revert ERC721InsufficientApproval(msg.sender, tokenId);
        if (msg.sender != from) _authorizeCaller(msg.sender);
        _authorizeMove(from, to, tokenId >> _SEQ_BITS);

        _pieces[tokenId] = Piece({owner: to, value: piece.value, parentSeq: piece.parentSeq});
        unchecked {
            // A count never exceeds the number of tokens, far below 2^256.
            --_holdingCounts[from];
            ++_holdingCounts[to];
        }
        TokenApproval storage approval = _tokenApprovals[tokenId];
        (address approved, uint64 holding, bool valueAllowed) =
            (approval.approved, approval.holding, approval.valueAllowed);
        if (approved != address(0) || valueAllowed) {
            // A new holding: the approved address goes, and so does every value allowance of the old holding.
            unchecked {
                // One increment per change of hands after an allowance: never near 2^64.
                if (valueAllowed) ++holding;
            }
            _tokenApprovals[tokenId] = TokenApproval({approved: address(0), holding: holding, valueAllowed: false});
        }
        emit Transfer(from, to, tokenId);
    }

    /// @inheritdoc IERC721
    function safeTransferFrom(address from, address to, uint256 tokenId) external {
        safeTransferFrom(from, to, tokenId, "");
    }

    /// @inheritdoc IERC721
    function safeTransferFrom(address from, address to, uint256 tokenId, bytes memory data) public {
        transferFrom(from, to, tokenId);
        ERC721Utils.checkOnERC721Received(msg.sender, from, to, tokenId, data);
    }

    /// @inheritdoc IERC3525
    /// @dev Requirements: both tokens exist, differ and share a slot; `value` is non-zero and at most the
    /// source's value and the caller's authority over it; the caller may also move the target token (its
    /// owner, an operator of its owner, its approved address, or the system operator): a value allowance is
    /// authority to take value out of a token, never to put value into someone's token; the move is allowed
    /// by `_authorizeMove`. A source left empty is burned. Emits {TransferValue}.
    ///
    /// Why the target's consent: a piece's value is what its owner can fund whole, sell or split. Value pushed
    /// into it uninvited, even one fen, turns the owner's request for the whole piece into a partial one that no
    /// longer matches its attestation, and the standard gives the owner no way to refuse. Consolidating one's
    /// own pieces and paying into one's own piece with an allowance need no one else's consent and still work.
    function transferFrom(uint256 fromTokenId, uint256 toTokenId, uint256 value) external {
        Piece memory source = _pieceOf(fromTokenId);
        Piece memory target = _pieceOf(toTokenId);
        if (fromTokenId == toTokenId) revert ERC3525SameToken(fromTokenId);
        uint256 slot = fromTokenId >> _SEQ_BITS;
        if (toTokenId >> _SEQ_BITS != slot) revert ERC3525SlotMismatch(fromTokenId, toTokenId);
        _checkValue(fromTokenId, source.value, value);
        _spendAuthority(source.owner, fromTokenId, value);
        if (msg.sender != target.owner && !_isAuthorized(target.owner, msg.sender, toTokenId)) {
            revert ERC3525UnapprovedTarget(toTokenId, target.owner, msg.sender);
        }
        _authorizeMove(source.owner, target.owner, slot);

        // Cannot overflow: the values of a slot's pieces add up to its face value, which fits in 64 bits.
        _pieces[toTokenId] =
            Piece({owner: target.owner, value: target.value + uint64(value), parentSeq: target.parentSeq});
        emit TransferValue(fromTokenId, toTokenId, value);
        _reduce(fromTokenId, source, value);
        _checkOnERC3525Received(fromTokenId, toTokenId, value, target.owner);
    }

    /// @inheritdoc IERC3525
    /// @dev Always creates a new token for `to` whose parent is `fromTokenId`, so lineage is never lost.
    /// Requirements as the token-to-token transfer. Emits {Transfer}, {SlotChanged}, {TransferValue}.
    function transferFrom(uint256 fromTokenId, address to, uint256 value) external returns (uint256 newTokenId) {
        newTokenId = _split(fromTokenId, to, value);
        _checkOnERC3525Received(fromTokenId, newTokenId, value, to);
    }

    /// @dev Creates token `tokenId` with `value` for `to` (the slot's first piece). Emits {Transfer},
    /// {SlotChanged}, {TransferValue} from token 0.
    function _mint(address to, uint256 tokenId, uint64 value) internal {
        _pieces[tokenId] = Piece({owner: to, value: value, parentSeq: 0});
        unchecked {
            ++_holdingCounts[to];
        }
        emit Transfer(address(0), to, tokenId);
        emit SlotChanged(tokenId, 0, tokenId >> _SEQ_BITS);
        emit TransferValue(0, tokenId, value);
    }

    /// @dev Moves `value` out of `fromTokenId` into a new token for `to`; checks and effects only, the caller
    /// makes the receiver call once its own effects are done.
    function _split(uint256 fromTokenId, address to, uint256 value) internal returns (uint256 newTokenId) {
        Piece memory source = _pieceOf(fromTokenId);
        if (to == address(0)) revert ERC721InvalidReceiver(address(0));
        _checkValue(fromTokenId, source.value, value);
        _spendAuthority(source.owner, fromTokenId, value);
        uint256 slot = fromTokenId >> _SEQ_BITS;
        _authorizeMove(source.owner, to, slot);
        newTokenId = _allocateTokenId(slot);

        _pieces[newTokenId] = Piece({owner: to, value: uint64(value), parentSeq: uint32(fromTokenId)});
        unchecked {
            ++_holdingCounts[to];
        }
        emit Transfer(address(0), to, newTokenId);
        emit SlotChanged(newTokenId, 0, slot);
        emit TransferValue(fromTokenId, newTokenId, value);
        _reduce(fromTokenId, source, value);
    }

    /// @dev Calls the ERC-3525 receiver hook when the recipient is a contract that declares it.
    function _checkOnERC3525Received(uint256 fromTokenId, uint256 toTokenId, uint256 value, address recipient)
        internal
    {
        if (recipient.code.length == 0) return;
        if (!ERC165Checker.supportsInterface(recipient, type(IERC3525Receiver).interfaceId)) return;
        try IERC3525Receiver(recipient).onERC3525Received(msg.sender, fromTokenId, toTokenId, value, "") returns (
            bytes4 answer
        ) {
            if (answer != IERC3525Receiver.onERC3525Received.selector) revert ERC3525RejectedByReceiver(recipient);
        } catch {
            revert ERC3525RejectedByReceiver(recipient);
        }
    }

    /// @dev The parent sequence recorded for a token, live or burned (0 for a first piece or an unknown id).
    function _parentSeqOf(uint256 tokenId) internal view returns (uint32) {
        return _pieces[tokenId].parentSeq;
    }

    /// @dev The live piece with id `tokenId`; reverts if there is none.
    function _pieceOf(uint256 tokenId) internal view returns (Piece memory piece) {
        piece = _pieces[tokenId];
        if (piece.owner == address(0)) revert ERC721NonexistentToken(tokenId);
    }

    function _exists(uint256 tokenId) internal view returns (bool) {
        return _pieces[tokenId].owner != address(0);
    }

    /// @dev Hook: revert unless value or a token may move from `owner` to `to` within `slot`.
    function _authorizeMove(address owner, address to, uint256 slot) internal view virtual;

    /// @dev Hook: revert unless `caller`, which holds authority over another owner's token (as its operator, its
    /// approved address, a value spender or the system operator), may use it. The owner's own moves skip it.
    function _authorizeCaller(address caller) internal view virtual;

    /// @dev Hook: the id of the next new token of `slot`.
    function _allocateTokenId(uint256 slot) internal virtual returns (uint256);

    function _checkValue(uint256 tokenId, uint64 available, uint256 value) private pure {
        if (value == 0) revert ERC3525ZeroValue();
        if (value > available) revert ERC3525InsufficientValue(tokenId, available, value);
    }

    /// @dev Lowers a token's value after value left it; a token left empty is burned so that no token of
    /// value 0 stays live. The burn moves no value (all of it went to the other token), so its {TransferValue}
    /// to token 0 carries 0: a reader summing value transfers never counts the value twice.
    function _reduce(uint256 tokenId, Piece memory piece, uint256 value) private {
        uint64 remaining = piece.value - uint64(value);
        if (remaining != 0) {
            _pieces[tokenId] = Piece({owner: piece.owner, value: remaining, parentSeq: piece.parentSeq});
            return;
        }
        emit TransferValue(tokenId, 0, 0);
        _destroy(tokenId, piece.owner, piece.parentSeq);
    }

    /// @dev Ends a token whose value has been accounted for. Emits {Transfer} to the zero address.
    function _destroy(uint256 tokenId, address owner, uint32 parentSeq) private {
        // Keep the parent link of the burned piece so that lineage through it can still be walked on chain.
        _pieces[tokenId] = Piece({owner: address(0), value: 0, parentSeq: parentSeq});
        unchecked {
            --_holdingCounts[owner];
        }
        emit Transfer(owner, address(0), tokenId);
    }

    /// @dev The owner, its operators and the token's approved address may move any value; anyone else needs
    /// a value allowance, which is spent. Whoever is not the owner must also pass `_authorizeCaller`.
    function _spendAuthority(address owner, uint256 tokenId, uint256 value) private {
        if (msg.sender == owner) return;
        if (_isAuthorized(owner, msg.sender, tokenId)) {
            _authorizeCaller(msg.sender);
            return;
        }
        mapping(address operator => uint256) storage allowances =
            _valueAllowances[tokenId][_tokenApprovals[tokenId].holding];
        uint256 allowed = allowances[msg.sender];
        if (allowed < value) revert ERC3525InsufficientAllowance(tokenId, msg.sender, allowed, value);
        _authorizeCaller(msg.sender);
        if (allowed != type(uint256).max) {
            unchecked {
                allowed -= value;
            }
            allowances[msg.sender] = allowed;
            emit ApprovalValue(tokenId, msg.sender, allowed);
        }
    }

    function _isAuthorized(address owner, address spender, uint256 tokenId) private view returns (bool) {
        // The system operator is asked second: its word is one every move reads anyway, while the two approval
        // mappings would be cold reads on the financing path.
        return spender == owner || _isSystemOperator(spender) || _operatorApprovals[owner][spender]
            || _tokenApprovals[tokenId].approved == spender;
    }

    /// @dev Hook: whether `spender` may move any token (a contract that checks consent itself).
    function _isSystemOperator(address spender) internal view virtual returns (bool);

    /// @dev Burns a live piece whatever its value, keeping its parent link. Emits {TransferValue} to token 0 and
    /// {Transfer} to the zero address.
    function _burn(uint256 tokenId) internal returns (Piece memory piece) {
        piece = _pieceOf(tokenId);
        emit TransferValue(tokenId, 0, piece.value);
        _destroy(tokenId, piece.owner, piece.parentSeq);
    }
}
