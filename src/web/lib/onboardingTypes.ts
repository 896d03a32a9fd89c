/** The JSON of the onboarding, directory and offer routes (src/api/routes/applications.ts, offers.ts). */

export interface ApplicationWire {
  applicant: string;
  nameZh: string;
  nameEn: string;
  creditCode: string;
  roles: number;
  contacts: Array<{ name: string; email: string; phone: string }>;
  addresses: string[];
  filedAt: number;
}

export type ApplicationState = "pending" | "admitted" | "refused";

export interface ApplicationView {
  hash: string;
  application: ApplicationWire;
  signature: string;
  receivedAt: number;
  state: ApplicationState;
  roles: string[];
  leiHash: string;
  refusal: { refusal: { reason: string; refusedAt: number }; operator: string } | null;
  duplicates: Array<{ hash: string; applicant: string; nameEn: string; nameZh: string; state: ApplicationState }>;
  addressesTaken: Array<{ address: string; memberId: number }>;
}

export interface ApplicantStatus {
  applicant: string;
  memberId: number;
  applications: Array<{ hash: string; nameZh: string; nameEn: string; creditCode: string; roles: string[]; filedAt: number; state: ApplicationState; refusal: { reason: string; refusedAt: number } | null }>;
}

export interface OfferWire {
  factor: string;
  anchorId: number;
  rateBps: number;
  maxTenorDays: number;
  minValue: string;
  maxValue: string;
  appetite: string;
  validUntil: number;
  issuedAt: number;
}

export interface OfferView {
  offer: OfferWire;
  hash: string;
  signature: string;
  receivedAt: number;
}

export interface OwnOfferView extends OfferView {
  current: boolean;
  remaining: string;
  requests: Array<{ holder: string; request: { tokenId: string; value: string; minPrice: string; factor: string; nonce: string; deadline: string } }>;
}

export interface QuoteView extends OfferView {
  price: string;
  remaining: string;
}

export interface Quotes {
  piece: { tokenId: string; value: string; anchorId: number; maturity: string; days: string };
  asOf: string;
  quotes: QuoteView[];
  unfit: Array<{ factor: string; reason: string }>;
}
