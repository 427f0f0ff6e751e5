import { useFetcher } from "@remix-run/react";
import { useId } from "react";

const labels: Record<string, string> = {
  manual: "Manual (AI drafts, people decide)",
  semi_auto: "Semi-Auto (sensitive actions wait)",
  auto: "Auto (within limits)",
};

/** The autonomy mode toggle: global (admins) or for one conversation (with "use the global mode"). */
export function ModeSelect({
  label,
  current,
  conversationId,
  globalMode,
}: {
  label: string;
  current: string | null;
  conversationId?: string;
  globalMode?: string;
}) {
  const fetcher = useFetcher<{ ok?: string; error?: string }>();
  const id = useId();
  return (
    <fetcher.Form method="post" action="/dashboard/decisions" className="flex items-center gap-2 text-sm">
      <input type="hidden" name="intent" value="mode" />
      {conversationId ? <input type="hidden" name="conversationId" value={conversationId} /> : null}
      <label htmlFor={id} className="text-slate-700">
        {label}
      </label>
      <select
        id={id}
        name="mode"
        defaultValue={current ?? "global"}
        onChange={(e) => fetcher.submit(e.currentTarget.form)}
        className="rounded-md border border-slate-300 px-2 py-1"
      >
        {conversationId ? <option value="global">Global ({(globalMode ?? "").replace("_", "-")})</option> : null}
        {Object.entries(labels).map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
      {fetcher.state !== "idle" ? <span className="text-slate-500">Saving…</span> : null}
      {fetcher.data?.error ? (
        <span role="alert" className="text-red-800">
          {fetcher.data.error}
        </span>
      ) : null}
    </fetcher.Form>
  );
}
