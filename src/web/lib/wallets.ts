import { useEffect, useState } from "react";
import type { Eip1193Provider } from "./keyWallet";

/**
 * Browser wallets, as EIP-6963 has them announce themselves (several may be installed, and each would otherwise
 * fight over `window.ethereum`), and the two wallet events the dApp must follow: a change of account and a change
 * of network. Announcements are plain DOM events, so this needs no library.
 */

/** What EIP-6963 says a wallet tells about itself. */
export interface WalletInfo {
  uuid: string;
  name: string;
  /** A data URI of the wallet's icon. */
  icon: string;
  /** Reverse-DNS id, stable across sessions (the uuid is not). */
  rdns: string;
}

/** An EIP-1193 provider that can also be listened to, as wallets' providers can. */
export interface EventfulProvider extends Eip1193Provider {
  on?(event: string, listener: (...args: unknown[]) => void): void;
  removeListener?(event: string, listener: (...args: unknown[]) => void): void;
}

export interface DiscoveredWallet {
  info: WalletInfo;
  provider: EventfulProvider;
}

function isWalletAnnouncement(detail: unknown): detail is DiscoveredWallet {
  if (typeof detail !== "object" || detail === null) return false;
  const { info, provider } = detail as { info?: Partial<WalletInfo>; provider?: { request?: unknown } };
  return (
    typeof info?.uuid === "string" &&
    typeof info.name === "string" &&
    typeof info.rdns === "string" &&
    typeof info.icon === "string" &&
    typeof provider?.request === "function"
  );
}

/** A copy of an announcement (wallets freeze theirs) whose icon is a data URI: a wallet cannot make the page load a URL. */
function announced(detail: DiscoveredWallet): DiscoveredWallet {
  const icon = /^data:image\//u.test(detail.info.icon) ? detail.info.icon : "";
  return { info: { uuid: detail.info.uuid, name: detail.info.name, icon, rdns: detail.info.rdns }, provider: detail.provider };
}

/** Every wallet that has announced itself since the page opened, one entry per uuid, in order of arrival. */
export function useDiscoveredWallets(): DiscoveredWallet[] {
  const [wallets, setWallets] = useState<DiscoveredWallet[]>([]);
  useEffect(() => {
    const onAnnounce = (event: Event): void => {
      const detail = (event as CustomEvent<unknown>).detail;
      if (!isWalletAnnouncement(detail)) return;
      const wallet = announced(detail);
      setWallets((known) => (known.some((entry) => entry.info.uuid === wallet.info.uuid) ? known : [...known, wallet]));
    };
    window.addEventListener("eip6963:announceProvider", onAnnounce);
    window.dispatchEvent(new Event("eip6963:requestProvider"));
    return () => window.removeEventListener("eip6963:announceProvider", onAnnounce);
  }, []);
  return wallets;
}

/** What the dApp does when the wallet changes under it. */
export interface WalletChangeHandlers {
  /** The wallet now offers another account (or none: locked or disconnected). */
  onAccountChanged(account: string | null): void;
  onNetworkChanged(chainId: bigint): void;
}

/** Follows the wallet's account and network; the returned function stops following. */
export function followWallet(provider: EventfulProvider, handlers: WalletChangeHandlers): () => void {
  if (provider.on === undefined) return () => undefined;
  const onAccounts = (...args: unknown[]): void => {
    const accounts = Array.isArray(args[0]) ? (args[0] as unknown[]) : [];
    handlers.onAccountChanged(typeof accounts[0] === "string" ? accounts[0] : null);
  };
  const onChain = (...args: unknown[]): void => {
    if (typeof args[0] === "string") handlers.onNetworkChanged(BigInt(args[0]));
  };
  provider.on("accountsChanged", onAccounts);
  provider.on("chainChanged", onChain);
  return () => {
    provider.removeListener?.("accountsChanged", onAccounts);
    provider.removeListener?.("chainChanged", onChain);
  };
}

/**
 * The wallets that answer a discovery request at once. Installed wallets listen for the request from page load
 * and announce inside their listener, so this is synchronous; a reload uses it to find the wallet it signed with.
 */
export function discoverWalletsNow(): DiscoveredWallet[] {
  const found: DiscoveredWallet[] = [];
  const onAnnounce = (event: Event): void => {
    const detail = (event as CustomEvent<unknown>).detail;
    if (isWalletAnnouncement(detail) && !found.some((wallet) => wallet.info.uuid === detail.info.uuid)) found.push(announced(detail));
  };
  window.addEventListener("eip6963:announceProvider", onAnnounce);
  window.dispatchEvent(new Event("eip6963:requestProvider"));
  window.removeEventListener("eip6963:announceProvider", onAnnounce);
  return found;
}
