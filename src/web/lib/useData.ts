import { useCallback, useEffect, useState } from "react";
import { useLanguage, useT } from "./i18n";
import { explain } from "./errors";
import type { Explained } from "./errors";

/**
 * Loads a page's data from the API and reloads it on demand; `reload(minBlock)` waits until the index has applied
 * the block of the page's own transaction, so the page never shows the state from before it.
 */
export function useData<T>(load: (minBlock: number | null) => Promise<T>, dependencies: readonly unknown[]) {
  const t = useT();
  const language = useLanguage();
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<Explained | null>(null);
  const [loading, setLoading] = useState(true);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const run = useCallback(load, dependencies);
  const reload = useCallback(
    async (minBlock: number | null = null) => {
      setLoading(true);
      try {
        setData(await run(minBlock));
        setError(null);
      } catch (caught) {
        setError(explain(caught, t, language));
      } finally {
        setLoading(false);
      }
    },
    [run, t, language],
  );
  useEffect(() => {
    // Another thing to load (another piece, another member): the previous answer is not this one's, so it goes
    // before the new one arrives, and a failure never shows beside the old result.
    setData(null);
    setError(null);
    void reload();
  }, [reload]);
  return { data, error, loading, reload };
}

export function blockQuery(minBlock: number | null, separator: "?" | "&" = "?"): string {
  return minBlock === null ? "" : `${separator}minBlock=${minBlock}`;
}
