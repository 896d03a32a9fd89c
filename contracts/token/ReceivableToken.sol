// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IMemberRegistry} from "../access/IMemberRegistry.sol";
import {AuthorizationWord} from "../access/AuthorizationWord.sol";
import {IReceivableToken} from "./interfaces/IReceivableToken.sol";
import {PackedERC3525} from "./PackedERC3525.sol";

/// @title ReceivableToken
/// @notice The anchor's confirmed promise to pay, as an ERC-3525 token: one slot per receivable, one token
/// per piece. Only active members move or receive pieces, nothing moves after maturity, and an invoice
/// backs at most one confirmation or transfer, ever: its fingerprint is derived here from the seller's registered
/// legal-entity id and the invoice number, and only the seller, or a buyer holding the seller's signed consent,
/// can register it.
/// @dev EIP712 is inherited before Pausable: its two storage strings then come before Pausable's flag, which keeps
/// sharing a word with `_slotCount` and `_financing` (declared first below); the other order costs every move and
/// every funding a cold storage read.
contract ReceivableToken is PackedERC3525, EIP712, Pausable, IReceivableToken {
    using AuthorizationWord for uint256;

    /// @notice The longest time from confirmation to maturity.
    uint256 public constant MAX_TENOR = 3650 days;
    /// @notice The longest invoice number, in bytes (a fapiao number has 8 to 20 digits).
    uint256 public constant MAX_INVOICE_NUMBER_LENGTH = 64;
    /// @notice The seller's consent that `buyer` registers its invoice `invoiceNumber` with the invoice document
    /// `invoiceHash`: the buyer confirming it (the anchor) or paying it with a piece. It can serve once only,
    /// since the invoice registers once, and only for the named buyer and document.
    bytes32 public constant INVOICE_USE_TYPEHASH =
        keccak256("InvoiceUse(string invoiceNumber,bytes32 invoiceHash,address buyer)");

    uint32 private constant _ANCHOR = uint32(1) << uint8(IMemberRegistry.Role.ANCHOR);
    uint32 private constant _SUPPLIER = uint32(1) << uint8(IMemberRegistry.Role.SUPPLIER);
    /// @dev Roles that may hold pieces: suppliers of any tier, and factors who bought them.
    uint32 private constant _HOLDER_ROLES = _SUPPLIER | (uint32(1) << uint8(IMemberRegistry.Role.FACTOR));

    /// @dev What every move reads, in one word: 32 + 32 + 40 + 32 + 64 + 24 = 224 bits. Parties are member ids
    /// (uint32, as in the registry), not addresses, so the organisation stays the debtor when it changes
    /// keys; 40-bit seconds reach the year 36812; `lastSeq` is the highest piece sequence used so far.
    struct Receivable {
        uint32 anchorId;
        uint32 supplierId;
        uint40 maturity;
        uint32 lastSeq;
        uint64 faceValue;
        bytes3 currency;
    }

    /// @notice The permission layer every move consults.
    IMemberRegistry public immutable registry;


    /// @dev Declared first so that it shares a storage word with Pausable's flag, which `confirm` reads anyway.
    /// 64 bits number more receivables than any network will confirm.
    uint64 internal _slotCount;
    /// @dev Bound once each by the operator. The financing contract shares the word above (8 + 64 + 160 bits
    /// with the pause flag), which every move has already read by the time it is consulted.
    address private _financing;
    address private _settlement;
    mapping(uint256 slot => Receivable) internal _receivables;
    /// @dev One word per receivable commits to both document hashes; the hashes themselves are in
    /// {TradeProofRecorded}. Storing them separately would cost a second new word on every confirmation.
    mapping(uint256 slot => bytes32) internal _documentsHashes;
    mapping(bytes32 invoiceFingerprint => uint256 tokenId) private _invoiceUses;
    /// @dev One word per anchor (64 + 64 + 40 bits), set non-zero by the operator before the anchor's first
    /// confirmation (the review date is never 0 once set), so that each confirmation's update of the outstanding
    /// rewrites a non-zero word: 2,100 + 2,900 gas, never 22,100.
    mapping(uint256 anchorId => CreditLine) private _creditLines;

    modifier onlyOperator() {
        if (!registry.hasRole(msg.sender, IMemberRegistry.Role.OPERATOR)) {
            revert ReceivableUnauthorizedOperator(msg.sender);
        }
        _;
    }

    /// @notice Deploys the token over a member registry.
    /// @param memberRegistry The registry that says who may hold and move pieces.
    /// @param valueDecimals_ Decimals of the minor unit values are kept in (2 for CNY fen).
    constructor(IMemberRegistry memberRegistry, uint8 valueDecimals_)
        PackedERC3525("Chainbill Receivable", "CBR", valueDecimals_)
        EIP712("Chainbill Receivable", "1")
    {
        registry = memberRegistry;
    }

    /// @inheritdoc IReceivableToken
    function confirm(Confirmation calldata c) external whenNotPaused returns (uint256 slot, uint256 tokenId) {
        (uint256 anchor, uint256 supplier) = registry.authorizationWordsOf(msg.sender, c.supplier);
        if (!anchor.activeWithAnyRole(_ANCHOR)) revert ReceivableUnauthorizedAnchor(msg.sender);
        if (!supplier.activeWithAnyRole(_SUPPLIER)) revert ReceivableIneligibleSupplier(c.supplier);
        uint32 anchorId = anchor.memberId();
        uint32 supplierId = supplier.memberId();
        if (supplierId == anchorId) revert ReceivableSelfConfirmation(anchorId);
        if (c.faceValue == 0) revert ERC3525ZeroValue();
        if (c.faceValue > type(uint64).max) revert ReceivableFaceValueTooLarge(c.faceValue, type(uint64).max);
        if (c.maturity <= block.timestamp || c.maturity > block.timestamp + MAX_TENOR) {
            revert ReceivableInvalidMaturity(c.maturity, block.timestamp);
        }
        if (c.currency == bytes3(0)) revert ReceivableZeroCurrency();
        if (c.invoiceHash == 0 || c.logisticsHash == 0) revert ReceivableMissingDocumentHash();
        bytes32 fingerprint = _registerableInvoice(c.supplier, c.invoiceNumber, c.invoiceHash, c.sellerConsent);
        _drawCredit(anchorId, c.faceValue);

        slot = ++_slotCount;
        tokenId = (slot << _SEQ_BITS) | 1;
        _receivables[slot] = Receivable({
            anchorId: anchorId,
            supplierId: supplierId,
            maturity: uint40(c.maturity),
            lastSeq: 1,
            faceValue: uint64(c.faceValue),
            currency: c.currency
        });
        _documentsHashes[slot] = documentsHashOf(c.invoiceHash, c.logisticsHash);
        _invoiceUses[fingerprint] = tokenId;
        emit ReceivableConfirmed(
            slot,
            tokenId,
            anchorId,
            supplierId,
            msg.sender,
            ConfirmationRecord({
                supplier: c.supplier,
                faceValue: c.faceValue,
                maturity: c.maturity,
                currency: c.currency,
                invoiceHash: c.invoiceHash,
                logisticsHash: c.logisticsHash,
                invoiceFingerprint: fingerprint
            })
        );
        _mint(c.supplier, tokenId, uint64(c.faceValue));
    }

    /// @inheritdoc IReceivableToken
    function transferWithProof(uint256 fromTokenId, address to, uint256 value, TradeProof calldata proof)
        external
        returns (uint256 newTokenId)
    {
        if (proof.invoiceHash == 0 || proof.logisticsHash == 0) revert ReceivableMissingDocumentHash();
        bytes32 fingerprint = _registerableInvoice(to, proof.invoiceNumber, proof.invoiceHash, proof.sellerConsent);
        newTokenId = _split(fromTokenId, to, value);
        _invoiceUses[fingerprint] = newTokenId;
        emit TradeProofRecorded(newTokenId, fingerprint, proof.invoiceHash, proof.logisticsHash);
        _checkOnERC3525Received(fromTokenId, newTokenId, value, to);
    }

    /// @inheritdoc IReceivableToken
    function bindSystemContract(SystemContract kind, address account) external onlyOperator {
        address current = kind == SystemContract.FINANCING ? _financing : _settlement;
        if (current != address(0) || account == address(0)) revert ReceivableSystemContractNotBindable(kind, current);
        if (kind == SystemContract.FINANCING) _financing = account;
        else _settlement = account;
        emit SystemContractBound(kind, account);
    }

    /// @inheritdoc IReceivableToken
    function setCreditLine(uint32 anchorId, uint256 limit, uint256 reviewDate) external onlyOperator {
        if ((registry.member(anchorId).roles & _ANCHOR) == 0) revert ReceivableCreditLineNotAnchor(anchorId);
        if (limit > type(uint64).max || reviewDate <= block.timestamp || reviewDate > type(uint40).max) {
            revert ReceivableInvalidCreditLine(limit, reviewDate, block.timestamp);
        }
        CreditLine storage line = _creditLines[anchorId];
        line.limit = uint64(limit);
        line.reviewDate = uint40(reviewDate);
        emit CreditLineSet(anchorId, limit, reviewDate, line.outstanding);
    }

    /// @inheritdoc IReceivableToken
    function releaseCredit(uint256 slot, uint256 amount) external {
        if (msg.sender != _settlement) revert ReceivableOnlySettlement(msg.sender);
        uint32 anchorId = _receivables[slot].anchorId;
        if (anchorId == 0) revert ReceivableNonexistentSlot(slot);
        CreditLine storage line = _creditLines[anchorId];
        // Settlement refuses to take more than a slot still owes, and every confirmation added its face value
        // here, so this never underflows; if it did, the checked subtraction would refuse the repayment.
        uint256 outstanding = uint256(line.outstanding) - amount;
        line.outstanding = uint64(outstanding);
        emit CreditLineReleased(anchorId, slot, amount, outstanding);
    }

    /// @inheritdoc IReceivableToken
    function creditLine(uint32 anchorId) external view returns (CreditLine memory) {
        return _creditLines[anchorId];
    }

    /// @inheritdoc IReceivableToken
    function redeem(uint256 tokenId) external returns (address holder, uint256 value) {
        if (msg.sender != _settlement) revert ReceivableOnlySettlement(msg.sender);
        Piece memory piece = _burn(tokenId);
        return (piece.owner, piece.value);
    }

    /// @inheritdoc IReceivableToken
    function slotState(uint256 slot) external view returns (SlotState memory) {
        Receivable memory terms = _receivables[slot];
        if (terms.faceValue == 0) revert ReceivableNonexistentSlot(slot);
        return SlotState({
            anchorId: terms.anchorId,
            faceValue: terms.faceValue,
            maturity: terms.maturity,
            pieceCount: terms.lastSeq
        });
    }

    /// @inheritdoc IReceivableToken
    function pieceOf(uint256 tokenId) external view returns (address owner, uint256 value) {
        Piece memory piece = _pieceOf(tokenId);
        return (piece.owner, piece.value);
    }

    /// @inheritdoc IReceivableToken
    function systemContract(SystemContract kind) external view returns (address) {
        return kind == SystemContract.FINANCING ? _financing : _settlement;
    }

    /// @inheritdoc IReceivableToken
    function pause() external onlyOperator {
        _pause();
    }

    /// @inheritdoc IReceivableToken
    function unpause() external onlyOperator {
        _unpause();
    }

    /// @inheritdoc IReceivableToken
    /// @dev Answers for burned pieces too, so lineage can be walked through pieces a split emptied.
    function parentOf(uint256 tokenId) external view returns (uint256) {
        uint256 slot = tokenId >> _SEQ_BITS;
        uint32 sequence = uint32(tokenId);
        if (sequence == 0 || sequence > _receivables[slot].lastSeq) revert ERC721NonexistentToken(tokenId);
        uint32 parentSeq = _parentSeqOf(tokenId);
        return parentSeq == 0 ? 0 : (slot << _SEQ_BITS) | parentSeq;
    }

    /// @inheritdoc IReceivableToken
    function rootOf(uint256 tokenId) external view returns (uint256) {
        _pieceOf(tokenId);
        return ((tokenId >> _SEQ_BITS) << _SEQ_BITS) | 1;
    }

    /// @inheritdoc IReceivableToken
    function receivable(uint256 slot) external view returns (ReceivableView memory) {
        if (slot == 0 || slot > _slotCount) revert ReceivableNonexistentSlot(slot);
        Receivable memory terms = _receivables[slot];
        return ReceivableView({
            anchorId: terms.anchorId,
            supplierId: terms.supplierId,
            faceValue: terms.faceValue,
            maturity: terms.maturity,
            currency: terms.currency,
            pieceCount: terms.lastSeq,
            documentsHash: _documentsHashes[slot]
        });
    }

    /// @inheritdoc IReceivableToken
    function documentsHashOf(bytes32 invoiceHash, bytes32 logisticsHash) public pure returns (bytes32) {
        return keccak256(abi.encode(invoiceHash, logisticsHash));
    }

    /// @inheritdoc IReceivableToken
    function invoiceFingerprintOf(address seller, string calldata invoiceNumber) external view returns (bytes32) {
        (bytes32 fingerprint,) = _invoiceFingerprint(seller, invoiceNumber);
        return fingerprint;
    }

    /// @inheritdoc IReceivableToken
    function invoiceUse(bytes32 invoiceFingerprint) external view returns (uint256) {
        return _invoiceUses[invoiceFingerprint];
    }

    /// @inheritdoc IReceivableToken
    function slotCount() external view returns (uint256) {
        return _slotCount;
    }

    /// @inheritdoc IReceivableToken
    function exists(uint256 tokenId) external view returns (bool) {
        return _exists(tokenId);
    }

    /// @dev Pause, maturity, then the registry: the sender must be an active member (a suspended one keeps
    /// what it holds but cannot move it) and the recipient an active holder.
    function _authorizeMove(address owner, address to, uint256 slot) internal view override {
        _requireNotPaused();
        uint40 maturity = _receivables[slot].maturity;
        if (block.timestamp >= maturity) revert ReceivableMatured(slot, maturity);
        (uint256 sender, uint256 recipient) = registry.authorizationWordsOf(owner, to);
        if (!sender.isActive()) revert ReceivableIneligibleSender(owner);
        if (!recipient.activeWithAnyRole(_HOLDER_ROLES)) revert ReceivableIneligibleRecipient(to);
    }

    /// @dev A caller moving another address's piece (operator, approved address, value spender) must itself be an
    /// active member, or the financing contract, which checks the holder's consent itself: an approval does not
    /// let an outsider, or a suspended member, act on the network.
    function _authorizeCaller(address caller) internal view override {
        if (caller != _financing && !registry.isActiveMember(caller)) revert ReceivableIneligibleCaller(caller);
    }

    function _isSystemOperator(address spender) internal view override returns (bool) {
        return spender == _financing && spender != address(0);
    }

    function _allocateTokenId(uint256 slot) internal override returns (uint256) {
        Receivable storage terms = _receivables[slot];
        uint32 lastSeq = terms.lastSeq;
        if (lastSeq == type(uint32).max) revert ReceivablePieceLimitReached(slot);
        unchecked {
            terms.lastSeq = lastSeq + 1;
        }
        return (slot << _SEQ_BITS) | (lastSeq + 1);
    }

    /// @dev Adds a confirmation's face value to the anchor's outstanding, refusing it when the anchor has no line or
    /// the sum would exceed the line. One word read and rewritten.
    function _drawCredit(uint32 anchorId, uint256 faceValue) private {
        CreditLine memory line = _creditLines[anchorId];
        if (line.reviewDate == 0) revert ReceivableNoCreditLine(anchorId);
        // Both terms are below 2^64, so the sum cannot overflow; within the 64-bit limit it fits 64 bits again.
        uint256 owed = uint256(line.outstanding) + faceValue;
        if (owed > line.limit) revert ReceivableCreditLineExceeded(anchorId, line.limit, line.outstanding, faceValue);
        line.outstanding = uint64(owed);
        _creditLines[anchorId] = line;
    }

    /// @dev The checks before an invoice registers: its number normalised, the seller's consent unless the seller
    /// calls, and its fingerprint unused. Returns the fingerprint.
    function _registerableInvoice(
        address seller,
        string calldata invoiceNumber,
        bytes32 invoiceHash,
        bytes calldata sellerConsent
    ) private view returns (bytes32 fingerprint) {
        bytes32 numberHash;
        (fingerprint, numberHash) = _invoiceFingerprint(seller, invoiceNumber);
        if (msg.sender != seller) _checkSellerConsent(seller, numberHash, invoiceHash, sellerConsent);
        uint256 usedBy = _invoiceUses[fingerprint];
        if (usedBy != 0) revert ReceivableInvoiceAlreadyUsed(fingerprint, usedBy);
    }

    /// @dev The fingerprint keccak256(abi.encode(leiHash, invoiceNumber)), defined as src/proofs/fingerprint.ts
    /// defines it, and the number's own hash (for the consent), from one copy of the number. The seller's
    /// legal-entity hash comes from the registry, so no one can register an invoice under another member's name.
    function _invoiceFingerprint(address seller, string calldata invoiceNumber)
        private
        view
        returns (bytes32 fingerprint, bytes32 numberHash)
    {
        _checkNormalised(invoiceNumber);
        IMemberRegistry memberRegistry = registry;
        bytes4 leiHashOf = IMemberRegistry.leiHashOf.selector;
        assembly ("memory-safe") {
            // registry.leiHashOf(seller), answered in the scratch space.
            mstore(0x00, leiHashOf)
            mstore(0x04, seller)
            if iszero(and(gt(returndatasize(), 0x1f), staticcall(gas(), memberRegistry, 0x00, 0x24, 0x00, 0x20))) {
                returndatacopy(0x00, 0x00, returndatasize())
                revert(0x00, returndatasize())
            }
            let leiHash := mload(0x00)
            let encoded := mload(0x40)
            let length := invoiceNumber.length
            mstore(encoded, leiHash)
            mstore(add(encoded, 0x20), 0x40)
            mstore(add(encoded, 0x40), length)
            let digits := add(encoded, 0x60)
            calldatacopy(digits, invoiceNumber.offset, length)
            // abi.encode pads the string with zeros to a whole word; memory past the free pointer may be dirty.
            mstore(add(digits, length), 0)
            fingerprint := keccak256(encoded, add(0x60, and(add(length, 31), not(31))))
            numberHash := keccak256(digits, length)
        }
    }

    /// @dev An EOA seller's signature, 64 bytes (EIP-2098 compact, 140 gas less calldata) or 65, or an ERC-1271
    /// answer from a contract seller. The recovered signer goes into the error so that a wrong key shows as such.
    function _checkSellerConsent(address seller, bytes32 numberHash, bytes32 invoiceHash, bytes calldata signature)
        private
        view
    {
        bytes32 typeHash = INVOICE_USE_TYPEHASH;
        bytes32 structHash;
        assembly ("memory-safe") {
            let encoded := mload(0x40)
            mstore(encoded, typeHash)
            mstore(add(encoded, 0x20), numberHash)
            mstore(add(encoded, 0x40), invoiceHash)
            mstore(add(encoded, 0x60), caller())
            structHash := keccak256(encoded, 0x80)
        }
        bytes32 digest = _hashTypedDataV4(structHash);
        address signer;
        if (signature.length == 64) {
            (signer,,) = ECDSA.tryRecover(digest, bytes32(signature[0:32]), bytes32(signature[32:64]));
        } else if (signature.length == 65) {
            (signer,,) = ECDSA.tryRecover(
                digest, uint8(signature[64]), bytes32(signature[0:32]), bytes32(signature[32:64])
            );
        }
        // A failed recovery gives the zero address, never a seller: confirm's supplier is an active member, and
        // a transfer to the zero address is refused by the split.
        if (signer == seller) return;
        if (seller.code.length != 0 && SignatureChecker.isValidERC1271SignatureNow(seller, digest, signature)) return;
        revert ReceivableInvoiceConsentInvalid(seller, signer);
    }

    /// @dev A word (32 bytes) at a time: each byte b must have 0x21 <= b <= 0x7E and not 0x61 <= b <= 0x7A. Adding
    /// (0x80 - n) to every byte of a word whose bytes are all below 0x80 sets a byte's top bit exactly when b >= n,
    /// and no carry crosses into the next byte; the bytes past the number's end are filled with an allowed one.
    function _checkNormalised(string calldata invoiceNumber) private pure {
        uint256 length = bytes(invoiceNumber).length;
        bool normalised = length != 0 && length <= MAX_INVOICE_NUMBER_LENGTH;
        assembly ("memory-safe") {
            let bad := 0
            for { let at := 0 } lt(at, length) { at := add(at, 32) } {
                let word := calldataload(add(invoiceNumber.offset, at))
                let rest := sub(length, at)
                if lt(rest, 32) {
                    let past := sub(shl(mul(8, sub(32, rest)), 1), 1)
                    word := or(and(word, not(past)), and(0x2121212121212121212121212121212121212121212121212121212121212121, past))
                }
                let tops := 0x8080808080808080808080808080808080808080808080808080808080808080
                bad := or(bad, word) // a byte of 0x80 or above (only its top bit is kept below)
                bad := or(bad, not(add(word, 0x5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f))) // below 0x21
                bad := or(bad, add(word, 0x0101010101010101010101010101010101010101010101010101010101010101)) // above 0x7E
                bad := or( // a-z: at least 0x61 and at most 0x7A
                    bad,
                    and(
                        add(word, 0x1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f),
                        not(add(word, 0x0505050505050505050505050505050505050505050505050505050505050505))
                    )
                )
                bad := and(bad, tops)
            }
            normalised := and(normalised, iszero(bad))
        }
        if (!normalised) revert ReceivableInvoiceNumberNotNormalised(invoiceNumber);
    }
}
