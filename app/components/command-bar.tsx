import { useFetcher, useNavigate } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import type { loader } from "~/routes/dashboard.search.tsx";

/**
 * Search from anywhere in the dashboard: Ctrl+K (Cmd+K on a Mac) opens it, typing searches
 * conversations (customer, email, message text, ticket id) and tickets, arrows pick, Enter opens,
 * Escape closes. "See all" opens the inbox's full results.
 */
export function CommandBar() {
  const dialog = useRef<HTMLDialogElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const fetcher = useFetcher<typeof loader>();
  const navigate = useNavigate();
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const results = fetcher.data?.query === query.trim() ? fetcher.data.results : (fetcher.data?.results ?? []);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
        event.preventDefault();
        dialog.current?.showModal();
        input.current?.select();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  const { load } = fetcher;
  useEffect(() => {
    const q = query.trim();
    if (!q) return;
    const timer = setTimeout(() => load(`/dashboard/search?q=${encodeURIComponent(q)}`), 150);
    return () => clearTimeout(timer);
  }, [query, load]);

  const open = (href: string) => {
    dialog.current?.close();
    navigate(href);
  };

  return (
    <>
      <button
        type="button"
        onClick={() => {
          dialog.current?.showModal();
          input.current?.select();
        }}
        className="rounded-md border border-slate-300 px-2 py-1 text-slate-700 hover:bg-slate-100"
      >
        Search <kbd className="ml-1 font-mono text-xs text-slate-600">Ctrl K</kbd>
      </button>
      <dialog
        ref={dialog}
        aria-label="Command bar"
        className="mt-24 w-[min(40rem,92vw)] rounded-lg border border-slate-300 p-0 shadow-xl backdrop:bg-slate-900/30"
        onClick={(e) => e.target === dialog.current && dialog.current.close()}
      >
        <form
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            const pick = results[active];
            if (pick) open(pick.href);
            else if (query.trim()) open(`/dashboard?q=${encodeURIComponent(query.trim())}`);
          }}
        >
          <label htmlFor="command-search" className="sr-only">
            Find a conversation or ticket
          </label>
          <input
            ref={input}
            id="command-search"
            type="search"
            role="combobox"
            aria-expanded={results.length > 0}
            aria-controls="command-results"
            aria-activedescendant={results[active] ? `command-result-${active}` : undefined}
            autoComplete="off"
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              setActive(0);
            }}
            onKeyDown={(e) => {
              if (e.key === "ArrowDown") {
                e.preventDefault();
                setActive((i) => Math.min(results.length - 1, i + 1));
              } else if (e.key === "ArrowUp") {
                e.preventDefault();
                setActive((i) => Math.max(0, i - 1));
              }
            }}
            placeholder="Customer, email, message text or ticket id"
            className="w-full border-b border-slate-200 px-4 py-3 text-base outline-none"
          />
          <ul id="command-results" role="listbox" aria-label="Results" className="max-h-80 overflow-y-auto py-1">
            {results.map((r, i) => (
              <li
                key={r.href}
                id={`command-result-${i}`}
                role="option"
                aria-selected={i === active}
                onMouseEnter={() => setActive(i)}
                onClick={() => open(r.href)}
                className={`cursor-pointer px-4 py-2 ${i === active ? "bg-brand-50" : ""}`}
              >
                <span className="mr-2 text-xs uppercase text-slate-600">{r.kind}</span>
                <span className="font-medium">{r.title}</span>
                <span className="block truncate text-sm text-slate-600">{r.detail}</span>
              </li>
            ))}
            {query.trim() && fetcher.state === "idle" && fetcher.data && results.length === 0 ? (
              <li className="px-4 py-2 text-sm text-slate-600">Nothing matches.</li>
            ) : null}
          </ul>
          {query.trim() ? (
            <p className="border-t border-slate-200 px-4 py-2 text-sm">
              <button
                type="button"
                className="underline"
                onClick={() => open(`/dashboard?q=${encodeURIComponent(query.trim())}`)}
              >
                See all results in the inbox
              </button>
            </p>
          ) : null}
        </form>
      </dialog>
    </>
  );
}
