import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { ARTIFACTS, DESKTOP, PHONE } from "./browserStack";

/**
 * Every page a role can open, photographed as a clerk would see it: in English and in Chinese, at desktop
 * (1280 px) and phone (360 px) width, into test-artifacts/web/<role>/<page>.<lang>.<width>.png. At phone width
 * the page must not scroll sideways and no table may be wider than its card. Adding a page is one line in
 * ROLE_PAGES.
 */

export type WalkRole = "supplier" | "factor" | "anchor" | "auditor" | "operator" | "carrier" | "verifier";

export interface PageShot {
  /** The file name's first part. */
  name: string;
  /** The route after `#/`. */
  route: string;
  /** The test id shown once the page is there. */
  ready: string;
}

/** The first piece of receivable 1 (#1.1), which every walk leaves in place. */
const PIECE_1_1 = ((1n << 32n) | 1n).toString();

/** The pages each role can open, one line a page. */
export const ROLE_PAGES: Record<WalkRole, PageShot[]> = {
  supplier: [
    { name: "portfolio", route: "portfolio", ready: "portfolio-page" },
    { name: "activity", route: "activity", ready: "activity-page" },
    { name: "cash", route: "cash", ready: "cash-page" },
    { name: "transfer", route: "transfer", ready: "transfer-page" },
    { name: "finance", route: "finance", ready: "finance-page" },
    { name: "claims", route: "claims", ready: "claims-page" },
    { name: "documents", route: "documents", ready: "documents-page" },
    { name: "piece", route: `piece/${PIECE_1_1}`, ready: "lineage-tree" },
  ],
  factor: [
    { name: "portfolio", route: "portfolio", ready: "portfolio-page" },
    { name: "activity", route: "activity", ready: "activity-page" },
    { name: "cash", route: "cash", ready: "cash-page" },
    { name: "transfer", route: "transfer", ready: "transfer-page" },
    { name: "claims", route: "claims", ready: "claims-page" },
    { name: "factor", route: "factor", ready: "factor-book" },
    { name: "piece", route: `piece/${PIECE_1_1}`, ready: "lineage-tree" },
  ],
  anchor: [
    { name: "portfolio", route: "portfolio", ready: "portfolio-page" },
    { name: "activity", route: "activity", ready: "activity-page" },
    { name: "cash", route: "cash", ready: "cash-page" },
    { name: "anchor", route: "anchor", ready: "anchor-page" },
    { name: "piece", route: `piece/${PIECE_1_1}`, ready: "lineage-tree" },
  ],
  auditor: [
    { name: "portfolio", route: "portfolio", ready: "portfolio-page" },
    { name: "activity", route: "activity", ready: "activity-page" },
    { name: "cash", route: "cash", ready: "cash-page" },
    { name: "auditor", route: `auditor/${PIECE_1_1}`, ready: "audit-status" },
  ],
  operator: [
    { name: "portfolio", route: "portfolio", ready: "portfolio-page" },
    { name: "activity", route: "activity", ready: "activity-page" },
    { name: "cash", route: "cash", ready: "cash-page" },
    { name: "auditor", route: `auditor/${PIECE_1_1}`, ready: "audit-status" },
    { name: "operator", route: "operator", ready: "operator-members-table" },
  ],
  carrier: [
    { name: "portfolio", route: "portfolio", ready: "portfolio-page" },
    { name: "activity", route: "activity", ready: "activity-page" },
    { name: "cash", route: "cash", ready: "cash-page" },
    { name: "documents", route: "documents", ready: "documents-page" },
  ],
  verifier: [
    { name: "portfolio", route: "portfolio", ready: "portfolio-page" },
    { name: "activity", route: "activity", ready: "activity-page" },
    { name: "cash", route: "cash", ready: "cash-page" },
    { name: "verifier", route: "verifier", ready: "verifier-page" },
  ],
};

/** Removes the screenshots of an earlier run of the walks. */
export function clearShots(): void {
  for (const role of Object.keys(ROLE_PAGES)) fs.rmSync(path.join(ARTIFACTS, role), { recursive: true, force: true });
}

/** Waits until the page has no loading text and no action in progress. */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const text = document.body.innerText;
    return !text.includes("Loading…") && !text.includes("加载中…") && document.querySelector(".progress") === null;
  });
}

/** What is wider than it may be at this width: the page itself, or a table wider than its card. */
async function overflows(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    const scroller = document.scrollingElement ?? document.documentElement;
    if (scroller.scrollWidth > window.innerWidth) found.push(`the page is ${scroller.scrollWidth}px wide in a ${window.innerWidth}px window`);
    for (const table of Array.from(document.querySelectorAll("table"))) {
      const card = table.closest(".card");
      if (card === null) continue;
      const tableRight = table.getBoundingClientRect().right;
      const cardRight = card.getBoundingClientRect().right;
      if (tableRight > cardRight + 0.5) {
        const where = card.getAttribute("data-testid") ?? card.querySelector("h2,h3")?.textContent ?? "a card";
        found.push(`a table in ${where} reaches ${Math.round(tableRight - cardRight)}px past its card`);
      }
    }
    return found;
  });
}

async function setLanguage(page: Page, language: "en" | "zh"): Promise<void> {
  const current = (await page.locator("html").getAttribute("lang")) === "zh-CN" ? "zh" : "en";
  if (current !== language) await page.getByTestId("language").click();
  await page.waitForFunction((lang) => document.documentElement.lang === lang, language === "zh" ? "zh-CN" : "en");
}

/**
 * Photographs each of `shots` for `role` in both languages at both widths, on the signed-in `page`, and answers
 * every overflow found at phone width (empty when every page fits). The page is left in English at desktop width.
 */
export async function shootPages(page: Page, role: WalkRole, shots: PageShot[] = ROLE_PAGES[role]): Promise<string[]> {
  const dir = path.join(ARTIFACTS, role);
  fs.mkdirSync(dir, { recursive: true });
  const problems: string[] = [];
  for (const shot of shots) {
    for (const language of ["en", "zh"] as const) {
      await setLanguage(page, language);
      for (const viewport of [DESKTOP, PHONE]) {
        await page.setViewportSize(viewport);
        await page.evaluate((route) => {
          window.location.hash = `#/${route}`;
        }, shot.route);
        await page.getByTestId(shot.ready).first().waitFor();
        await settled(page);
        await page.screenshot({ path: path.join(dir, `${shot.name}.${language}.${viewport.width}.png`), fullPage: true });
        if (viewport === PHONE) for (const problem of await overflows(page)) problems.push(`${role} ${shot.name} ${language}: ${problem}`);
      }
    }
  }
  await page.setViewportSize(DESKTOP);
  await setLanguage(page, "en");
  return problems;
}

/** The routes of the role's menu that ROLE_PAGES does not photograph (empty when the list is complete). */
export async function unlistedPages(page: Page, role: WalkRole): Promise<string[]> {
  const routes = await page.locator("nav a").evaluateAll((links) => links.map((link) => (link.getAttribute("href") ?? "").replace(/^#\//u, "")));
  const listed = new Set(ROLE_PAGES[role].map((shot) => shot.route.split("/")[0]));
  return routes.filter((route) => !listed.has(route));
}
