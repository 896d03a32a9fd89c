// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IMemberRegistry} from "./IMemberRegistry.sol";
import {AuthorizationWord} from "./AuthorizationWord.sol";

/// @title MemberRegistry
/// @notice Members of the Chainbill consortium: organisations with addresses, roles, a status and a KYC
/// validity date, admitted and managed by the operator.
/// @dev Every transfer on the network asks this contract about two addresses, so each address carries its
/// own copy of its member's standing in one storage word: a check costs one cold SLOAD instead of two
/// (address -> member id -> record). The member record holds the authoritative copy; `_writeStanding` is
/// the only place that changes it and it rewrites every address's copy in the same call, bounded by
/// `MAX_ACCOUNTS_PER_MEMBER`.
contract MemberRegistry is IMemberRegistry {
    /// @notice How many addresses one member may have; bounds the cost of operator actions.
    uint256 public constant MAX_ACCOUNTS_PER_MEMBER = 8;

    /// @dev The set of defined role bits (7 roles).
    uint32 private constant _ALL_ROLES = (uint32(1) << (uint8(type(Role).max) + 1)) - 1;

    /// @dev Packed into one word: 32 + 32 + 8 + 64 = 136 bits. uint32 member ids allow four billion members;
    /// uint32 roles leave room for 25 more roles; uint64 seconds outlast any KYC date.
    struct Standing {
        uint32 memberId;
        uint32 roles;
        MemberStatus status;
        uint64 kycValidUntil;
    }

    struct Member {
        bytes32 leiHash;
        Standing standing;
        address[] accounts;
    }

    mapping(address account => Standing) private _standingOf;
    mapping(uint32 memberId => Member) private _members;
    mapping(bytes32 leiHash => uint32 memberId) private _memberIdByLei;
    uint32 private _memberCount;
    /// @dev Indexed by `HoldingContract`; bound once each, after the contracts that need this registry exist.
    address[2] private _holdingContracts;

    modifier onlyOperator() {
        if (!_holds(_standingOf[msg.sender], Role.OPERATOR)) revert RegistryUnauthorizedOperator(msg.sender);
        _;
    }

    /// @notice Deploys the registry with the network operator as member 1.
    /// @param operatorLeiHash Hash of the operator organisation's legal-entity identifier.
    /// @param operatorAccount The operator's first address.
    /// @param operatorKycValidUntil The operator's KYC validity date.
    constructor(bytes32 operatorLeiHash, address operatorAccount, uint64 operatorKycValidUntil) {
        _admit(operatorLeiHash, operatorAccount, uint32(1) << uint8(Role.OPERATOR), operatorKycValidUntil);
    }

    /// @inheritdoc IMemberRegistry
    function admit(bytes32 leiHash, address account, uint32 roles, uint64 kycValidUntil)
        external
        onlyOperator
        returns (uint32 memberId)
    {
        return _admit(leiHash, account, roles, kycValidUntil);
    }

    /// @inheritdoc IMemberRegistry
    function grantRole(uint32 memberId, Role role) external onlyOperator {
        Standing memory standing = _existing(memberId).standing;
        uint32 bit = uint32(1) << uint8(role);
        if (standing.roles & bit != 0) revert RegistryRoleAlreadyGranted(memberId, role);
        standing.roles |= bit;
        _writeStanding(memberId, standing);
        emit RoleGranted(memberId, role, standing.roles);
    }

    /// @inheritdoc IMemberRegistry
    function revokeRole(uint32 memberId, Role role) external onlyOperator {
        Standing memory standing = _existing(memberId).standing;
        uint32 bit = uint32(1) << uint8(role);
        if (standing.roles & bit == 0) revert RegistryRoleNotGranted(memberId, role);
        if (role == Role.OPERATOR && _standingOf[msg.sender].memberId == memberId) {
            revert RegistrySelfLockout(memberId);
        }
        standing.roles &= ~bit;
        _writeStanding(memberId, standing);
        emit RoleRevoked(memberId, role, standing.roles);
    }

    /// @inheritdoc IMemberRegistry
    function addAccount(uint32 memberId, address account) external onlyOperator {
        Member storage record = _existing(memberId);
        _checkAccountFree(account);
        if (record.accounts.length >= MAX_ACCOUNTS_PER_MEMBER) {
            revert RegistryAccountLimitReached(memberId, MAX_ACCOUNTS_PER_MEMBER);
        }
        record.accounts.push(account);
        _standingOf[account] = record.standing;
        emit AccountAdded(memberId, account);
    }

    /// @inheritdoc IMemberRegistry
    function removeAccount(uint32 memberId, address account) external onlyOperator {
        Member storage record = _existing(memberId);
        if (_standingOf[account].memberId != memberId) revert RegistryAccountNotOfMember(account, memberId);
        address[] storage accounts = record.accounts;
        uint256 count = accounts.length;
        if (count == 1) revert RegistryLastAccount(memberId);
        _checkHoldsNothing(account);
        for (uint256 i = 0; i < count; ++i) {
            if (accounts[i] == account) {
                accounts[i] = accounts[count - 1];
                accounts.pop();
                break;
            }
        }
        delete _standingOf[account];
        emit AccountRemoved(memberId, account);
    }

    /// @inheritdoc IMemberRegistry
    /// @dev Once per kind, like the token's system contracts: an operator cannot swap in a contract that would
    /// answer "holds nothing" for an address that holds pieces.
    function bindHoldingContract(HoldingContract kind, address holdings) external onlyOperator {
        address current = _holdingContracts[uint8(kind)];
        if (current != address(0) || holdings == address(0)) revert RegistryHoldingContractNotBindable(kind, current);
        _holdingContracts[uint8(kind)] = holdings;
        emit HoldingContractBound(kind, holdings);
    }

    /// @inheritdoc IMemberRegistry
    function holdingContract(HoldingContract kind) external view returns (address) {
        return _holdingContracts[uint8(kind)];
    }

    /// @inheritdoc IMemberRegistry
    function suspend(uint32 memberId) external onlyOperator {
        Standing memory standing = _existing(memberId).standing;
        if (standing.status != MemberStatus.ACTIVE) revert RegistryUnexpectedStatus(memberId, standing.status);
        if (_standingOf[msg.sender].memberId == memberId) revert RegistrySelfLockout(memberId);
        standing.status = MemberStatus.SUSPENDED;
        _writeStanding(memberId, standing);
        emit MemberSuspended(memberId);
    }

    /// @inheritdoc IMemberRegistry
    function reinstate(uint32 memberId) external onlyOperator {
        Standing memory standing = _existing(memberId).standing;
        if (standing.status != MemberStatus.SUSPENDED) revert RegistryUnexpectedStatus(memberId, standing.status);
        standing.status = MemberStatus.ACTIVE;
        _writeStanding(memberId, standing);
        emit MemberReinstated(memberId);
    }

    /// @inheritdoc IMemberRegistry
    function renewKyc(uint32 memberId, uint64 kycValidUntil) external onlyOperator {
        Standing memory standing = _existing(memberId).standing;
        _checkKycDate(kycValidUntil);
        standing.kycValidUntil = kycValidUntil;
        _writeStanding(memberId, standing);
        emit KycRenewed(memberId, kycValidUntil);
    }

    /// @inheritdoc IMemberRegistry
    function authorizationOf(address account) external view returns (Authorization memory) {
        return _authorization(account);
    }

    /// @inheritdoc IMemberRegistry
    function authorizationWordsOf(address first, address second) external view returns (uint256, uint256) {
        return (_authorizationWord(first), _authorizationWord(second));
    }

    /// @inheritdoc IMemberRegistry
    function isActiveMember(address account) external view returns (bool) {
        return _isActive(_standingOf[account]);
    }

    /// @inheritdoc IMemberRegistry
    function hasRole(address account, Role role) external view returns (bool) {
        return _holds(_standingOf[account], role);
    }

    /// @inheritdoc IMemberRegistry
    function memberIdOf(address account) external view returns (uint32) {
        return _standingOf[account].memberId;
    }

    /// @inheritdoc IMemberRegistry
    function leiHashOf(address account) external view returns (bytes32) {
        return _members[_standingOf[account].memberId].leiHash;
    }

    /// @inheritdoc IMemberRegistry
    function member(uint32 memberId) external view returns (MemberView memory) {
        Member storage record = _existing(memberId);
        Standing memory standing = record.standing;
        return MemberView({
            memberId: memberId,
            leiHash: record.leiHash,
            roles: standing.roles,
            status: standing.status,
            kycValidUntil: standing.kycValidUntil,
            accounts: record.accounts
        });
    }

    /// @inheritdoc IMemberRegistry
    function memberCount() external view returns (uint32) {
        return _memberCount;
    }

    function _admit(bytes32 leiHash, address account, uint32 roles, uint64 kycValidUntil)
        private
        returns (uint32 memberId)
    {
        if (leiHash == bytes32(0)) revert RegistryZeroLeiHash();
        uint32 holder = _memberIdByLei[leiHash];
        if (holder != 0) revert RegistryLeiTaken(leiHash, holder);
        _checkAccountFree(account);
        if (roles == 0 || roles & ~_ALL_ROLES != 0) revert RegistryInvalidRoles(roles);
        _checkKycDate(kycValidUntil);

        memberId = ++_memberCount;
        Member storage record = _members[memberId];
        record.leiHash = leiHash;
        record.accounts.push(account);
        _memberIdByLei[leiHash] = memberId;
        _writeStanding(
            memberId,
            Standing({memberId: memberId, roles: roles, status: MemberStatus.ACTIVE, kycValidUntil: kycValidUntil})
        );
        emit MemberAdmitted(memberId, leiHash, account, roles, kycValidUntil);
    }

    /// @dev The single writer of standings: the member record and every address's copy change together.
    function _writeStanding(uint32 memberId, Standing memory standing) private {
        Member storage record = _members[memberId];
        record.standing = standing;
        address[] storage accounts = record.accounts;
        uint256 count = accounts.length;
        for (uint256 i = 0; i < count; ++i) {
            _standingOf[accounts[i]] = standing;
        }
    }

    function _existing(uint32 memberId) private view returns (Member storage record) {
        record = _members[memberId];
        if (record.standing.memberId == 0) revert RegistryUnknownMember(memberId);
    }

    function _checkAccountFree(address account) private view {
        if (account == address(0)) revert RegistryZeroAccount();
        uint32 owner = _standingOf[account].memberId;
        if (owner != 0) revert RegistryAccountTaken(account, owner);
    }

    /// @dev Refusing is simpler and safer than moving the holdings to another address of the member here: a
    /// piece cannot move after maturity or from a suspended member, and the member chooses where its holdings go.
    /// ERC-721's and ERC-20's `balanceOf(address)` are the same function, so one interface reads both: the
    /// token's answer counts live pieces.
    function _checkHoldsNothing(address account) private view {
        for (uint256 kind = 0; kind < _holdingContracts.length; ++kind) {
            address holdings = _holdingContracts[kind];
            if (holdings == address(0)) continue;
            uint256 balance = IERC20(holdings).balanceOf(account);
            if (balance != 0) revert RegistryAccountHoldsAssets(account, holdings, balance);
        }
    }

    function _checkKycDate(uint64 kycValidUntil) private view {
        if (kycValidUntil <= block.timestamp) revert RegistryKycExpiryInPast(kycValidUntil, block.timestamp);
    }

    function _authorization(address account) private view returns (Authorization memory) {
        Standing memory standing = _standingOf[account];
        return Authorization({memberId: standing.memberId, roles: standing.roles, active: _isActive(standing)});
    }

    function _authorizationWord(address account) private view returns (uint256) {
        Standing memory standing = _standingOf[account];
        return AuthorizationWord.encode(standing.memberId, standing.roles, _isActive(standing));
    }

    function _isActive(Standing memory standing) private view returns (bool) {
        return standing.status == MemberStatus.ACTIVE && block.timestamp < standing.kycValidUntil;
    }

    function _holds(Standing memory standing, Role role) private view returns (bool) {
        return _isActive(standing) && standing.roles & (uint32(1) << uint8(role)) != 0;
    }
}
