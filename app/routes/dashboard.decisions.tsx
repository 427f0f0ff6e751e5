import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useFetcher, useLoaderData } from "@remix-run/react";
import { useEffect } from "react";
import { decisionStatuses } from "#drizzle/schema.ts";
import { approveDecision, listDecisions, rejectDecision } from "#server/autonomy/decisions.ts";
import { summarise } from "#server/autonomy/report.ts";
import { actionNames, getAction } from "#server/autonomy/actions.ts";
import {
  getAutonomySettings,
  listAutonomyAudit,
  setAutonomyMode,
  updateActionPolicy,
} from "#server/autonomy/settings.ts";
import { listOperators } from "#server/operators/service.ts";
import { DecisionCard } from "~/components/decision-card.tsx";
import { ModeSelect } from "~/components/mode-select.tsx";
import { ExportLinks } from "~/components/export-links.tsx";
import { ActionResult } from "~/components/ui/action-result.tsx";
import { runAction } from "~/lib/action-error.server.ts";
import { decisionCards } from "~/lib/decisions.server.ts";
import { decisionFilterFrom } from "~/lib/decision-filter.server.ts";
import { requireOperatorSession } from "~/lib/operator.server.ts";
import { useInboxStream } from "~/lib/use-inbox-stream.ts";
import { badgeTitle } from "~/lib/attention.ts";

export const meta: MetaFunction = ({ matches }) => [{ title: badgeTitle(matches, "Decisions · Tandem") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  const { db } = context.services;
  const url = new URL(request.url);
  const filter = decisionFilterFrom(url);
  const queue = (await listDecisions(db, actor, { status: "proposed" }, 200)).reverse();
  const history = await listDecisions(db, actor, filter, 100);
  const settings = await getAutonomySettings(db);
  return {
    isAdmin: actor.role === "admin",
    actions: actionNames(),
    changes: (await listAutonomyAudit(db, actor, 10)).map((c) => ({
      id: c.id,
      at: c.createdAt.toISOString(),
      who: c.operatorName,
      text:
        c.scope === "policy"
          ? `changed the limits of ${c.subject}`
          : c.scope === "global"
            ? `set the mode for all conversations to ${c.subject.replace("_", "-")}`
            : `set a conversation's mode to ${c.subject.replace("_", "-")}`,
    })),
    policies: Object.entries(settings.actions).map(([action, p]) => ({
      action,
      risk: getAction(action)?.risk ?? "high",
      ...p,
    })),
    mode: settings.mode,
    autoApproveFrom: settings.actions.refund_payment?.minDecisions,
    queue: await decisionCards(db, queue),
    history: await decisionCards(db, history),
    summary: summarise(history),
    operators: (await listOperators(db, actor)).map((o) => ({ id: o.id, name: o.name })),
    filter: filter.raw,
    query: url.search,
  };
}

/** Approve, reject, or change a mode: used by this page, the conversation view and the mode toggles. */
export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  const form = await request.formData();
  const deps = { db: context.services.db, bus: context.services.bus };
  return runAction(async () => {
    switch (form.get("intent")) {
      case "approve":
        await approveDecision(deps, actor, form.get("id"));
        return { ok: "Approved: it has run." };
      case "reject":
        await rejectDecision(deps, actor, form.get("id"), form.get("reason"));
        return { ok: "Rejected. The customer is told a person will follow up." };
      case "policy": {
        const euros = String(form.get("autoLimit") ?? "").trim();
        await updateActionPolicy(context.services.db, actor, form.get("action"), {
          preApproved: form.get("preApproved") === "on",
          autoLimitCents:
            form.get("alwaysAsk") === "on" ? -1 : euros === "" ? undefined : Math.round(Number(euros) * 100),
          threshold: Number(form.get("threshold")),
          minDecisions: Number(form.get("minDecisions")),
        });
        return { ok: "Limits saved." };
      }
      case "mode": {
        const mode = String(form.get("mode") ?? "");
        const conversationId = form.get("conversationId") || undefined;
        const value = mode === "global" ? null : (mode as "manual" | "semi_auto" | "auto");
        await setAutonomyMode(deps, actor, value, conversationId);
        return { ok: "Mode changed. It applies from the AI's next step." };
      }
      default:
        return Response.json({ error: "Unknown action." }, { status: 400 });
    }
  });
}

const field = "rounded-md border border-slate-300 px-2 py-1 text-sm";

export default function Decisions() {
  const data = useLoaderData<typeof loader>();
  useInboxStream();
  useDecisionKeys();
  const exportQuery = (format: string) =>
    `/dashboard/decisions/export${data.query ? `${data.query}&` : "?"}format=${format}`;
  return (
    <main className="mx-auto w-full max-w-5xl space-y-8 px-4 py-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-xl font-semibold">Decisions</h1>
        {data.isAdmin ? (
          <ModeSelect label="Autonomy mode for all conversations" current={data.mode} />
        ) : (
          <p className="text-sm text-slate-600">Autonomy mode: {data.mode.replace("_", "-")}</p>
        )}
      </div>
      <section aria-labelledby="queue-heading">
        <h2 id="queue-heading" className="font-semibold">
          Waiting for a decision ({data.queue.length})
        </h2>
        <p className="text-xs text-slate-600">Oldest first. Keys: j / k to move, a to approve, r to reject.</p>
        {data.queue.length === 0 ? <p className="mt-2 text-sm text-slate-600">Nothing waits for you.</p> : null}
        <div className="mt-2 space-y-3">
          {data.queue.map((d) => (
            <DecisionCard key={d.id} decision={d} autoApproveFrom={data.autoApproveFrom} />
          ))}
        </div>
      </section>
      {data.isAdmin ? <PolicyTable policies={data.policies} /> : null}
      {data.changes.length ? (
        <section aria-labelledby="changes-heading">
          <h2 id="changes-heading" className="font-semibold">
            Recent changes to modes and limits
          </h2>
          <ul className="mt-1 space-y-1 text-sm text-slate-700">
            {data.changes.map((c) => (
              <li key={c.id}>
                {new Date(c.at).toLocaleString()}: {c.who} {c.text}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section aria-labelledby="history-heading" className="space-y-3">
        <h2 id="history-heading" className="font-semibold">
          History
        </h2>
        <Form method="get" className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3">
          <FilterSelect
            label="Status"
            name="status"
            value={data.filter.status}
            options={decisionStatuses.map((v) => [v, v.replace("_", " ")])}
          />
          <FilterSelect
            label="Action"
            name="action"
            value={data.filter.action}
            options={data.actions.map((a) => [a, a])}
          />
          <FilterSelect
            label="Agent"
            name="agent"
            value={data.filter.agent}
            options={["triage", "technical", "billing", "sales"].map((a) => [a, a])}
          />
          <FilterSelect
            label="Decided by"
            name="operator"
            value={data.filter.operator}
            any="Anyone"
            options={data.operators.map((o) => [o.id, o.name])}
          />
          <label className="text-sm">
            From <input type="date" name="from" defaultValue={data.filter.from ?? ""} className={field} />
          </label>
          <label className="text-sm">
            To <input type="date" name="to" defaultValue={data.filter.to ?? ""} className={field} />
          </label>
          <button type="submit" className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white">
            Apply
          </button>
          <span className="ml-auto">
            <ExportLinks href={exportQuery} />
          </span>
        </Form>
        <p className="text-sm text-slate-700" data-testid="decision-stats">
          {data.summary.total} decisions · approval rate {rate(data.summary.approvalRate)} · auto-approved{" "}
          {rate(data.summary.autoApprovalRate)} · reversed {rate(data.summary.reversalRate)} · median time to decision{" "}
          {data.summary.medianSecondsToDecision === null ? "n/a" : `${data.summary.medianSecondsToDecision} s`}
        </p>
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="w-full text-left text-sm">
            <thead className="bg-slate-50 text-slate-600">
              <tr>
                <th className="px-3 py-2">When</th>
                <th className="px-3 py-2">Summary</th>
                <th className="px-3 py-2">Agent</th>
                <th className="px-3 py-2">Status</th>
                <th className="px-3 py-2">Decided by</th>
              </tr>
            </thead>
            <tbody>
              {data.history.map((d) => (
                <tr key={d.id} className="border-t border-slate-100">
                  <td className="px-3 py-2 whitespace-nowrap">{new Date(d.createdAt).toLocaleString()}</td>
                  <td className="px-3 py-2">
                    <Link to={`/dashboard/conversations/${d.conversationId}`} className="text-brand-700 underline">
                      {d.summary}
                    </Link>
                  </td>
                  <td className="px-3 py-2">{d.agent}</td>
                  <td className="px-3 py-2">{d.status.replace("_", " ")}</td>
                  <td className="px-3 py-2">{d.decidedByName ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </main>
  );
}

/** One history filter: a labelled select whose first option means "no filter". */
function FilterSelect({
  label,
  name,
  value,
  options,
  any = "Any",
}: {
  label: string;
  name: string;
  value?: string;
  options: Array<[string, string]>;
  any?: string;
}) {
  return (
    <label className="text-sm">
      {label}{" "}
      <select name={name} defaultValue={value ?? ""} className={field}>
        <option value="">{any}</option>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

function PolicyTable({
  policies,
}: {
  policies: Array<{
    action: string;
    risk: string;
    preApproved: boolean;
    autoLimitCents: number;
    threshold: number;
    minDecisions: number;
  }>;
}) {
  return (
    <section aria-labelledby="limits-heading" className="space-y-2">
      <h2 id="limits-heading" className="font-semibold">
        Limits
      </h2>
      <p className="text-xs text-slate-600">
        Semi-Auto runs an action by itself when it is pre-approved, or once its track record's lower bound passes the
        threshold with enough decisions behind it. Auto runs it up to its limit (credits: per customer per month).
      </p>
      <ul className="space-y-2">
        {policies.map((p) => (
          <li key={p.action} className="rounded-lg border border-slate-200 bg-white p-3">
            <PolicyForm policy={p} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function PolicyForm({
  policy: p,
}: {
  policy: {
    action: string;
    risk: string;
    preApproved: boolean;
    autoLimitCents: number;
    threshold: number;
    minDecisions: number;
  };
}) {
  const fetcher = useFetcher<{ ok?: string; error?: string }>();
  return (
    <fetcher.Form
      method="post"
      className="flex flex-wrap items-end gap-3 text-sm"
      aria-label={`Limits for ${p.action}`}
    >
      <input type="hidden" name="intent" value="policy" />
      <input type="hidden" name="action" value={p.action} />
      <span className="min-w-44 font-medium">
        {p.action} <span className="text-xs font-normal text-slate-600">({p.risk} risk)</span>
      </span>
      <label>
        <input type="checkbox" name="preApproved" defaultChecked={p.preApproved} /> Pre-approved
      </label>
      <label>
        Auto up to (€){" "}
        <input
          name="autoLimit"
          type="number"
          min={0}
          step="0.01"
          defaultValue={p.autoLimitCents >= 0 ? p.autoLimitCents / 100 : ""}
          className={`${field} w-24`}
        />
      </label>
      <label>
        <input type="checkbox" name="alwaysAsk" defaultChecked={p.autoLimitCents < 0} /> Auto always asks
      </label>
      <label>
        Threshold{" "}
        <input
          name="threshold"
          type="number"
          min={0}
          max={1}
          step="0.01"
          defaultValue={p.threshold}
          className={`${field} w-20`}
        />
      </label>
      <label>
        After{" "}
        <input
          name="minDecisions"
          type="number"
          min={0}
          step={1}
          defaultValue={p.minDecisions}
          className={`${field} w-20`}
        />{" "}
        decisions
      </label>
      <button type="submit" className="rounded-md border border-brand-600 px-3 py-1 font-medium text-brand-700">
        Save {p.action}
      </button>
      <ActionResult result={fetcher.data} />
    </fetcher.Form>
  );
}

const rate = (x: number | null) => (x === null ? "n/a" : `${Math.round(x * 100)} %`);

/** j / k move between cards; a approves and r starts a rejection of the focused card. Keys typed in a field are left alone. */
function useDecisionKeys() {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (e.metaKey || e.ctrlKey || e.altKey || target.closest("input, textarea, select")) return;
      const cards = [...document.querySelectorAll<HTMLElement>("[data-decision]")];
      if (!cards.length) return;
      const current = cards.findIndex((c) => c.contains(document.activeElement));
      if (e.key === "j" || e.key === "k") {
        e.preventDefault();
        const next = current < 0 ? 0 : Math.min(cards.length - 1, Math.max(0, current + (e.key === "j" ? 1 : -1)));
        cards[next]!.focus();
      } else if ((e.key === "a" || e.key === "r") && current >= 0) {
        e.preventDefault();
        cards[current]!.querySelector<HTMLButtonElement>(e.key === "a" ? "[data-approve]" : "[data-reject]")?.click();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}

export { DashboardErrorBoundary as ErrorBoundary } from "~/components/dashboard-error.tsx";
