import { useFetcher } from "@remix-run/react";
import { useId } from "react";
import { ActionResult } from "~/components/ui/action-result.tsx";

/** A reply the AI drafted in Manual mode: only operators see it; send it as is, edit it first, or discard it. */
export function DraftCard({ draft }: { draft: { id: string; agentName: string; content: string } }) {
  const fetcher = useFetcher<{ ok?: string; error?: string }>();
  const id = useId();
  const busy = fetcher.state !== "idle";
  return (
    <fetcher.Form
      method="post"
      className="rounded-lg border border-dashed border-violet-400 bg-violet-50 p-3"
      aria-label={`Draft by ${draft.agentName}`}
    >
      <input type="hidden" name="draftId" value={draft.id} />
      <label htmlFor={id} className="block text-xs font-medium text-violet-900">
        Draft by {draft.agentName} (AI) · only your team sees this until it is sent
      </label>
      <textarea
        id={id}
        name="content"
        defaultValue={draft.content}
        rows={Math.min(8, Math.max(2, Math.ceil(draft.content.length / 90)))}
        className="mt-1 w-full rounded-md border border-violet-300 bg-white px-2 py-1 text-sm"
      />
      <div className="mt-2 flex gap-2">
        <button
          type="submit"
          name="intent"
          value="send-draft"
          disabled={busy}
          className="rounded-md bg-violet-800 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-60"
        >
          {busy && fetcher.formData?.get("intent") === "send-draft" ? "Sending…" : "Send"}
        </button>
        <button
          type="submit"
          name="intent"
          value="discard-draft"
          disabled={busy}
          className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-700 disabled:opacity-60"
        >
          Discard
        </button>
      </div>
      <ActionResult result={fetcher.data} className="mt-2" />
    </fetcher.Form>
  );
}
