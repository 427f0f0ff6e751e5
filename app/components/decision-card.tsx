import { Link, useFetcher } from "@remix-run/react";
import { useState } from "react";
import { ActionResult } from "~/components/ui/action-result.tsx";

/** The same shape as DecisionCardData on the server, as the browser receives it. */
export interface DecisionView {
  id: string;
  conversationId: string;
  customer: string;
  agent: string;
  action: string;
  summary: string;
  reasoning: string;
  confidence: number | null;
  calibratedConfidence: number;
  context: Record<string, string>;
  status: string;
  decidedByName: string | null;
  rejectionReason: string | null;
  createdAt: string;
  decidedAt: string | null;
  record: { attempts: number; approvals: number; successRate: number };
}

const percent = (x: number | null) => (x === null ? "not given" : `${Math.round(x * 100)} %`);

/**
 * A decision explainer: what the AI wants to do, why, how sure it is (its own number beside the
 * track record's), in what context, and Approve / Reject for a proposal.
 */
export function DecisionCard({
  decision,
  showConversationLink = true,
  autoApproveFrom,
}: {
  decision: DecisionView;
  showConversationLink?: boolean;
  autoApproveFrom?: number;
}) {
  const fetcher = useFetcher<{ ok?: string; error?: string }>();
  const [rejecting, setRejecting] = useState(false);
  const busy = fetcher.state !== "idle";
  const open = decision.status === "proposed";
  return (
    <article
      aria-label={`Decision: ${decision.summary}`}
      data-decision={decision.id}
      tabIndex={-1}
      className="rounded-lg border border-slate-200 bg-white p-4 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-600"
    >
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 className="font-semibold">{decision.summary}</h3>
        <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700">
          {decision.status.replace("_", " ")}
        </span>
      </div>
      <p className="mt-1 text-sm text-slate-600">
        {decision.customer} · {decision.agent} agent · {new Date(decision.createdAt).toLocaleString()}
      </p>
      <p className="mt-2 whitespace-pre-wrap break-words text-sm">{decision.reasoning}</p>
      <dl className="mt-3 grid grid-cols-2 gap-x-4 gap-y-1 text-sm sm:grid-cols-4">
        <div>
          <dt className="text-slate-500">Model's confidence</dt>
          <dd>{percent(decision.confidence)}</dd>
        </div>
        <div>
          <dt className="text-slate-500">Track record</dt>
          <dd>{percent(decision.calibratedConfidence)}</dd>
        </div>
        <div className="col-span-2">
          <dt className="text-slate-500">Context</dt>
          <dd>
            {Object.entries(decision.context)
              .map(([k, v]) => `${k}: ${v}`)
              .join(" · ")}
          </dd>
        </div>
      </dl>
      <p className="mt-2 text-xs text-slate-600">
        Approved {decision.record.approvals} of {decision.record.attempts} times in this context
        {autoApproveFrom ? `; auto-approval from ${autoApproveFrom}` : ""}.
      </p>
      {decision.decidedByName ? (
        <p className="mt-1 text-xs text-slate-600">
          Decided by {decision.decidedByName}
          {decision.rejectionReason ? `: ${decision.rejectionReason}` : ""}
        </p>
      ) : null}
      {open ? (
        <fetcher.Form method="post" action="/dashboard/decisions" className="mt-3 flex flex-wrap items-end gap-2">
          <input type="hidden" name="id" value={decision.id} />
          <button
            type="submit"
            name="intent"
            value="approve"
            disabled={busy}
            data-approve
            className="rounded-md bg-emerald-700 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-60"
          >
            {busy && fetcher.formData?.get("intent") === "approve" ? "Approving…" : "Approve"}
          </button>
          {rejecting ? (
            <>
              <label className="text-sm">
                Reason (optional){" "}
                <input
                  name="reason"
                  maxLength={500}
                  autoFocus
                  className="rounded-md border border-slate-300 px-2 py-1"
                />
              </label>
              <button
                type="submit"
                name="intent"
                value="reject"
                disabled={busy}
                className="rounded-md border border-red-700 px-3 py-1.5 text-sm font-medium text-red-800 disabled:opacity-60"
              >
                {busy && fetcher.formData?.get("intent") === "reject" ? "Rejecting…" : "Confirm reject"}
              </button>
            </>
          ) : (
            <button
              type="button"
              data-reject
              onClick={() => setRejecting(true)}
              className="rounded-md border border-slate-300 px-3 py-1.5 text-sm text-slate-700"
            >
              Reject
            </button>
          )}
          {showConversationLink ? (
            <Link
              to={`/dashboard/conversations/${decision.conversationId}`}
              className="ml-auto text-sm text-brand-700 underline"
            >
              Open conversation
            </Link>
          ) : null}
        </fetcher.Form>
      ) : null}
      <ActionResult result={fetcher.data} className="mt-2" />
    </article>
  );
}
