// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

/// @title StrayFinancingEvents
/// @notice TEST ONLY — never deploy outside the tests. Emits Financing's `Funded` and `RecourseRecorded` events
/// with whatever it is given, checking nothing. Registered as "the financing contract" an indexer or the audit
/// follows, it puts on chain the events a real Financing accepted before recourse was authenticated by the whole
/// funding id (a recourse on a funding nobody made) and now refuses, so the readers' handling of such an accepted
/// event is exercised honestly: they must record it as a finding and keep going.
contract StrayFinancingEvents {
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

    /// @notice Emits {Funded} as given; moves nothing.
    /// @param fundingId The funding id to announce.
    /// @param tokenId The piece sold from.
    /// @param factor The factor named.
    /// @param holder The holder named.
    /// @param fundedTokenId The piece the factor is said to hold.
    /// @param value The value said to be sold.
    /// @param price The price said to be paid.
    /// @param withRecourse The recourse term announced.
    function announceFunding(
        bytes32 fundingId,
        uint256 tokenId,
        address factor,
        address holder,
        uint256 fundedTokenId,
        uint256 value,
        uint256 price,
        bool withRecourse
    ) external {
        emit Funded(fundingId, tokenId, factor, holder, fundedTokenId, value, price, withRecourse);
    }

    /// @notice Emits {RecourseRecorded} as given, for any funding id, known or not.
    /// @param fundingId The funding id named.
    /// @param factorId The factor's member id.
    /// @param sellerId The seller's member id.
    /// @param fundedTokenId The funded piece.
    /// @param amount The amount claimed.
    function announceRecourse(bytes32 fundingId, uint32 factorId, uint32 sellerId, uint256 fundedTokenId, uint256 amount)
        external
    {
        emit RecourseRecorded(fundingId, factorId, sellerId, fundedTokenId, amount);
    }
}
