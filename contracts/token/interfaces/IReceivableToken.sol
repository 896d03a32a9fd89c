// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {IERC3525} from "./IERC3525.sol";

/// @title Chainbill receivable token
/// @notice One slot per receivable an anchor has confirmed; each token id is one piece of it. Pieces are
/// split and passed up the supply chain, every piece keeping the anchor as debtor, the maturity, and a
/// link to its parent.
interface IReceivableToken is IERC3525 {
    /// @notice What an anchor confirms.
    /// @param supplier The supplier's address, which receives the first piece; the invoice's seller.
    /// @param faceValue The amount owed, in the currency's minor unit.
    /// @param maturity When it is due (unix seconds).
    /// @param currency ISO 4217 code, e.g. "CNY".
    /// @param invoiceHash Salted hash of the invoice document.
    /// @param logisticsHash Salted hash of the logistics-proof document.
    /// @param invoiceNumber The invoice number in normalised form (see `MAX_INVOICE_NUMBER_LENGTH`); with the
    /// supplier's legal-entity id it makes the invoice fingerprint the chain keeps unique.
    /// @param sellerConsent The supplier's EIP-712 `InvoiceUse` signature naming the caller as buyer (64 or 65
    /// bytes; for a contract supplier, whatever its ERC-1271 `isValidSignature` accepts).
    struct Confirmation {
        address supplier;
        uint256 faceValue;
        uint256 maturity;
        bytes3 currency;
        bytes32 invoiceHash;
        bytes32 logisticsHash;
        string invoiceNumber;
        bytes sellerConsent;
    }

    /// @notice What a confirmation registered, as {ReceivableConfirmed} reports it: the confirmed terms and the
    /// invoice fingerprint the chain derived (the consent signature is not repeated).
    struct ConfirmationRecord {
        address supplier;
        uint256 faceValue;
        uint256 maturity;
        bytes3 currency;
        bytes32 invoiceHash;
        bytes32 logisticsHash;
        bytes32 invoiceFingerprint;
    }

    /// @notice The documents of the trade between two holders that justify a transfer; the recipient is the
    /// invoice's seller.
    /// @param invoiceNumber The invoice number in normalised form.
    /// @param invoiceHash Salted hash of the invoice document.
    /// @param logisticsHash Salted hash of the logistics-proof document.
    /// @param sellerConsent The recipient's EIP-712 `InvoiceUse` signature naming the caller as buyer; empty
    /// when the recipient itself calls.
    struct TradeProof {
        string invoiceNumber;
        bytes32 invoiceHash;
        bytes32 logisticsHash;
        bytes sellerConsent;
    }

    /// @notice The contracts the token trusts for one job each.
    enum SystemContract {
        FINANCING,
        SETTLEMENT
    }

    /// @notice What financing and settlement need of a slot, from the one word every move reads.
    struct SlotState {
        uint32 anchorId;
        uint64 faceValue;
        uint40 maturity;
        uint32 pieceCount;
    }

    /// @notice An anchor's credit line (授信额度): the most it may owe on confirmed receivables at once, what it owes
    /// now (confirmed minus repaid), and the date the operator set for the line's next review. `reviewDate` is 0
    /// for an anchor that has never had a line (it cannot confirm).
    struct CreditLine {
        uint64 limit;
        uint64 outstanding;
        uint40 reviewDate;
    }

    /// @notice A confirmed receivable (a slot), as the tracing views return it.
    struct ReceivableView {
        uint32 anchorId;
        uint32 supplierId;
        uint64 faceValue;
        uint40 maturity;
        bytes3 currency;
        uint32 pieceCount;
        bytes32 documentsHash;
    }

    /// @notice Emitted when an anchor confirms a receivable; `tokenId` is its first piece, `anchor` the address
    /// that confirmed, and `confirmation` everything confirmed, document hashes and fingerprint included.
    event ReceivableConfirmed(
        uint256 indexed slot,
        uint256 indexed tokenId,
        uint32 indexed anchorId,
        uint32 supplierId,
        address anchor,
        ConfirmationRecord confirmation
    );

    /// @notice Emitted when a transfer anchors the trade proof (invoice and waybill between the two holders)
    /// behind the piece it created.
    event TradeProofRecorded(
        uint256 indexed tokenId, bytes32 indexed invoiceFingerprint, bytes32 invoiceHash, bytes32 logisticsHash
    );

    /// @notice Emitted when the operator sets an anchor's credit line; `outstanding` is what the anchor owes at that
    /// moment, which a lower line never changes.
    event CreditLineSet(uint32 indexed anchorId, uint256 limit, uint256 reviewDate, uint256 outstanding);

    /// @notice Emitted when a repayment frees part of an anchor's line; `outstanding` is what it still owes. (A
    /// confirmation's use of the line is {ReceivableConfirmed}: its face value, added to the anchor's outstanding.)
    event CreditLineReleased(uint32 indexed anchorId, uint256 indexed slot, uint256 amount, uint256 outstanding);

    /// @notice Emitted when the operator binds the financing or settlement contract (once each).
    event SystemContractBound(SystemContract indexed kind, address indexed account);

    /// @notice The caller is not an active member holding the ANCHOR role.
    error ReceivableUnauthorizedAnchor(address caller);
    /// @notice The supplier is not an active member holding the SUPPLIER role.
    error ReceivableIneligibleSupplier(address supplier);
    /// @notice An anchor cannot confirm a receivable owed to itself.
    error ReceivableSelfConfirmation(uint32 memberId);
    /// @notice The owner of the source token is not an active member (suspended, KYC lapsed, or removed).
    error ReceivableIneligibleSender(address owner);
    /// @notice The recipient is not an active member holding the SUPPLIER or FACTOR role.
    error ReceivableIneligibleRecipient(address recipient);
    /// @notice The caller moves another address's piece (as an operator, approved address or value spender) but
    /// is neither an active member nor one of the system's own contracts.
    error ReceivableIneligibleCaller(address caller);
    /// @notice The caller is not an active operator.
    error ReceivableUnauthorizedOperator(address caller);
    /// @notice The face value does not fit the 64 bits a piece's value is stored in.
    error ReceivableFaceValueTooLarge(uint256 faceValue, uint256 maximum);
    /// @notice The maturity is not in the future, or is further off than the longest allowed tenor.
    error ReceivableInvalidMaturity(uint256 maturity, uint256 blockTime);
    /// @notice The currency code is empty.
    error ReceivableZeroCurrency();
    /// @notice A document hash is zero.
    error ReceivableMissingDocumentHash();
    /// @notice The invoice number is empty, too long, or has a byte outside printable ASCII without lower case
    /// (0x21-0x7E except a-z): it is not in the normalised form the fingerprint is defined over.
    error ReceivableInvoiceNumberNotNormalised(string invoiceNumber);
    /// @notice The seller's consent to this use of its invoice is missing or signed by another account
    /// (`signer`, zero when the signature is malformed).
    error ReceivableInvoiceConsentInvalid(address seller, address signer);
    /// @notice This invoice already backs a confirmation or transfer (token `tokenId`).
    error ReceivableInvoiceAlreadyUsed(bytes32 invoiceFingerprint, uint256 tokenId);
    /// @notice The receivable has matured: nothing moves any more except claims.
    error ReceivableMatured(uint256 slot, uint256 maturity);
    /// @notice The receivable already has as many pieces as a token id can number.
    error ReceivablePieceLimitReached(uint256 slot);
    /// @notice The slot does not exist.
    error ReceivableNonexistentSlot(uint256 slot);
    /// @notice The system contract is already bound, or the address is zero.
    error ReceivableSystemContractNotBindable(SystemContract kind, address current);
    /// @notice Only the bound settlement contract may do this.
    error ReceivableOnlySettlement(address caller);
    /// @notice The confirmation would take the anchor's outstanding (confirmed minus repaid) above its credit line.
    error ReceivableCreditLineExceeded(uint32 anchorId, uint256 limit, uint256 outstanding, uint256 amount);
    /// @notice The anchor has no credit line: the operator has never set one, so it cannot confirm.
    error ReceivableNoCreditLine(uint32 anchorId);
    /// @notice A credit line is set only for a member holding the ANCHOR role.
    error ReceivableCreditLineNotAnchor(uint32 memberId);
    /// @notice The line does not fit 64 bits, or the review date is not after the block's time or does not fit
    /// 40 bits.
    error ReceivableInvalidCreditLine(uint256 limit, uint256 reviewDate, uint256 blockTime);

    /// @notice Confirm that the caller's organisation owes `c.supplier` `c.faceValue` at `c.maturity`.
    /// Irrevocable: nothing lets the anchor cancel or change it afterwards.
    /// @dev Requirements: not paused; caller is an active ANCHOR; supplier an active SUPPLIER of another member;
    /// face value in (0, 2^64); maturity in the future and within the longest tenor; currency and hashes
    /// non-zero; invoice number normalised; the supplier's valid consent naming the caller; the fingerprint of
    /// the supplier's legal-entity id and the number never used before; the anchor has a credit line and its
    /// outstanding plus the face value stays within it. Adds the face value to the anchor's outstanding. Emits
    /// {ReceivableConfirmed}, {Transfer}, {SlotChanged}, {TransferValue}.
    /// @param c The confirmation.
    /// @return slot The new receivable's slot.
    /// @return tokenId Its first piece, owned by the supplier.
    function confirm(Confirmation calldata c) external returns (uint256 slot, uint256 tokenId);

    /// @notice Split `value` off `fromTokenId` into a new piece for `to`, recording the trade proof that
    /// justifies the transfer. The invoice's fingerprint, derived from `to`'s legal-entity id and the invoice
    /// number, is registered forever.
    /// @dev Requirements: as `transferFrom(uint256,address,uint256)`; plus hashes non-zero, invoice number
    /// normalised, `to`'s valid consent naming the caller unless `to` calls, and the fingerprint never used
    /// before. Emits {TradeProofRecorded} besides the transfer events.
    /// @param fromTokenId The source piece.
    /// @param to The recipient.
    /// @param value The value passed.
    /// @param proof The trade proof between the source's owner and `to`.
    /// @return newTokenId The new piece.
    function transferWithProof(uint256 fromTokenId, address to, uint256 value, TradeProof calldata proof)
        external
        returns (uint256 newTokenId);

    /// @notice Bind the financing or the settlement contract, once. The financing contract may move pieces
    /// (it does so only with the holder's consent and the verifier's attestation); the settlement contract may
    /// burn pieces it has paid in full. Requirements: caller is an active operator; not bound yet; non-zero.
    /// Emits {SystemContractBound}.
    /// @param kind Which contract.
    /// @param account Its address.
    function bindSystemContract(SystemContract kind, address account) external;

    /// @notice Burn a piece its holder has been paid in full for. Works after maturity, while paused and for
    /// suspended holders. Requirements: caller is the bound settlement contract; the piece exists.
    /// Emits {TransferValue} to token 0 with the value redeemed and {Transfer} to the zero address.
    /// @param tokenId The piece.
    /// @return holder Who held the piece, the one settlement pays.
    /// @return value The piece's value when burned.
    function redeem(uint256 tokenId) external returns (address holder, uint256 value);

    /// @notice Set an anchor's credit line and its next review date. A line below what the anchor already owes is
    /// allowed: nothing confirmed changes, and the anchor confirms again once repayments bring its outstanding
    /// under the new line. Works while paused. Requirements: caller is an active operator; the member holds the
    /// ANCHOR role (any status); the line fits 64 bits; the review date is after the block's time and fits 40 bits.
    /// Emits {CreditLineSet}.
    /// @param anchorId The anchor's member id.
    /// @param limit The most the anchor may owe at once, in the currency's minor unit.
    /// @param reviewDate When the operator reviews the line next (unix seconds); informative, not an expiry.
    function setCreditLine(uint32 anchorId, uint256 limit, uint256 reviewDate) external;

    /// @notice Free `amount` of the line of the slot's anchor, which has repaid it. Requirements: caller is the bound
    /// settlement contract; the slot exists. Emits {CreditLineReleased}.
    /// @param slot The receivable repaid.
    /// @param amount What was repaid.
    function releaseCredit(uint256 slot, uint256 amount) external;

    /// @notice An anchor's credit line, what it owes now and the line's review date (all zero: no line).
    /// @param anchorId The anchor's member id.
    function creditLine(uint32 anchorId) external view returns (CreditLine memory);

    /// @notice The bound contract of a kind, or the zero address.
    /// @param kind Which contract.
    function systemContract(SystemContract kind) external view returns (address);

    /// @notice Stop every transfer, split and merge. Requirements: caller is an active operator.
    function pause() external;

    /// @notice Resume transfers. Requirements: caller is an active operator.
    function unpause() external;

    /// @notice The piece a token was split from, or 0 for a receivable's first piece. Answers for burned
    /// pieces too; reverts for an id that was never created.
    /// @param tokenId The token.
    function parentOf(uint256 tokenId) external view returns (uint256);

    /// @notice The receivable's first piece, from which every piece of the slot descends.
    /// @param tokenId The token.
    function rootOf(uint256 tokenId) external view returns (uint256);

    /// @notice A confirmed receivable's terms and the commitment to its document hashes (see `documentsHashOf`).
    /// @param slot The slot.
    function receivable(uint256 slot) external view returns (ReceivableView memory);

    /// @notice A slot's state for financing and settlement, in one storage read. Reverts for an unknown slot.
    /// @param slot The slot.
    function slotState(uint256 slot) external view returns (SlotState memory);

    /// @notice A live piece's owner and value in one call. Reverts for a piece that is not live.
    /// @param tokenId The piece.
    function pieceOf(uint256 tokenId) external view returns (address owner, uint256 value);

    /// @notice The commitment a receivable stores for its invoice and logistics-proof hashes.
    /// @param invoiceHash Salted hash of the invoice document.
    /// @param logisticsHash Salted hash of the logistics-proof document.
    function documentsHashOf(bytes32 invoiceHash, bytes32 logisticsHash) external pure returns (bytes32);

    /// @notice The fingerprint the chain registers for a seller's invoice: keccak256 of the ABI encoding of the
    /// seller's legal-entity-id hash (from the registry) and the normalised invoice number. Reverts for a number
    /// that is not normalised.
    /// @param seller Any address of the seller.
    /// @param invoiceNumber The invoice number in normalised form.
    function invoiceFingerprintOf(address seller, string calldata invoiceNumber) external view returns (bytes32);

    /// @notice The token an invoice fingerprint backs, or 0 if it has never been used.
    /// @param invoiceFingerprint The fingerprint.
    function invoiceUse(bytes32 invoiceFingerprint) external view returns (uint256);

    /// @notice How many receivables have been confirmed; slots run from 1 to this number.
    function slotCount() external view returns (uint256);

    /// @notice Whether a token exists (is live).
    /// @param tokenId The token.
    function exists(uint256 tokenId) external view returns (bool);
}
