// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IFinancing} from "../finance/interfaces/IFinancing.sol";

/// @title AuditLaxFinancing
/// @notice TEST ONLY — never deploy outside the audit's tests. A financing contract that accepts the same
/// `fund` calldata and emits the same `Funded` event as Financing, but checks nothing: not the verifiers, not
/// the holder's consent, not the deadlines. Registered as "the financing contract" of a test deployment record,
/// it lets a test put on chain a funding whose attestation a suspended verifier signed, so that the auditor's
/// independent re-verification is seen to catch what the real contract would have refused.
/// @dev Delivery against payment goes through ordinary approvals (the holder approves this contract for the
/// piece, the factor for the price), so the funding is otherwise consistent and the only finding is the one
/// provoked. It takes IFinancing's own structs, so the `fund` selector is the real one, and nothing of the finance
/// contracts' internals.
contract AuditLaxFinancing is EIP712 {
    bytes32 private constant _ATTESTATION_TYPEHASH = keccak256(
        "FundingAttestation(uint256 tokenId,address holder,address factor,uint256 value,uint256 price,bytes32 invoiceHash,bytes32 logisticsHash,bytes32 tradeProofHash,bool withRecourse,uint256 deadline,uint256 nonce)"
    );

    /// @notice Same signature as IFinancing.Funded.
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

    /// @notice Same signature as IFinancing.RecourseRecorded.
    event RecourseRecorded(
        bytes32 indexed fundingId, uint32 indexed factorId, uint32 indexed sellerId, uint256 fundedTokenId, uint256 amount
    );
    /// @notice Same signature as IFinancing.RecoursePaid.
    event RecoursePaid(
        bytes32 indexed fundingId,
        uint32 indexed factorId,
        uint32 indexed sellerId,
        uint256 fundedTokenId,
        uint256 amount,
        uint256 paidTotal
    );

    /// @notice The receivable token whose whole pieces this contract moves.
    IERC721 public immutable receivables;
    /// @notice The settlement currency the price is paid in.
    IERC20 public immutable currency;

    /// @notice The currency refused to move the price.
    error AuditPriceNotPaid();

    /// @notice Binds the contract to the token and currency it moves.
    /// @param receivableToken The receivable token.
    /// @param settlementCurrency The settlement currency.
    constructor(IERC721 receivableToken, IERC20 settlementCurrency) EIP712("Chainbill Financing", "1") {
        receivables = receivableToken;
        currency = settlementCurrency;
    }

    /// @notice Funds a whole piece without checking anything about the attestation or its signatures.
    /// @param attestation The attestation, used only for its terms.
    /// @return fundingId The attestation's EIP-712 digest under this contract's domain.
    /// @return fundedTokenId The piece the factor now holds (the whole piece).
    function fund(IFinancing.FundingRequest calldata, bytes calldata, IFinancing.FundingAttestation calldata attestation, bytes[] calldata)
        external
        returns (bytes32 fundingId, uint256 fundedTokenId)
    {
        fundingId = _hashTypedDataV4(keccak256(abi.encode(_ATTESTATION_TYPEHASH, attestation)));
        fundedTokenId = attestation.tokenId;
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
        if (!currency.transferFrom(msg.sender, attestation.holder, attestation.price)) revert AuditPriceNotPaid();
        receivables.transferFrom(attestation.holder, msg.sender, fundedTokenId);
    }

    /// @notice Announces a demand for recourse as given, checking nothing (not even that the receivable is overdue).
    /// @param fundingId The funding.
    /// @param factorId The factor's member id.
    /// @param sellerId The seller's member id.
    /// @param fundedTokenId The piece.
    /// @param amount The amount announced.
    function demandRecourse(bytes32 fundingId, uint32 factorId, uint32 sellerId, uint256 fundedTokenId, uint256 amount)
        external
    {
        emit RecourseRecorded(fundingId, factorId, sellerId, fundedTokenId, amount);
    }

    /// @notice Moves `amount` from the caller (the seller, who approved this contract) to `factor` and announces it as
    /// a recourse payment, checking nothing: not the amount against what is unpaid, and Settlement never learns of it,
    /// so later claims on the piece are not routed to the seller.
    /// @param fundingId The funding.
    /// @param factorId The factor's member id.
    /// @param sellerId The seller's member id.
    /// @param fundedTokenId The piece.
    /// @param factor Where the money goes.
    /// @param amount Minor units.
    /// @param paidTotal The total announced.
    function payRecourse(
        bytes32 fundingId,
        uint32 factorId,
        uint32 sellerId,
        uint256 fundedTokenId,
        address factor,
        uint256 amount,
        uint256 paidTotal
    ) external {
        emit RecoursePaid(fundingId, factorId, sellerId, fundedTokenId, amount, paidTotal);
        if (!currency.transferFrom(msg.sender, factor, amount)) revert AuditPriceNotPaid();
    }
}
