// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IMemberRegistry} from "../access/IMemberRegistry.sol";
import {AuthorizationWord} from "../access/AuthorizationWord.sol";
import {IReceivableToken} from "../token/interfaces/IReceivableToken.sol";
import {IFinancing} from "./interfaces/IFinancing.sol";
import {ISettlement} from "./interfaces/ISettlement.sol";
import {DiscountMath} from "./DiscountMath.sol";

/// @title Financing
/// @notice Delivery against payment between a holder and a factor, gated by the holder's consent and the
/// verifiers' EIP-712 attestation. The EIP-712 domain (name, version, chain id, this contract) is part of
/// every digest, so a signature made for another chain or contract recovers to some other address and is
/// refused as not a verifier's.
contract Financing is IFinancing, EIP712, ReentrancyGuard {
    using SafeERC20 for IERC20;
    using AuthorizationWord for uint256;

    bytes32 private constant _REQUEST_TYPEHASH = keccak256(
        "FundingRequest(uint256 tokenId,uint256 value,uint256 minPrice,address factor,bool withRecourse,uint256 deadline,uint256 nonce)"
    );
    bytes32 private constant _ATTESTATION_TYPEHASH = keccak256(
        "FundingAttestation(uint256 tokenId,address holder,address factor,uint256 value,uint256 price,bytes32 invoiceHash,bytes32 logisticsHash,bytes32 tradeProofHash,bool withRecourse,uint256 deadline,uint256 nonce)"
    );
    uint32 private constant _FACTOR = uint32(1) << uint8(IMemberRegistry.Role.FACTOR);
    uint32 private constant _VERIFIER = uint32(1) << uint8(IMemberRegistry.Role.VERIFIER);
    uint256 private constant _MAX_REQUIRED_VERIFIERS = 16;

    /// @notice The permission layer.
    IMemberRegistry public immutable registry;
    /// @notice The receivables funded.
    IReceivableToken public immutable receivables;
    /// @notice The currency prices are paid in.
    IERC20 public immutable currency;
    /// @notice Settlement, asked whether a receivable is overdue.
    ISettlement public immutable settlement;

    /// @dev `fundedAt` of a nonce the holder withdrew without funding.
    uint40 private constant _WITHDRAWN = type(uint40).max;

    uint256 private _requiredVerifiers = 1;
    /// @dev Keyed by holder and request nonce (unordered: a holder may have many requests out at once). A
    /// non-empty record means the nonce is spent, by a funding or by withdrawal. See {FundingRecord}.
    mapping(address holder => mapping(uint256 nonce => FundingRecord)) private _fundings;
    mapping(bytes32 requestDigest => address holder) private _onChainApprovals;
    /// @dev The whole id of each funding with recourse, under the same key as its record: `recordRecourse` trusts
    /// the attestation's piece and value only when its digest is this id. Written for recourse fundings alone, so a
    /// plain sale pays no second storage word.
    mapping(address holder => mapping(uint256 nonce => bytes32 fundingId)) private _recourseFundingIds;

    modifier onlyOperator() {
        if (!registry.hasRole(msg.sender, IMemberRegistry.Role.OPERATOR)) {
            revert FinancingUnauthorizedOperator(msg.sender);
        }
        _;
    }

    /// @notice Deploys financing over the network's contracts.
    /// @param memberRegistry The permission layer.
    /// @param receivableToken The receivables.
    /// @param settlementCurrency The currency.
    /// @param settlementContract Settlement, for overdue status.
    constructor(
        IMemberRegistry memberRegistry,
        IReceivableToken receivableToken,
        IERC20 settlementCurrency,
        ISettlement settlementContract
    ) EIP712("Chainbill Financing", "1") {
        registry = memberRegistry;
        receivables = receivableToken;
        currency = settlementCurrency;
        settlement = settlementContract;
    }

    /// @inheritdoc IFinancing
    function fund(
        FundingRequest calldata request,
        bytes calldata holderSignature,
        FundingAttestation calldata attestation,
        bytes[] calldata verifierSignatures
    ) external nonReentrant returns (bytes32 fundingId, uint256 fundedTokenId) {
        if (block.timestamp > attestation.deadline) {
            revert FinancingAttestationExpired(attestation.deadline, block.timestamp);
        }
        fundingId = _hashTypedDataV4(_hashAttestation(attestation));
        _checkUnspent(attestation.holder, attestation.nonce, fundingId);
        if (msg.sender != attestation.factor || msg.sender != request.factor) {
            revert FinancingFactorMismatch(msg.sender, attestation.factor, request.factor);
        }
        (uint32 factorId, uint32 sellerId, uint256 pieceValue) = _checkParties(attestation);
        _checkVerifiers(fundingId, verifierSignatures, factorId, sellerId);
        _checkTerms(request, attestation);
        uint32 pieceCount = _checkNotMatured(attestation.tokenId);
        _checkConsent(request, holderSignature, attestation.holder);
        bool whole = attestation.value == pieceValue;
        fundedTokenId = _record(fundingId, attestation, factorId, sellerId, whole ? 0 : pieceCount + 1);
        _deliverAgainstPayment(attestation, whole, fundedTokenId);
    }

    /// @inheritdoc IFinancing
    function approveRequest(FundingRequest calldata request) external {
        if (receivables.ownerOf(request.tokenId) != msg.sender) revert FinancingNotHolder(request.tokenId, msg.sender);
        bytes32 digest = _hashTypedDataV4(_hashRequest(request));
        _onChainApprovals[digest] = msg.sender;
        emit RequestApproved(digest, msg.sender);
    }

    /// @inheritdoc IFinancing
    function invalidateNonce(uint256 nonce) external {
        FundingRecord storage record = _fundings[msg.sender][nonce];
        if (record.fundedAt != 0) revert FinancingNonceUsed(msg.sender, nonce);
        record.fundedAt = _WITHDRAWN;
        emit NonceInvalidated(msg.sender, nonce);
    }

    /// @inheritdoc IFinancing
    function setRequiredVerifiers(uint256 required) external onlyOperator {
        if (required == 0 || required > _MAX_REQUIRED_VERIFIERS) revert FinancingInvalidRequiredVerifiers(required);
        _requiredVerifiers = required;
        emit RequiredVerifiersSet(required);
    }

    /// @inheritdoc IFinancing
    function recordRecourse(FundingAttestation calldata attestation) external {
        (bytes32 fundingId, FundingRecord storage record) = _recourseFunding(attestation);
        if (record.recourse != Recourse.AVAILABLE) revert FinancingRecourseUnavailable(fundingId);
        if (registry.memberIdOf(msg.sender) != record.factorId) revert FinancingNotFundingFactor(fundingId, msg.sender);
        uint256 slot = attestation.tokenId >> 32;
        if (!settlement.isOverdue(slot)) revert FinancingNotOverdue(slot);
        uint256 fundedTokenId = (slot << 32) | record.fundedSeq;
        uint256 value = _pieceAsBought(fundedTokenId, attestation.value, record.factorId);

        uint256 unpaid = value - (value * settlement.account(slot).repaid) / receivables.slotState(slot).faceValue;
        record.recourse = Recourse.RECORDED;
        emit RecourseRecorded(fundingId, record.factorId, record.sellerId, fundedTokenId, unpaid);
    }

    /// @inheritdoc IFinancing
    function payRecourse(FundingAttestation calldata attestation, uint256 amount) external nonReentrant {
        (bytes32 fundingId, FundingRecord storage record) = _recourseFunding(attestation);
        if (record.recourse != Recourse.RECORDED) revert FinancingRecourseNotDemanded(fundingId);
        uint32 sellerId = record.sellerId;
        if (registry.memberIdOf(msg.sender) != sellerId) revert FinancingNotSeller(fundingId, msg.sender);
        if (amount == 0) revert FinancingZeroValue();
        uint32 factorId = record.factorId;
        uint256 fundedTokenId = ((attestation.tokenId >> 32) << 32) | record.fundedSeq;
        _pieceAsBought(fundedTokenId, attestation.value, factorId);
        // Settlement checks the amount against what is due, pays out the piece's pending claim and stores the
        // seller's share; this contract keeps no state of its own for a payment.
        (address factorAccount, uint256 paidTotal) = settlement.applyRecourse(fundedTokenId, msg.sender, amount);
        emit RecoursePaid(fundingId, factorId, sellerId, fundedTokenId, amount, paidTotal);
        currency.safeTransferFrom(msg.sender, factorAccount, amount);
    }

    /// @inheritdoc IFinancing
    function funding(address holder, uint256 nonce) external view returns (FundingRecord memory) {
        return _fundings[holder][nonce];
    }

    /// @inheritdoc IFinancing
    function requestDigest(FundingRequest calldata request) external view returns (bytes32) {
        return _hashTypedDataV4(_hashRequest(request));
    }

    /// @inheritdoc IFinancing
    function attestationDigest(FundingAttestation calldata attestation) external view returns (bytes32) {
        return _hashTypedDataV4(_hashAttestation(attestation));
    }

    /// @inheritdoc IFinancing
    function isNonceUsed(address holder, uint256 nonce) external view returns (bool) {
        return _fundings[holder][nonce].fundedAt != 0;
    }

    /// @inheritdoc IFinancing
    function requiredVerifiers() external view returns (uint256) {
        return _requiredVerifiers;
    }

    /// @inheritdoc IFinancing
    function quote(uint256 faceValue, uint256 rateBps, uint256 maturity) external view returns (uint256) {
        return DiscountMath.price(faceValue, rateBps, DiscountMath.daysBetween(block.timestamp, maturity));
    }

    /// @dev The funding with recourse an attestation names: its whole digest must be the stored funding id.
    function _recourseFunding(FundingAttestation calldata attestation)
        private
        view
        returns (bytes32 fundingId, FundingRecord storage record)
    {
        fundingId = _hashTypedDataV4(_hashAttestation(attestation));
        record = _fundings[attestation.holder][attestation.nonce];
        if (record.fundedAt == 0 || record.fundedAt == _WITHDRAWN || record.attestationTag != bytes6(fundingId)) {
            revert FinancingUnknownFunding(fundingId);
        }
        // The tag above only names the record; the whole id proves this is the attestation that was funded.
        if (_recourseFundingIds[attestation.holder][attestation.nonce] != fundingId) {
            // A plain sale has no stored id: say so rather than "unknown".
            if (record.recourse == Recourse.NONE) revert FinancingRecourseUnavailable(fundingId);
            revert FinancingUnknownFunding(fundingId);
        }
    }

    /// @dev The funded piece as the factor holds it: it exists, an address of the factor's organisation holds it, and
    /// it is worth no more than the value funded (less if the factor sold part of it on). Returns its value.
    function _pieceAsBought(uint256 fundedTokenId, uint256 fundedValue, uint32 factorId) private view returns (uint256) {
        if (!receivables.exists(fundedTokenId)) revert FinancingRecoursePieceChanged(fundedTokenId, address(0), 0);
        (address owner, uint256 value) = receivables.pieceOf(fundedTokenId);
        if (value > fundedValue || registry.memberIdOf(owner) != factorId) {
            revert FinancingRecoursePieceChanged(fundedTokenId, owner, value);
        }
        return value;
    }

    /// @dev A spent nonce is either this very attestation again (replay) or a consent already used or withdrawn.
    function _checkUnspent(address holder, uint256 nonce, bytes32 fundingId) private view {
        FundingRecord storage record = _fundings[holder][nonce];
        if (record.fundedAt == 0) return;
        if (record.attestationTag == bytes6(fundingId)) revert FinancingAttestationReplayed(fundingId);
        revert FinancingNonceUsed(holder, nonce);
    }

    /// @dev Each signature must recover to an active VERIFIER of an organisation that is neither the holder nor
    /// the factor; signers ascending; one signature per organisation.
    function _checkVerifiers(bytes32 fundingId, bytes[] calldata signatures, uint32 factorId, uint32 sellerId)
        private
        view
    {
        uint256 count = signatures.length;
        uint256 required = _requiredVerifiers;
        if (count < required) revert FinancingTooFewVerifiers(count, required);
        uint32[] memory memberIds = new uint32[](count);
        address previous = address(0);
        for (uint256 i = 0; i < count; ++i) {
            address signer = ECDSA.recover(fundingId, signatures[i]);
            if (signer <= previous) revert FinancingSignersNotAscending(signer);
            previous = signer;
            IMemberRegistry.Authorization memory authorization = registry.authorizationOf(signer);
            if (!authorization.active || authorization.roles & _VERIFIER == 0) revert FinancingSignerNotVerifier(signer);
            uint32 memberId = authorization.memberId;
            if (memberId == factorId || memberId == sellerId) revert FinancingConflictedVerifier(memberId);
            for (uint256 j = 0; j < i; ++j) {
                if (memberIds[j] == memberId) revert FinancingDuplicateVerifier(memberId);
            }
            memberIds[i] = memberId;
        }
    }

    /// @dev The factor must be an active FACTOR of another organisation than the holder, who must own the
    /// piece. Returns both member ids and the piece's value.
    function _checkParties(FundingAttestation calldata attestation)
        private
        view
        returns (uint32 factorId, uint32 sellerId, uint256 pieceValue)
    {
        address owner;
        (owner, pieceValue) = receivables.pieceOf(attestation.tokenId);
        if (owner != attestation.holder) revert FinancingHolderMismatch(attestation.tokenId, attestation.holder, owner);
        (uint256 factor, uint256 holder) = registry.authorizationWordsOf(msg.sender, owner);
        if (!factor.activeWithAnyRole(_FACTOR)) revert FinancingNotFactor(msg.sender);
        factorId = factor.memberId();
        sellerId = holder.memberId();
        if (factorId == sellerId) revert FinancingSelfFunding(factorId);
    }

    function _checkTerms(FundingRequest calldata request, FundingAttestation calldata attestation) private view {
        if (request.tokenId != attestation.tokenId || request.value != attestation.value) {
            revert FinancingRequestMismatch(request.tokenId, attestation.tokenId, request.value, attestation.value);
        }
        if (request.nonce != attestation.nonce) revert FinancingNonceMismatch(request.nonce, attestation.nonce);
        if (request.withRecourse != attestation.withRecourse) {
            revert FinancingRecourseMismatch(request.withRecourse, attestation.withRecourse);
        }
        if (attestation.value == 0) revert FinancingZeroValue();
        if (attestation.price > attestation.value) revert FinancingPriceAboveValue(attestation.price, attestation.value);
        if (attestation.price < request.minPrice) revert FinancingPriceBelowMinimum(attestation.price, request.minPrice);
        if (block.timestamp > request.deadline) revert FinancingRequestExpired(request.deadline, block.timestamp);
    }

    /// @dev Returns the slot's piece count, from which a partial funding's new piece id follows.
    function _checkNotMatured(uint256 tokenId) private view returns (uint32 pieceCount) {
        IReceivableToken.SlotState memory terms = receivables.slotState(tokenId >> 32);
        if (block.timestamp >= terms.maturity) revert FinancingTokenMatured(tokenId, terms.maturity);
        return terms.pieceCount;
    }

    /// @dev Stores and announces the funding before any interaction (checks, effects, interactions).
    /// `newSeq` is 0 for a whole piece, else the sequence of the piece a partial funding splits off.
    function _record(
        bytes32 fundingId,
        FundingAttestation calldata attestation,
        uint32 factorId,
        uint32 sellerId,
        uint32 newSeq
    ) private returns (uint256 fundedTokenId) {
        uint32 fundedSeq = newSeq == 0 ? uint32(attestation.tokenId) : newSeq;
        fundedTokenId = ((attestation.tokenId >> 32) << 32) | fundedSeq;
        _fundings[attestation.holder][attestation.nonce] = FundingRecord({
            factorId: factorId,
            sellerId: sellerId,
            price: uint64(attestation.price),
            fundedAt: uint40(block.timestamp),
            recourse: attestation.withRecourse ? Recourse.AVAILABLE : Recourse.NONE,
            fundedSeq: fundedSeq,
            attestationTag: bytes6(fundingId)
        });
        if (attestation.withRecourse) _recourseFundingIds[attestation.holder][attestation.nonce] = fundingId;
        emit Funded(
            fundingId,
            attestation.tokenId,
            msg.sender,
            attestation.holder,
            fundedTokenId,
            attestation.value,
            attestation.price,
            attestation.withRecourse
        );
    }

    /// @dev Price to the holder, value to the factor, in one transaction: if either leg fails, both revert.
    /// The piece a partial funding creates was recorded before these calls; it is checked against the one the
    /// token actually created, so the record can never name another piece.
    function _deliverAgainstPayment(FundingAttestation calldata attestation, bool whole, uint256 fundedTokenId)
        private
    {
        currency.safeTransferFrom(msg.sender, attestation.holder, attestation.price);
        if (whole) {
            receivables.transferFrom(attestation.holder, msg.sender, attestation.tokenId);
        } else {
            uint256 delivered = receivables.transferFrom(attestation.tokenId, msg.sender, attestation.value);
            if (delivered != fundedTokenId) revert FinancingUnexpectedPiece(fundedTokenId, delivered);
        }
    }

    /// @dev The holder's consent: a valid signature (ERC-1271 for contract holders) or an on-chain approval.
    /// The nonce it carries is spent by the funding record, so one consent funds once.
    function _checkConsent(FundingRequest calldata request, bytes calldata signature, address holder) private view {
        bytes32 digest = _hashTypedDataV4(_hashRequest(request));
        if (!SignatureChecker.isValidSignatureNow(holder, digest, signature) && _onChainApprovals[digest] != holder) {
            revert FinancingMissingHolderConsent(holder);
        }
    }

    function _hashRequest(FundingRequest calldata request) private pure returns (bytes32) {
        return keccak256(abi.encode(_REQUEST_TYPEHASH, request));
    }

    function _hashAttestation(FundingAttestation calldata attestation) private pure returns (bytes32) {
        return keccak256(abi.encode(_ATTESTATION_TYPEHASH, attestation));
    }
}
