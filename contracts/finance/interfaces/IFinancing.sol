// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

/// @title Chainbill financing
/// @notice A factor buys a piece (or part of one) at a discount, delivery against payment, once the holder
/// has consented and enough verifiers have attested to the trade behind it.
interface IFinancing {
    /// @notice What the holder consents to (EIP-712, signed by the holder or approved on chain). `withRecourse`
    /// is the holder's choice: the attestation must carry the same, so no factor or verifier can turn a plain
    /// sale into one with recourse against the seller (or the reverse).
    struct FundingRequest {
        uint256 tokenId;
        uint256 value;
        uint256 minPrice;
        address factor;
        bool withRecourse;
        uint256 deadline;
        uint256 nonce;
    }

    /// @notice What the verifiers attest (EIP-712); its digest is the funding's id.
    struct FundingAttestation {
        uint256 tokenId;
        address holder;
        address factor;
        uint256 value;
        uint256 price;
        bytes32 invoiceHash;
        bytes32 logisticsHash;
        bytes32 tradeProofHash;
        bool withRecourse;
        uint256 deadline;
        uint256 nonce;
    }

    /// @notice How a funding's recourse stands: none (a plain sale), available (sold with recourse, not yet
    /// demanded), recorded (the factor demanded it; the seller may pay it, in one or more payments).
    enum Recourse {
        NONE,
        AVAILABLE,
        RECORDED
    }

    /// @notice The stored record of a funding, in one word: 32 + 32 + 64 + 40 + 8 + 32 + 48 = 256 bits. It is
    /// kept under the holder's request nonce (which the attestation repeats), so the one word is at once the
    /// record, the spent consent and the proof that the attestation was used. `attestationTag` is the first six
    /// bytes of the funding id, enough to tell a replayed attestation from a reused nonce in an error; it
    /// authenticates nothing (a factor can search 48 bits). A funding with recourse also keeps its whole id in a
    /// second word, which is what `recordRecourse` checks. A nonce the holder withdrew has an otherwise empty
    /// record with `fundedAt` = type(uint40).max.
    struct FundingRecord {
        uint32 factorId;
        uint32 sellerId;
        uint64 price;
        uint40 fundedAt;
        Recourse recourse;
        uint32 fundedSeq;
        bytes6 attestationTag;
    }

    /// @notice Emitted when a factor funds a piece; `fundedTokenId` is the piece the factor now holds.
    event Funded(
        bytes32 indexed fundingId,
        uint256 indexed tokenId,
        address indexed factor,
        address holder,
        uint256 fundedTokenId,
        uint256 value,
        uint256 price,
        bool withRecourse
    );
    /// @notice Emitted when a holder approves a funding request on chain instead of signing it.
    event RequestApproved(bytes32 indexed requestDigest, address indexed holder);
    /// @notice Emitted when a holder withdraws a request nonce before it is used.
    event NonceInvalidated(address indexed holder, uint256 nonce);
    /// @notice Emitted when the operator changes how many distinct verifiers must sign.
    event RequiredVerifiersSet(uint256 required);
    /// @notice Emitted when a factor records a recourse claim against the seller of an overdue piece.
    event RecourseRecorded(
        bytes32 indexed fundingId, uint32 indexed factorId, uint32 indexed sellerId, uint256 fundedTokenId, uint256 amount
    );

    /// @notice Emitted when the seller pays the factor `amount` of the unpaid part of a piece it sold with recourse;
    /// `paidTotal` is all it has paid on that piece. From then on its share of the piece's later claims is its own
    /// (Settlement's {ISettlement-RecourseTaken} and {ISettlement-RecourseClaimRouted}).
    event RecoursePaid(
        bytes32 indexed fundingId,
        uint32 indexed factorId,
        uint32 indexed sellerId,
        uint256 fundedTokenId,
        uint256 amount,
        uint256 paidTotal
    );

    /// @notice The caller is not an active operator.
    error FinancingUnauthorizedOperator(address caller);
    /// @notice The token created another piece than the one the funding record names (cannot happen unless the
    /// token misbehaves).
    error FinancingUnexpectedPiece(uint256 recorded, uint256 delivered);
    /// @notice The attestation's deadline has passed.
    error FinancingAttestationExpired(uint256 deadline, uint256 blockTime);
    /// @notice The attestation was already used.
    error FinancingAttestationReplayed(bytes32 fundingId);
    /// @notice The caller is not an active member holding the FACTOR role.
    error FinancingNotFactor(address caller);
    /// @notice The caller is not the factor the attestation and request name.
    error FinancingFactorMismatch(address caller, address attestedFactor, address requestedFactor);
    /// @notice The piece's owner is not the holder the attestation names.
    error FinancingHolderMismatch(uint256 tokenId, address attestedHolder, address owner);
    /// @notice The attestation must carry the holder's request nonce.
    error FinancingNonceMismatch(uint256 requestNonce, uint256 attestedNonce);
    /// @notice A factor cannot buy a piece from its own organisation.
    error FinancingSelfFunding(uint32 memberId);
    /// @notice A verifier cannot attest a funding its own organisation is party to.
    error FinancingConflictedVerifier(uint32 memberId);
    /// @notice The attestation's recourse term is not the one the holder's request consents to.
    error FinancingRecourseMismatch(bool requested, bool attested);
    /// @notice The request and the attestation disagree on the piece or the value.
    error FinancingRequestMismatch(uint256 requestTokenId, uint256 attestedTokenId, uint256 requestValue, uint256 attestedValue);
    /// @notice The value is zero.
    error FinancingZeroValue();
    /// @notice The price is above the value bought.
    error FinancingPriceAboveValue(uint256 price, uint256 value);
    /// @notice The price is below the holder's minimum.
    error FinancingPriceBelowMinimum(uint256 price, uint256 minPrice);
    /// @notice The holder's request has expired.
    error FinancingRequestExpired(uint256 deadline, uint256 blockTime);
    /// @notice Neither a valid holder signature nor an on-chain approval of the request.
    error FinancingMissingHolderConsent(address holder);
    /// @notice The request's nonce was used or withdrawn.
    error FinancingNonceUsed(address holder, uint256 nonce);
    /// @notice A signer is not an active VERIFIER (or signed for another chain or contract).
    error FinancingSignerNotVerifier(address signer);
    /// @notice Verifier signatures must be ordered by signer address, ascending, without repeats.
    error FinancingSignersNotAscending(address signer);
    /// @notice Two signatures come from the same verifier organisation.
    error FinancingDuplicateVerifier(uint32 memberId);
    /// @notice Fewer distinct verifiers signed than required.
    error FinancingTooFewVerifiers(uint256 signed, uint256 required);
    /// @notice The piece's receivable has matured (or is overdue): it can no longer be funded.
    error FinancingTokenMatured(uint256 tokenId, uint256 maturity);
    /// @notice Only the piece's owner may approve a request for it.
    error FinancingNotHolder(uint256 tokenId, address caller);
    /// @notice The required number of verifiers is out of range.
    error FinancingInvalidRequiredVerifiers(uint256 required);
    /// @notice No funding has this id.
    error FinancingUnknownFunding(bytes32 fundingId);
    /// @notice The funding was without recourse, or recourse was already recorded.
    error FinancingRecourseUnavailable(bytes32 fundingId);
    /// @notice Only the funding factor may record recourse.
    error FinancingNotFundingFactor(bytes32 fundingId, address caller);
    /// @notice Recourse can only be recorded once the receivable is overdue.
    error FinancingNotOverdue(uint256 slot);
    /// @notice Only the seller's organisation may pay recourse on the funding.
    error FinancingNotSeller(bytes32 fundingId, address caller);
    /// @notice The factor has not demanded recourse on the funding (or it was sold without recourse).
    error FinancingRecourseNotDemanded(bytes32 fundingId);
    /// @notice The funded piece no longer stands as bought: burned, held outside the factor's organisation, or worth
    /// more than the value funded (value merged into it).
    error FinancingRecoursePieceChanged(uint256 fundedTokenId, address owner, uint256 value);

    /// @notice Buy a piece: pays `attestation.price` from the caller to the holder and moves `attestation.value`
    /// (split off first when partial) from the holder to the caller, atomically.
    /// @dev Requirements: caller is an active FACTOR named by both request and attestation, of another
    /// organisation than the holder; attestation fresh, unused, carrying the request's nonce, signed by at least
    /// the required number of distinct active verifiers none of which belongs to the holder or the factor
    /// (signatures ordered by signer); holder owns the piece and consented (signature or on-chain approval),
    /// request fresh, nonce unused; request and attestation agree on piece, value and recourse; price <= value and >= the holder's minimum; receivable not matured; caller
    /// approved the currency. Emits {Funded}.
    /// @param request The holder's request.
    /// @param holderSignature The holder's EIP-712 signature of the request (empty if approved on chain).
    /// @param attestation The verifiers' attestation.
    /// @param verifierSignatures EIP-712 signatures of the attestation, ordered by signer address.
    /// @return fundingId The attestation's digest, the funding's id.
    /// @return fundedTokenId The piece the factor now holds.
    function fund(
        FundingRequest calldata request,
        bytes calldata holderSignature,
        FundingAttestation calldata attestation,
        bytes[] calldata verifierSignatures
    ) external returns (bytes32 fundingId, uint256 fundedTokenId);

    /// @notice Consent to a request on chain instead of signing it. Requirements: caller owns the piece.
    /// Emits {RequestApproved}.
    /// @param request The request.
    function approveRequest(FundingRequest calldata request) external;

    /// @notice Withdraw a request nonce so no request carrying it can be used. Emits {NonceInvalidated}.
    /// @param nonce The nonce.
    function invalidateNonce(uint256 nonce) external;

    /// @notice Set how many distinct verifiers must sign. Requirements: caller is an active operator;
    /// 1 <= required <= 16. Emits {RequiredVerifiersSet}.
    /// @param required The number.
    function setRequiredVerifiers(uint256 required) external;

    /// @notice The factor's demand for recourse (追索): records a recourse claim against the seller of a piece funded
    /// with recourse whose receivable is overdue; the amount is the share of the funded piece (as the factor holds it
    /// now) the anchor has not repaid. Requirements: the attestation is exactly the one the funding used (its whole
    /// digest is the stored funding id, so its piece and value are the funded ones); caller acts for the funding
    /// factor; funding with recourse, not yet recorded; receivable overdue (strictly after maturity plus grace, not
    /// fully repaid); the funded piece exists, is held by the factor's organisation and is worth no more than the
    /// value funded. Emits {RecourseRecorded}.
    /// @param attestation The attestation the funding used (its digest is the funding id).
    function recordRecourse(FundingAttestation calldata attestation) external;

    /// @notice The seller pays the factor `amount` of the unpaid part of the piece it sold with recourse, in the
    /// settlement currency, and takes that part over: Settlement then routes to the seller its share of whatever
    /// the anchor later pays on the piece (see {ISettlement-applyRecourse}). Partial payments are allowed; the
    /// factor never receives more than the piece's value in all, and no payment exceeds what is unpaid to the factor
    /// at that moment ({ISettlement-recourseDue}). Requirements: the attestation is the funded one; the factor
    /// demanded recourse ({recordRecourse}); caller acts for the seller's organisation; 0 < amount <= recourse due;
    /// the piece is still held by the factor's organisation; the caller approved this contract for the amount.
    /// Emits {RecoursePaid} (and Settlement's events). Nonreentrant.
    /// @param attestation The attestation the funding used.
    /// @param amount Minor units.
    function payRecourse(FundingAttestation calldata attestation, uint256 amount) external;

    /// @notice The record of the funding that spent a holder's request nonce (empty if none did).
    /// @param holder The holder who sold.
    /// @param nonce The request nonce.
    function funding(address holder, uint256 nonce) external view returns (FundingRecord memory);

    /// @notice The EIP-712 digest the holder signs for a request.
    /// @param request The request.
    function requestDigest(FundingRequest calldata request) external view returns (bytes32);

    /// @notice The EIP-712 digest verifiers sign for an attestation: the funding id.
    /// @param attestation The attestation.
    function attestationDigest(FundingAttestation calldata attestation) external view returns (bytes32);

    /// @notice Whether a holder's request nonce was used or withdrawn.
    /// @param holder The holder.
    /// @param nonce The nonce.
    function isNonceUsed(address holder, uint256 nonce) external view returns (bool);

    /// @notice How many distinct verifiers must sign.
    function requiredVerifiers() external view returns (uint256);

    /// @notice The price of `faceValue` at `rateBps` a year from now until `maturity` (ACT/360, see DiscountMath).
    /// @param faceValue Minor units.
    /// @param rateBps Annual rate in basis points.
    /// @param maturity Unix seconds.
    function quote(uint256 faceValue, uint256 rateBps, uint256 maturity) external view returns (uint256);
}
