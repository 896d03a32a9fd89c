import { StrictMode, useCallback, useEffect, useMemo, useState } from "react";
import { createRoot } from "react-dom/client";
import { getAddress } from "ethers";
import { AppContext, hasRole } from "./app";
import type { AppState } from "./app";
import { ErrorBox, Progress, useAction } from "./components";
import { Api, ApiFailure } from "./lib/api";
import { NoWalletError, connectWallet } from "./lib/chain";
import type { Connection } from "./lib/chain";
import { LanguageContext, translator, useLanguage, useT } from "./lib/i18n";
import type { Language, MessageKey } from "./lib/i18n";
import { httpProvider, keyWallet } from "./lib/keyWallet";
import type { Eip1193Provider } from "./lib/keyWallet";
import { signIn } from "./lib/session";
import { discoverWalletsNow, followWallet, useDiscoveredWallets } from "./lib/wallets";
import type { DiscoveredWallet } from "./lib/wallets";
import { setMoneyLanguage, shortAddress } from "./lib/money";
import type { DappConfig, DirectoryEntryJson as Member, SessionJson as Session } from "../api/wire/schemas";
import { Notifications } from "./Notifications";
import { ActivityPage } from "./pages/Activity";
import { AnchorPage } from "./pages/Anchor";
import { CashPage } from "./pages/Cash";
import { AuditorPage } from "./pages/Auditor";
import { ClaimsPage } from "./pages/Claims";
import { DocumentsPage } from "./pages/Documents";
import { FactorPage } from "./pages/Factor";
import { FinancePage } from "./pages/Finance";
import { OperatorPage } from "./pages/Operator";
import { ApplyPage } from "./pages/Apply";
import { VerifierPage } from "./pages/Verifier";
import { PiecePage } from "./pages/Piece";
import { PortfolioPage } from "./pages/Portfolio";
import { TransferPage } from "./pages/Transfer";
import "./styles.css";

declare global {
  interface Window {
    ethereum?: Eip1193Provider;
  }
}

const api = new Api();

interface SignedIn {
  connection: Connection;
  session: Session;
  members: Member[];
  /** The EIP-6963 id (rdns) of the wallet that signed, when it announced itself. */
  walletId?: string;
}

/** Why the member was signed out by its wallet, shown on the sign-in page. */
type WalletNotice = { kind: "account"; account: string | null } | { kind: "network"; actual: bigint; expected: bigint };

function routeOf(hash: string): string {
  return hash.replace(/^#\/?/u, "") || "portfolio";
}

interface NavItem {
  route: string;
  label: MessageKey;
  visible(session: Session): boolean;
}

const NAV: NavItem[] = [
  { route: "portfolio", label: "nav.portfolio", visible: () => true },
  { route: "transfer", label: "nav.transfer", visible: (s) => hasRole(s, "SUPPLIER") || hasRole(s, "FACTOR") },
  { route: "finance", label: "nav.finance", visible: (s) => hasRole(s, "SUPPLIER") },
  { route: "claims", label: "nav.claims", visible: (s) => hasRole(s, "SUPPLIER") || hasRole(s, "FACTOR") },
  { route: "factor", label: "nav.factor", visible: (s) => hasRole(s, "FACTOR") },
  { route: "anchor", label: "nav.anchor", visible: (s) => hasRole(s, "ANCHOR") },
  { route: "auditor", label: "nav.auditor", visible: (s) => hasRole(s, "AUDITOR") || hasRole(s, "OPERATOR") },
  { route: "documents", label: "nav.documents", visible: (s) => hasRole(s, "SUPPLIER") || hasRole(s, "CARRIER") },
  { route: "operator", label: "nav.operator", visible: (s) => hasRole(s, "OPERATOR") },
  { route: "verifier", label: "nav.verifier", visible: (s) => hasRole(s, "VERIFIER") },
  { route: "activity", label: "nav.activity", visible: () => true },
  { route: "cash", label: "nav.cash", visible: () => true },
];

/** What a reload needs to resume a sign-in in this tab: the API session and which wallet signed it. */
interface StoredSignIn {
  token: string;
  kind: Connection["kind"];
  address: string;
  walletId?: string;
}

const SIGN_IN_KEY = "chainbill.signIn";

function rememberSignIn(signedIn: SignedIn): void {
  if (api.token === null) return;
  const stored: StoredSignIn = {
    token: api.token,
    kind: signedIn.connection.kind,
    address: signedIn.connection.address,
    walletId: signedIn.walletId,
  };
  sessionStorage.setItem(SIGN_IN_KEY, JSON.stringify(stored));
}

function storedSignIn(): StoredSignIn | null {
  try {
    const parsed = JSON.parse(sessionStorage.getItem(SIGN_IN_KEY) ?? "null") as Partial<StoredSignIn> | null;
    if (parsed === null || typeof parsed.token !== "string" || typeof parsed.address !== "string") return null;
    if (parsed.kind !== "injected" && parsed.kind !== "demo") return null;
    return {
      token: parsed.token,
      kind: parsed.kind,
      address: parsed.address,
      walletId: typeof parsed.walletId === "string" ? parsed.walletId : undefined,
    };
  } catch {
    return null;
  }
}

/**
 * Resumes the tab's sign-in after a reload: the API must still hold the session, and the wallet must still be on
 * the same account (a wallet that switched accounts signs in afresh). Null when either is not so.
 */
async function resumeSignIn(config: DappConfig): Promise<SignedIn | null> {
  const stored = storedSignIn();
  if (stored === null) return null;
  try {
    let provider: Eip1193Provider;
    if (stored.kind === "demo") {
      const account = config.demoAccounts.find((entry) => getAddress(entry.address) === getAddress(stored.address));
      if (account === undefined || config.rpcUrl === null) return null;
      provider = keyWallet(account.privateKey, httpProvider(config.rpcUrl));
    } else {
      const announced = stored.walletId === undefined ? undefined : discoverWalletsNow().find((wallet) => wallet.info.rdns === stored.walletId);
      const found = announced?.provider ?? window.ethereum;
      if (found === undefined) return null;
      provider = found;
    }
    api.token = stored.token;
    const session = await api.call("session");
    const connection = await connectWallet(stored.kind, provider, config);
    if (getAddress(connection.address) !== getAddress(session.address)) throw new Error("the wallet changed accounts");
    const { members } = await api.call("directory");
    return { connection, session, members, walletId: stored.walletId };
  } catch {
    api.token = null;
    sessionStorage.removeItem(SIGN_IN_KEY);
    return null;
  }
}

function WalletNoticeLine({ notice }: { notice: WalletNotice | null }) {
  const t = useT();
  if (notice === null) return null;
  return (
    <p className="error" role="alert" data-testid="wallet-notice">
      {notice.kind === "account"
        ? notice.account === null
          ? t("signin.walletLocked")
          : t("signin.accountChanged", { address: shortAddress(notice.account) })
        : t("signin.networkChanged", { actual: notice.actual, expected: notice.expected })}
    </p>
  );
}

function SignInPage({
  config,
  notice,
  onSignedIn,
  onApplicant,
}: {
  config: DappConfig;
  notice: WalletNotice | null;
  onSignedIn: (signedIn: SignedIn) => void;
  onApplicant: (connection: Connection) => void;
}) {
  const t = useT();
  const language = useLanguage();
  const { progress, error, run, busy } = useAction();
  const discovered = useDiscoveredWallets();
  // The wallet behind window.ethereum keeps the plain button (named when it announced itself); every other
  // announced wallet gets a button of its own, so several installed wallets do not fight over one.
  const injected = discovered.find((wallet) => wallet.provider === window.ethereum);
  const others = discovered.filter((wallet) => wallet !== injected);
  const start = (kind: Connection["kind"], provider: () => Eip1193Provider, walletId?: string) =>
    run(["progress.connect", "progress.signIn", "progress.verify"], async (step) => {
      const connection = await connectWallet(kind, provider(), config);
      let session: Session;
      try {
        session = await signIn(
          api,
          connection,
          () => step("progress.signIn"),
          () => step("progress.verify"),
        );
      } catch (caught) {
        // A wallet that belongs to no member is a company that may apply: the application page, not an error.
        if (caught instanceof ApiFailure && caught.code === "NOT_A_MEMBER") {
          onApplicant(connection);
          return;
        }
        throw caught;
      }
      const { members } = await api.call("directory");
      onSignedIn({ connection, session, members, walletId });
    });
  const walletButton = (wallet: DiscoveredWallet) => (
    <button
      key={wallet.info.uuid}
      type="button"
      className="secondary"
      disabled={busy}
      data-testid={`connect-wallet-${wallet.info.rdns}`}
      onClick={() => void start("injected", () => wallet.provider, wallet.info.rdns)}
    >
      {wallet.info.icon !== "" && <img src={wallet.info.icon} alt="" width={16} height={16} />} {t("signin.connectNamed", { name: wallet.info.name })}
    </button>
  );
  const rpcUrl = config.rpcUrl;
  return (
    <main className="signin card" data-testid="signin-page">
      <h1>{t("signin.title")}</h1>
      <p>{t("signin.intro")}</p>
      <WalletNoticeLine notice={notice} />
      <button
        type="button"
        disabled={busy}
        data-testid="connect-wallet"
        onClick={() =>
          void start(
            "injected",
            () => {
              if (window.ethereum === undefined) throw new NoWalletError();
              return window.ethereum;
            },
            injected?.info.rdns,
          )
        }
      >
        {injected === undefined ? t("signin.browserWallet") : t("signin.connectNamed", { name: injected.info.name })}
      </button>
      {others.length > 0 && <div className="wallets">{others.map(walletButton)}</div>}
      {window.ethereum === undefined && others.length === 0 && <p className="muted">{t("signin.noWallet")}</p>}
      {config.demoAccounts.length > 0 && rpcUrl !== null && (
        <div className="demo-accounts">
          <h2>{t("signin.demo")}</h2>
          <p className="muted">{t("signin.demoHint")}</p>
          <ul>
            {config.demoAccounts.map((account) => (
              <li key={account.address}>
                <button
                  type="button"
                  className="secondary"
                  disabled={busy}
                  onClick={() => void start("demo", () => keyWallet(account.privateKey, httpProvider(rpcUrl)))}
                >
                  {t("signin.as", { name: language === "zh" ? account.nameZh : account.name })}
                </button>
                <span className="muted">
                  {" "}
                  {t(`role.${account.role}` as MessageKey)} · {shortAddress(account.address)}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
      <Progress progress={progress} />
      <ErrorBox error={error} />
    </main>
  );
}

function useLanguageState(): { language: Language } {
  const stored = typeof localStorage === "undefined" ? null : localStorage.getItem("chainbill.language");
  return { language: stored === "zh" ? "zh" : "en" };
}

function Root() {
  const [language, setLanguage] = useState<Language>(useLanguageState().language);
  const t = useMemo(() => {
    // Amounts follow the language before any page renders with it (lib/money.ts).
    setMoneyLanguage(language);
    return translator(language);
  }, [language]);
  const [config, setConfig] = useState<DappConfig | null>(null);
  const [configError, setConfigError] = useState<string | null>(null);
  const [signedIn, setSignedIn] = useState<SignedIn | null>(null);
  const [resuming, setResuming] = useState(storedSignIn() !== null);
  const [walletNotice, setWalletNotice] = useState<WalletNotice | null>(null);
  const [applicant, setApplicant] = useState<Connection | null>(null);
  const [route, setRoute] = useState(routeOf(window.location.hash));

  useEffect(() => {
    api.call("config").then(setConfig, (error: unknown) => setConfigError(error instanceof Error ? error.message : String(error)));
    const onHash = (): void => setRoute(routeOf(window.location.hash));
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  useEffect(() => {
    if (config === null || !resuming) return;
    void resumeSignIn(config).then((resumed) => {
      setSignedIn(resumed);
      setResuming(false);
    });
  }, [config, resuming]);
  useEffect(() => {
    localStorage.setItem("chainbill.language", language);
    document.documentElement.lang = language === "zh" ? "zh-CN" : "en";
  }, [language]);

  const navigate = useCallback((next: string) => {
    window.location.hash = `#/${next}`;
  }, []);

  const state: AppState | null = useMemo(() => {
    if (config === null || signedIn === null) return null;
    const memberOf = (address: string): Member | undefined =>
      signedIn.members.find((member) => member.accounts.some((account) => getAddress(account) === getAddress(address)));
    return {
      config,
      api,
      connection: signedIn.connection,
      session: signedIn.session,
      members: signedIn.members,
      memberOf,
      nameOf: (address) => {
        if (address === null || address === undefined) return t("common.none");
        const member = memberOf(address);
        if (member === undefined) return shortAddress(address);
        const name = language === "zh" ? member.nameZh : member.nameEn;
        return name === null || name === undefined ? `#${member.memberId} ${shortAddress(address)}` : name;
      },
      reloadMembers: async () => {
        const { members } = await api.call("directory");
        setSignedIn((current) => (current === null ? null : { ...current, members }));
      },
      navigate,
    };
  }, [config, signedIn, language, t, navigate]);

  const onSignedIn = (next: SignedIn): void => {
    setApplicant(null);
    rememberSignIn(next);
    setWalletNotice(null);
    setSignedIn(next);
  };

  const signOut = useCallback((): void => {
    void api.signOut();
    sessionStorage.removeItem(SIGN_IN_KEY);
    setSignedIn(null);
    // The next member to sign in starts on its own portfolio, never on the page the previous one left open.
    navigate("portfolio");
  }, [navigate]);

  // A wallet that switches account or network under a signed-in page would sign as someone else, or on another
  // chain: the page signs out at once and says why, and the member signs in again as the wallet now is.
  useEffect(() => {
    if (signedIn === null || config === null) return undefined;
    const signedInAs = getAddress(signedIn.connection.address);
    const expected = BigInt(config.chainId);
    return followWallet(signedIn.connection.eip1193, {
      onAccountChanged: (account) => {
        if (account !== null && getAddress(account) === signedInAs) return;
        signOut();
        setWalletNotice({ kind: "account", account });
      },
      onNetworkChanged: (chainId) => {
        if (chainId === expected) return;
        signOut();
        setWalletNotice({ kind: "network", actual: chainId, expected });
      },
    });
  }, [signedIn, config, signOut]);

  let page;
  if (config === null) page = <main className="card">{configError ?? t("common.loading")}</main>;
  else if (state === null && applicant !== null)
    page = <ApplyPage api={api} config={config} connection={applicant} onLeave={() => setApplicant(null)} />;
  else if (state === null)
    page = resuming ? (
      <main className="card">{t("common.loading")}</main>
    ) : (
      <SignInPage config={config} notice={walletNotice} onSignedIn={onSignedIn} onApplicant={setApplicant} />
    );
  else {
    const [name, argument] = route.split("/");
    const navItem = NAV.find((item) => item.route === name);
    if (navItem !== undefined && !navItem.visible(state.session)) {
      page = (
        <main className="card" data-testid="not-allowed">
          {t("nav.notAllowed", { page: t(navItem.label), roles: state.session.roles.map((role) => t(`role.${role}` as MessageKey)).join(", ") })}
        </main>
      );
    } else
      switch (name) {
        case "piece":
          page = <PiecePage tokenId={argument ?? ""} />;
          break;
        case "transfer":
          page = <TransferPage />;
          break;
        case "finance":
          page = <FinancePage />;
          break;
        case "claims":
          page = <ClaimsPage />;
          break;
        case "factor":
          page = <FactorPage />;
          break;
        case "anchor":
          page = <AnchorPage />;
          break;
        case "auditor":
          page = <AuditorPage query={argument ?? ""} />;
          break;
        case "documents":
          page = <DocumentsPage />;
          break;
        case "operator":
          page = <OperatorPage />;
          break;
        case "verifier":
          page = <VerifierPage />;
          break;
        case "activity":
          page = <ActivityPage />;
          break;
        case "cash":
          page = <CashPage />;
          break;
        default:
          page = <PortfolioPage />;
      }
  }

  return (
    <LanguageContext.Provider value={{ language, t }}>
      <AppContext.Provider value={state}>
        <header>
          <div className="brand">
            <span className="logo">链票 Chainbill</span>
            <span className="muted">{t("app.tagline")}</span>
          </div>
          {state !== null && (
            <nav>
              {NAV.filter((item) => item.visible(state.session)).map((item) => (
                <a
                  key={item.route}
                  href={`#/${item.route}`}
                  className={route.split("/")[0] === item.route ? "active" : ""}
                  data-testid={`nav-${item.route}`}
                >
                  {t(item.label)}
                </a>
              ))}
            </nav>
          )}
          <div className="account">
            <button type="button" className="link" data-testid="language" onClick={() => setLanguage(language === "en" ? "zh" : "en")}>
              {t("lang.switch")}
            </button>
            {state !== null && (
              <>
                <Notifications />
                <span data-testid="signed-in-as">
                  {state.nameOf(state.session.address)} · {state.session.roles.map((role) => t(`role.${role}` as MessageKey)).join(", ")}
                </span>
                <button type="button" className="link" onClick={signOut}>
                  {t("nav.signOut")}
                </button>
              </>
            )}
          </div>
        </header>
        {page}
      </AppContext.Provider>
    </LanguageContext.Provider>
  );
}

const container = document.getElementById("root");
if (container === null) throw new Error("no #root element");
createRoot(container).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
