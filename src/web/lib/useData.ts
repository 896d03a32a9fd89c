import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { useLanguage, useT } from "./i18n";
import { explain } from "./errors";
import type { Explained } from "./errors";

/**
 * Loads a page's data from the API and reloads it on demand; `reload(minBlock)` waits until the index has applied
 * the block of the page's own transaction, so the page never shows the state from before it.
 */
type Loaded<T> = { data: T } | { error: Explained };

/**
 * The highest block of a transaction this tab sent and saw mined (every page reloads with its receipt's block).
 * Every load asks the index for at least it, so a page opened after the member's own transaction on another page
 * never shows the state from before it (the API waits for the index to apply the block, up to 10 s).
 */
let ownBlock: number | null = null;

function atLeastOwn(minBlock: number | null): number | null {
  if (minBlock !== null && (ownBlock === null || minBlock > ownBlock)) ownBlock = minBlock;
  return ownBlock;
}

export function useData<T>(load: (minBlock: number | null) => Promise<T>, dependencies: readonly unknown[]) {
  const t = useT();
  const language = useLanguage();
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<Explained | null>(null);
  const [loading, setLoading] = useState(true);
  // The caller's dependency list, as useEffect takes one: `load` changes when one of them does.
  // eslint-disable-next-line react-hooks/exhaustive-deps, react-hooks/use-memo -- the list is the caller's, not a literal here
  const run = useCallback(load, dependencies);
  // Loads once and answers what the page shows next; `show` then puts it in the state.
  const fetchData = useCallback(
    async (minBlock: number | null): Promise<Loaded<T>> => {
      try {
        return { data: await run(atLeastOwn(minBlock)) };
      } catch (caught) {
        return { error: explain(caught, t, language) };
      }
    },
    [run, t, language],
  );
  const show = useCallback((loaded: Loaded<T>) => {
    if ("data" in loaded) {
      setData(loaded.data);
      setError(null);
    } else {
      setError(loaded.error);
    }
    setLoading(false);
  }, []);
  // Another thing to load (another piece, another member): the previous answer is not this one's, so it goes
  // before the new one arrives, and a failure never shows beside the old result (state adjusted while rendering,
  // the effect below then loads).
  const [shownFor, setShownFor] = useState(() => fetchData);
  if (shownFor !== fetchData) {
    setShownFor(() => fetchData);
    setData(null);
    setError(null);
    setLoading(true);
  }
  // The loader whose answers the page may show: an answer that arrives after the page moved on to another thing
  // (a slow quote for the whole piece, once the clerk has typed an amount) is dropped, never shown for the new one.
  const latest = useRef(fetchData);
  useLayoutEffect(() => {
    latest.current = fetchData;
  }, [fetchData]);
  const showIfCurrent = useCallback(
    (loadedBy: typeof fetchData, loaded: Loaded<T>) => {
      if (latest.current === loadedBy) show(loaded);
    },
    [show],
  );
  const reload = useCallback(
    async (minBlock: number | null = null) => {
      setLoading(true);
      showIfCurrent(fetchData, await fetchData(minBlock));
    },
    [fetchData, showIfCurrent],
  );
  useEffect(() => {
    void fetchData(null).then((loaded) => showIfCurrent(fetchData, loaded));
  }, [fetchData, showIfCurrent]);
  return { data, error, loading, reload };
}

export function blockQuery(minBlock: number | null, separator: "?" | "&" = "?"): string {
  return minBlock === null ? "" : `${separator}minBlock=${minBlock}`;
}
