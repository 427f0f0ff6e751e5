import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, type FetcherWithComponents } from "@remix-run/react";
import { incidentStatuses, serviceStatuses } from "#drizzle/schema.ts";
import { requireAdmin } from "#server/operators/service.ts";
import { openIncident, readStatus, setServiceStatus, updateIncident } from "#server/status/service.ts";
import { ActionResult } from "~/components/ui/action-result.tsx";
import { SelectField, enumOptions } from "~/components/ui/select-field.tsx";
import { runAction } from "~/lib/action-error.server.ts";
import { requireOperatorSession } from "~/lib/operator.server.ts";
import { useInboxStream } from "~/lib/use-inbox-stream.ts";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  const { allOperational, services, incidents } = await readStatus(context.services.db);
  const names = new Map(services.map((s) => [s.id, s.name]));
  return {
    isAdmin: actor.role === "admin",
    allOperational,
    services: services.map((s) => ({ id: s.id, name: s.name, status: s.status, updatedAt: s.updatedAt.toISOString() })),
    incidents: incidents.map((i) => ({
      id: i.id,
      title: i.title,
      status: i.status,
      service: names.get(i.serviceId) ?? i.serviceId,
      startedAt: i.startedAt.toISOString(),
    })),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  const form = await request.formData();
  const field = (name: string) => String(form.get(name) ?? "");
  return runAction(async () => {
    requireAdmin(actor);
    switch (field("intent")) {
      case "service":
        await setServiceStatus(context.services, actor, field("serviceId"), field("status"));
        return { ok: "Service status saved." };
      case "open":
        await openIncident(context.services, actor, {
          serviceId: field("serviceId"),
          title: field("title"),
          status: field("status"),
        });
        return { ok: "Incident opened." };
      case "incident":
        await updateIncident(context.services, actor, field("incidentId"), field("status"));
        return { ok: "Incident updated." };
      default:
        return Response.json({ error: "Unknown action." }, { status: 400 });
    }
  });
}

const badge: Record<string, string> = {
  operational: "bg-emerald-50 text-emerald-800",
  degraded: "bg-amber-50 text-amber-900",
  outage: "bg-red-50 text-red-800",
};
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;
const when = (iso: string) => iso.slice(0, 16).replace("T", " ");
const button = "rounded-md border border-brand-600 px-3 py-1.5 text-sm font-medium text-brand-700 hover:bg-brand-50";

/** One row's "set the status" form; keyed by the current value, so it resets when the status changes. */
function StatusForm({
  fetcher,
  intent,
  target,
  select,
  submit,
}: {
  fetcher: FetcherWithComponents<unknown>;
  intent: string;
  target: { name: string; value: string };
  select: { id: string; label: string; value: string; options: readonly string[] };
  submit: string;
}) {
  return (
    <fetcher.Form method="post" key={`${target.value}:${select.value}`} className="flex items-end gap-2">
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name={target.name} value={target.value} />
      <SelectField
        id={select.id}
        name="status"
        label={select.label}
        defaultValue={select.value}
        options={enumOptions(select.options)}
      />
      <button type="submit" className={button}>
        {submit}
      </button>
    </fetcher.Form>
  );
}

export default function SystemStatusPage() {
  const { isAdmin, allOperational, services, incidents } = useLoaderData<typeof loader>();
  const fetcher = useFetcher<{ ok?: string; error?: string }>();
  useInboxStream();
  return (
    <main className="mx-auto w-full max-w-4xl space-y-8 px-4 py-6">
      <div>
        <h1 className="text-xl font-semibold">System status</h1>
        <p className="mt-1 text-sm text-slate-600">
          This is what the AI agents tell customers who ask whether something is down.
          {isAdmin ? "" : " Only admins can change it."}
        </p>
        <p
          data-testid="status-summary"
          className={`mt-3 rounded-md px-3 py-2 text-sm font-medium ${allOperational ? badge.operational : badge.degraded}`}
        >
          {allOperational
            ? "All services operational."
            : `${count(services.filter((s) => s.status !== "operational").length, "service")} affected · ${count(incidents.length, "open incident")}.`}
        </p>
        <ActionResult result={fetcher.state === "idle" ? fetcher.data : undefined} className="mt-3" />
      </div>

      <section aria-labelledby="services-heading">
        <h2 id="services-heading" className="font-semibold">
          Services
        </h2>
        <ul className="mt-2 space-y-2">
          {services.map((s) => (
            <li key={s.id} className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3">
              <span className="min-w-48">
                <span className="font-medium">{s.name}</span>{" "}
                <span
                  data-testid={`service-${s.id}`}
                  className={`rounded px-1.5 py-0.5 text-xs font-medium ${badge[s.status]}`}
                >
                  {s.status}
                </span>
                <span className="block text-xs text-slate-500">since {when(s.updatedAt)} UTC</span>
              </span>
              {isAdmin ? (
                <StatusForm
                  fetcher={fetcher}
                  intent="service"
                  target={{ name: "serviceId", value: s.id }}
                  select={{
                    id: `service-status-${s.id}`,
                    label: `${s.name} status`,
                    value: s.status,
                    options: serviceStatuses,
                  }}
                  submit={`Save ${s.name}`}
                />
              ) : null}
            </li>
          ))}
        </ul>
      </section>

      <section aria-labelledby="incidents-heading">
        <h2 id="incidents-heading" className="font-semibold">
          Open incidents
        </h2>
        {incidents.length === 0 ? <p className="mt-2 text-sm text-slate-600">No open incidents.</p> : null}
        <ul className="mt-2 space-y-2">
          {incidents.map((i) => (
            <li key={i.id} className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3">
              <span className="min-w-48 flex-1">
                <span className="font-medium">{i.title}</span>
                <span className="block text-xs text-slate-500">
                  {i.service} · {i.status} · since {when(i.startedAt)} UTC
                </span>
              </span>
              {isAdmin ? (
                <StatusForm
                  fetcher={fetcher}
                  intent="incident"
                  target={{ name: "incidentId", value: i.id }}
                  select={{
                    id: `incident-status-${i.id}`,
                    label: "Incident status",
                    value: i.status,
                    options: incidentStatuses,
                  }}
                  submit="Update"
                />
              ) : null}
            </li>
          ))}
        </ul>
      </section>

      {isAdmin ? (
        <section aria-labelledby="open-heading">
          <h2 id="open-heading" className="font-semibold">
            Open an incident
          </h2>
          <fetcher.Form
            method="post"
            key={incidents.length}
            className="mt-2 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3"
          >
            <input type="hidden" name="intent" value="open" />
            <SelectField
              id="incident-service"
              name="serviceId"
              label="Service"
              defaultValue={services[0]?.id ?? ""}
              options={services.map((s) => ({ value: s.id, label: s.name }))}
            />
            <div className="min-w-64 flex-1">
              <label htmlFor="incident-title" className="block text-xs font-medium text-slate-600">
                What customers see
              </label>
              <input
                id="incident-title"
                name="title"
                required
                maxLength={200}
                className="w-full rounded-md border border-slate-300 px-2 py-1.5"
              />
            </div>
            <SelectField
              id="incident-new-status"
              name="status"
              label="Status"
              defaultValue="investigating"
              options={enumOptions(incidentStatuses.filter((s) => s !== "resolved"))}
            />
            <button
              type="submit"
              className="rounded-md bg-brand-600 px-4 py-1.5 font-medium text-white hover:bg-brand-700"
            >
              Open incident
            </button>
          </fetcher.Form>
        </section>
      ) : null}
    </main>
  );
}

export { DashboardErrorBoundary as ErrorBoundary } from "~/components/dashboard-error.tsx";
