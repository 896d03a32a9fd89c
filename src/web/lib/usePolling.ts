import { useEffect, useRef } from "react";

/** How often a page that shows another party's actions asks again (a request declined, withdrawn, funded). */
export const POLL_MS = 4_000;

/**
 * Calls `refresh` every `intervalMs` while the tab is visible, never while the previous call is still running, so a
 * page follows what others do without reloading and a slow API gets at most one question at a time from it;
 * `immediate` asks once at once too.
 */
export function usePolling(refresh: () => Promise<unknown>, intervalMs = POLL_MS, immediate = false): void {
  const latest = useRef(refresh);
  useEffect(() => {
    latest.current = refresh;
  }, [refresh]);
  useEffect(() => {
    let running = false;
    const tick = (): void => {
      if (running || document.visibilityState !== "visible") return;
      running = true;
      void latest.current().finally(() => {
        running = false;
      });
    };
    if (immediate) tick();
    const timer = window.setInterval(tick, intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs, immediate]);
}
