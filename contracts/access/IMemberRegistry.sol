// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

/// @title Chainbill member registry
/// @notice The permission layer of the network: which organisations are members, with which addresses,
/// roles, status and KYC validity. Every other contract asks it who may do what.
interface IMemberRegistry {
    /// @notice The roles a member can hold. Stored as a bitmask: bit `uint8(role)` is set when held.
    enum Role {
        OPERATOR,
        ANCHOR,
        SUPPLIER,
        FACTOR,
        CARRIER,
        VERIFIER,
        AUDITOR
    }

    /// @notice A member's standing. A suspended member keeps what it holds but cannot move it.
    enum MemberStatus {
        NONE,
        ACTIVE,
        SUSPENDED
    }

    /// @notice The contracts in which an address can hold something (pieces, money). An address holding anything
    /// in one of them stays with its member: removing it would leave holdings with a non-member.
    enum HoldingContract {
        RECEIVABLES,
        CURRENCY
    }

    /// @notice What the hot paths of the other contracts need to know about one address, in one word.
    /// @dev `active` already folds in status and KYC validity at the current block.
    struct Authorization {
        uint32 memberId;
        uint32 roles;
        bool active;
    }

    /// @notice A member as the operator manages it.
    struct MemberView {
        uint32 memberId;
        bytes32 leiHash;
        uint32 roles;
        MemberStatus status;
        uint64 kycValidUntil;
        address[] accounts;
    }

    /// @notice Emitted when the operator admits an organisation with its first address.
    event MemberAdmitted(
        uint32 indexed memberId,
        bytes32 indexed leiHash,
        address indexed account,
        uint32 roles,
        uint64 kycValidUntil
    );
    /// @notice Emitted when a role is granted; `roles` is the member's full role set afterwards.
    event RoleGranted(uint32 indexed memberId, Role indexed role, uint32 roles);
    /// @notice Emitted when a role is revoked; `roles` is the member's full role set afterwards.
    event RoleRevoked(uint32 indexed memberId, Role indexed role, uint32 roles);
    /// @notice Emitted when an address is added to a member.
    event AccountAdded(uint32 indexed memberId, address indexed account);
    /// @notice Emitted when an address is removed from a member.
    event AccountRemoved(uint32 indexed memberId, address indexed account);
    /// @notice Emitted when the operator suspends a member.
    event MemberSuspended(uint32 indexed memberId);
    /// @notice Emitted when the operator reinstates a suspended member.
    event MemberReinstated(uint32 indexed memberId);
    /// @notice Emitted when a member's KYC validity date is set.
    event KycRenewed(uint32 indexed memberId, uint64 kycValidUntil);
    /// @notice Emitted when the operator binds the contract whose holdings keep an address from being removed.
    event HoldingContractBound(HoldingContract indexed kind, address indexed holdings);

    /// @notice The caller is not an active member holding the OPERATOR role.
    error RegistryUnauthorizedOperator(address caller);
    /// @notice No member has this id.
    error RegistryUnknownMember(uint32 memberId);
    /// @notice The zero address cannot belong to a member.
    error RegistryZeroAccount();
    /// @notice The address already belongs to a member.
    error RegistryAccountTaken(address account, uint32 memberId);
    /// @notice The address does not belong to this member.
    error RegistryAccountNotOfMember(address account, uint32 memberId);
    /// @notice The legal-entity identifier hash is zero.
    error RegistryZeroLeiHash();
    /// @notice Another member already has this legal-entity identifier.
    error RegistryLeiTaken(bytes32 leiHash, uint32 memberId);
    /// @notice The KYC validity date is not in the future.
    error RegistryKycExpiryInPast(uint64 kycValidUntil, uint256 blockTime);
    /// @notice The member already has as many addresses as allowed.
    error RegistryAccountLimitReached(uint32 memberId, uint256 limit);
    /// @notice A member must keep at least one address.
    error RegistryLastAccount(uint32 memberId);
    /// @notice The member already has this role.
    error RegistryRoleAlreadyGranted(uint32 memberId, Role role);
    /// @notice The member does not have this role.
    error RegistryRoleNotGranted(uint32 memberId, Role role);
    /// @notice The member is not in the status the action needs.
    error RegistryUnexpectedStatus(uint32 memberId, MemberStatus status);
    /// @notice An operator may not lock itself out (suspend itself or drop its own OPERATOR role).
    error RegistrySelfLockout(uint32 memberId);
    /// @notice The role set is empty or has bits beyond the known roles.
    error RegistryInvalidRoles(uint32 roles);
    /// @notice The address still holds `balance` in `holdings` (live pieces, or money): it cannot leave its member.
    error RegistryAccountHoldsAssets(address account, address holdings, uint256 balance);
    /// @notice This kind of holding contract is already bound (to `current`), or the address given is zero.
    error RegistryHoldingContractNotBindable(HoldingContract kind, address current);

    /// @notice Admit an organisation as a member.
    /// @dev Requirements: caller is an active operator; `leiHash` non-zero and unused; `account` non-zero and
    /// unused; `roles` a non-empty set of known roles; `kycValidUntil` in the future. Emits {MemberAdmitted}.
    /// @param leiHash Hash of the organisation's legal-entity identifier (unified social credit code).
    /// @param account The member's first address.
    /// @param roles Bitmask of roles, bit `uint8(role)` per role.
    /// @param kycValidUntil Unix time after which the member counts as inactive until renewed.
    /// @return memberId The new member's id (ids start at 1).
    function admit(bytes32 leiHash, address account, uint32 roles, uint64 kycValidUntil)
        external
        returns (uint32 memberId);

    /// @notice Grant a role. Requirements: caller is an active operator; member exists and lacks the role.
    /// Emits {RoleGranted}.
    /// @param memberId The member.
    /// @param role The role to grant.
    function grantRole(uint32 memberId, Role role) external;

    /// @notice Revoke a role. Requirements: caller is an active operator; member holds the role; an operator
    /// cannot revoke its own OPERATOR role. Emits {RoleRevoked}.
    /// @param memberId The member.
    /// @param role The role to revoke.
    function revokeRole(uint32 memberId, Role role) external;

    /// @notice Add an address to a member. Requirements: caller is an active operator; address non-zero and
    /// unused; member below the address limit. Emits {AccountAdded}.
    /// @param memberId The member.
    /// @param account The address to add.
    function addAccount(uint32 memberId, address account) external;

    /// @notice Remove an address from a member. Requirements: caller is an active operator; the address is the
    /// member's and not its last; it holds nothing in any bound holding contract (no live piece, no money), since
    /// what it holds would otherwise belong to a non-member, and to whichever member the address joined next.
    /// Emits {AccountRemoved}.
    /// @param memberId The member.
    /// @param account The address to remove.
    function removeAccount(uint32 memberId, address account) external;

    /// @notice Bind, once, the contract of a kind of holding that `removeAccount` consults. Requirements: caller
    /// is an active operator; the kind is not bound yet; `holdings` is not zero. Emits {HoldingContractBound}.
    /// @param kind Which holding contract.
    /// @param holdings Its address; it answers `balanceOf(address)` (ERC-721 and ERC-20 share that function).
    function bindHoldingContract(HoldingContract kind, address holdings) external;

    /// @notice The bound contract of a kind of holding, or zero.
    /// @param kind Which holding contract.
    function holdingContract(HoldingContract kind) external view returns (address);

    /// @notice Suspend an active member. Requirements: caller is an active operator, not suspending itself.
    /// Emits {MemberSuspended}.
    /// @param memberId The member.
    function suspend(uint32 memberId) external;

    /// @notice Reinstate a suspended member. Requirements: caller is an active operator. Emits {MemberReinstated}.
    /// @param memberId The member.
    function reinstate(uint32 memberId) external;

    /// @notice Set a member's KYC validity date. Requirements: caller is an active operator; date in the future.
    /// Emits {KycRenewed}.
    /// @param memberId The member.
    /// @param kycValidUntil The new validity date (unix seconds).
    function renewKyc(uint32 memberId, uint64 kycValidUntil) external;

    /// @notice One read for the hot paths: member id, roles, and whether active with valid KYC now.
    /// @param account Any address.
    /// @return The address's authorization; all zero for a non-member.
    function authorizationOf(address account) external view returns (Authorization memory);

    /// @notice The authorizations of two addresses in one call, each packed in one word (see the
    /// `AuthorizationWord` library): what every transfer needs, for its sender and its recipient.
    /// @param first Any address.
    /// @param second Any address.
    function authorizationWordsOf(address first, address second) external view returns (uint256, uint256);

    /// @notice Whether the address belongs to an active member whose KYC is valid now.
    /// @param account Any address.
    function isActiveMember(address account) external view returns (bool);

    /// @notice Whether the address belongs to an active member (KYC valid) holding `role`.
    /// @param account Any address.
    /// @param role The role asked about.
    function hasRole(address account, Role role) external view returns (bool);

    /// @notice The member that owns an address, or 0.
    /// @param account Any address.
    function memberIdOf(address account) external view returns (uint32);

    /// @notice The legal-entity-id hash of the member that owns an address, or zero for a non-member.
    /// @param account Any address.
    function leiHashOf(address account) external view returns (bytes32);

    /// @notice A member's full record.
    /// @param memberId The member.
    function member(uint32 memberId) external view returns (MemberView memory);

    /// @notice How many members have been admitted; ids run from 1 to this number.
    function memberCount() external view returns (uint32);
}
