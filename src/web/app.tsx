import { createContext, useContext } from "react";
import type { Api } from "./lib/api";
import type { Connection } from "./lib/chain";
import type { DappConfig, DirectoryEntryJson as Member, SessionJson as Session } from "../api/wire/schemas";

/** What every page shares once a member has signed in. */
export interface AppState {
  config: DappConfig;
  api: Api;
  connection: Connection;
  session: Session;
  members: Member[];
  /** A member's display name for an address (its admitted application's name, or the member number, or the short address). */
  nameOf: (address: string | null | undefined) => string;
  /** The member an address belongs to. */
  memberOf: (address: string) => Member | undefined;
  /** Reads the directory again (after an admission, a new address, a role). */
  reloadMembers: () => Promise<void>;
  navigate: (route: string) => void;
}

export const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const state = useContext(AppContext);
  if (state === null) throw new Error("useApp outside a signed-in page");
  return state;
}

export function hasRole(session: Session, role: string): boolean {
  return session.active && session.roles.includes(role);
}
