import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useState } from "react";
import { apiScopes, webhookEventTypes, type ApiScope, type WebhookEventType } from "#drizzle/schema.ts";
import { createApiKey, listApiKeys, revokeApiKey } from "#server/apikeys/service.ts";
import { requireAdmin } from "#server/auth/access.ts";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  redeliverWebhook,
  updateWebhookEndpoint,
} from "#server/webhooks/endpoints.ts";
import { ActionResult } from "~/components/ui/action-result.tsx";
import { runAction } from "~/lib/action-error.server.ts";
import { requireOperatorSession } from "~/lib/operator.server.ts";

export const meta: MetaFunction = () => [{ title: "Developers · Tandem" }];

/** What each scope lets a key do, in the words the form shows. */
const scopeHelp: Record<ApiScope, string> = {
  "conversations:read": "Read conversations, their messages and live events",
  "conversations:write": "Resolve conversations (includes reading them)",
  "escalations:read": "Read the inbox of escalations",
  "escalations:write": "Hand conversations to your team (includes reading escalations)",
  "tickets:read": "Read tickets and their history",
  "tickets:write": "Change tickets (includes reading them)",
  "decisions:read": "Read the AI's decisions, autonomy and the conductor",
  "decisions:write": "Approve and reject decisions (includes reading them)",
  "customers:read": "See customers' names and emails (hidden otherwise)",
  "webhooks:manage": "Manage webhook endpoints",
  admin: "Everything above, plus API keys and the status page",
};

/** What each event means, in the words the form shows. */
const eventHelp: Record<WebhookEventType, string> = {
  "conversation.created": "A conversation started",
  "message.created": "A message was sent (not private notes)",
  "escalation.created": "A conversation was handed to the team",
  "escalation.claimed": "A person took a conversation",
  "escalation.resolved": "A handed-over conversation was resolved or handed back",
  "ticket.created": "A ticket was opened",
  "ticket.updated": "A ticket changed",
  "decision.proposed": "The AI proposed an action",
  "decision.decided": "A proposed action was approved, rejected, ran or lapsed",
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  if (actor.role !== "admin") throw new Response("Only admins can manage API keys.", { status: 403 });
  const now = Date.now();
  const { db } = context.services;
  const keys = await listApiKeys(db, actor);
  const endpoints = await listWebhookEndpoints(db, actor);
  const open = new URL(request.url).searchParams.get("endpoint");
  const shown = endpoints.find((e) => e.id === open) ?? null;
  const deliveries = shown ? await listWebhookDeliveries(db, actor, shown.id, 50) : [];
  return {
    endpoints: endpoints.map((e) => ({
      id: e.id,
      url: e.url,
      description: e.description,
      events: e.events,
      enabled: e.enabled,
      disabledReason: e.disabledReason,
    })),
    shownEndpoint: shown?.id ?? null,
    deliveries: deliveries.map((d) => ({
      id: d.id,
      eventType: d.eventType,
      status: d.status,
      attempts: d.attempts,
      lastStatusCode: d.lastStatusCode,
      lastError: d.lastError,
      at: (d.lastAttemptAt ?? d.createdAt).toISOString(),
    })),
    defaultPerMinute: context.services.config.limits.apiKeyPerMinute,
    graphiql: context.services.config.graphql.graphiql,
    keys: keys.map((k) => ({
      id: k.id,
      name: k.name,
      prefix: k.prefix,
      scopes: k.scopes,
      rateLimitPerMinute: k.rateLimitPerMinute,
      createdByName: k.createdByName,
      createdAt: k.createdAt.toISOString(),
      expiresAt: k.expiresAt?.toISOString() ?? null,
      lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
      state: k.revokedAt ? "revoked" : k.expiresAt && k.expiresAt.getTime() <= now ? "expired" : "active",
    })),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  const form = await request.formData();
  const { services } = context;
  return runAction(async () => {
    requireAdmin(actor);
    switch (form.get("intent")) {
      case "create": {
        const expires = String(form.get("expiresAt") ?? "");
        const rate = String(form.get("rateLimitPerMinute") ?? "");
        const { apiKey, secret } = await createApiKey(
          {
            db: services.db,
            bus: services.bus,
            rateLimits: services.rateLimits,
            defaultPerMinute: services.config.limits.apiKeyPerMinute,
          },
          actor,
          {
            name: form.get("name"),
            scopes: form.getAll("scopes"),
            // A date from the form means the end of that day, UTC.
            expiresAt: expires ? `${expires}T23:59:59Z` : null,
            rateLimitPerMinute: rate ? Number(rate) : null,
          },
        );
        return { ok: `Key "${apiKey.name}" created.`, secret };
      }
      case "create-webhook": {
        const { endpoint, secret } = await createWebhookEndpoint(
          services.db,
          actor,
          {
            url: form.get("url"),
            events: form.getAll("events"),
            secret: form.get("secret") || null,
            description: form.get("description") || null,
          },
          { allowHttp: services.config.webhooks.allowHttp },
        );
        return { ok: `Webhook endpoint ${endpoint.url} added.`, signingSecret: secret };
      }
      case "toggle-webhook": {
        const endpoint = await updateWebhookEndpoint(
          services.db,
          actor,
          form.get("id"),
          { enabled: form.get("enabled") === "true" },
          { allowHttp: services.config.webhooks.allowHttp },
        );
        return { ok: `${endpoint.url} is ${endpoint.enabled ? "on" : "off"}.` };
      }
      case "delete-webhook": {
        const endpoint = await deleteWebhookEndpoint(services.db, actor, form.get("id"));
        return { ok: `${endpoint.url} removed.` };
      }
      case "redeliver": {
        await redeliverWebhook(services.db, actor, form.get("id"));
        return { ok: "Sending it again." };
      }
      case "revoke": {
        const key = await revokeApiKey(services, actor, form.get("id"));
        return { ok: `Key "${key.name}" revoked. Its open connections were closed.` };
      }
      default:
        return Response.json({ error: "Unknown action." }, { status: 400 });
    }
  });
}

const input = "rounded-md border border-slate-300 px-2 py-1.5";
const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "never");

function SecretOnce({ secret }: { secret: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div role="status" className="rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm">
      <p className="font-medium text-amber-900">Copy this secret now. It is shown only once and cannot be recovered.</p>
      <div className="mt-2 flex flex-wrap items-center gap-2">
        <code data-testid="api-key-secret" className="break-all rounded bg-white px-2 py-1 font-mono text-slate-900">
          {secret}
        </code>
        <button
          type="button"
          className="rounded-md border border-amber-400 px-3 py-1 text-amber-900"
          onClick={() => void navigator.clipboard?.writeText(secret).then(() => setCopied(true))}
        >
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
      <p className="mt-2 text-amber-900">
        Send it as <code>Authorization: Bearer …</code> over HTTP, or as <code>apiKey</code> in the WebSocket&apos;s
        connection_init.
      </p>
    </div>
  );
}

/** Checkboxes for a fixed list of choices, each with what it means. */
function ChoiceGrid<T extends string>(props: {
  legend: string;
  name: string;
  choices: readonly T[];
  help: Record<T, string>;
}) {
  return (
    <fieldset>
      <legend className="text-sm font-medium">{props.legend}</legend>
      <div className="mt-1 grid gap-1 sm:grid-cols-2">
        {props.choices.map((choice) => (
          <label key={choice} className="flex items-start gap-2 text-sm">
            <input type="checkbox" name={props.name} value={choice} className="mt-1" />
            <span>
              <span className="font-mono text-xs">{choice}</span>
              <span className="block text-slate-600">{props.help[choice]}</span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

export default function Developers() {
  const { keys, defaultPerMinute, endpoints, shownEndpoint, deliveries, graphiql } = useLoaderData<typeof loader>();
  const result = useActionData<{ ok?: string; error?: string; secret?: string; signingSecret?: string }>();
  const busy = useNavigation().state === "submitting";
  return (
    <main className="mx-auto w-full max-w-5xl space-y-8 px-4 py-6">
      <div>
        <h1 className="text-xl font-semibold">Developers</h1>
        <p className="text-sm text-slate-600">
          API keys let other systems use Tandem&apos;s GraphQL API at <code>/graphql</code>. Give each integration its
          own key with only the scopes it needs.
          {graphiql ? (
            <>
              {" "}
              Try queries in {/* A full page load: GraphiQL is not part of the dashboard's app. */}
              <a href="/graphql" className="font-medium text-brand-700 underline">
                GraphiQL
              </a>
              .
            </>
          ) : null}
        </p>
      </div>
      <ActionResult result={result} />
      {result?.secret ? <SecretOnce secret={result.secret} /> : null}
      {result?.signingSecret ? (
        <div role="status" className="rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900">
          <p className="font-medium">The endpoint&apos;s signing secret, shown only now:</p>
          <code data-testid="signing-secret" className="mt-1 block break-all font-mono text-slate-900">
            {result.signingSecret}
          </code>
          <p className="mt-1">
            Verify each delivery&apos;s <code>Tandem-Signature</code> with it (docs/api.md shows how).
          </p>
        </div>
      ) : null}
      <section aria-labelledby="keys-heading">
        <h2 id="keys-heading" className="font-semibold">
          API keys
        </h2>
        {keys.length === 0 ? (
          <p className="mt-2 text-sm text-slate-600">No keys yet. Create one below.</p>
        ) : (
          <div className="mt-2 overflow-x-auto rounded-lg border border-slate-200 bg-white">
            <table className="w-full text-left text-sm">
              <thead className="bg-slate-50 text-slate-600">
                <tr>
                  <th className="px-3 py-2 font-medium">Name</th>
                  <th className="px-3 py-2 font-medium">Key</th>
                  <th className="px-3 py-2 font-medium">Scopes</th>
                  <th className="px-3 py-2 font-medium">Created</th>
                  <th className="px-3 py-2 font-medium">Last used</th>
                  <th className="px-3 py-2 font-medium">
                    <span className="sr-only">State and actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.map((k) => (
                  <tr key={k.id} className="border-t border-slate-100 align-top" data-testid="api-key-row">
                    <td className="px-3 py-2 font-medium">{k.name}</td>
                    <td className="px-3 py-2 font-mono text-xs">{k.prefix}…</td>
                    <td className="px-3 py-2">
                      <ul className="flex flex-wrap gap-1">
                        {k.scopes.map((s) => (
                          <li key={s} className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs">
                            {s}
                          </li>
                        ))}
                      </ul>
                      <span className="text-xs text-slate-500">{k.rateLimitPerMinute} requests a minute</span>
                    </td>
                    <td className="px-3 py-2 text-slate-600">
                      {when(k.createdAt)}
                      <br />
                      <span className="text-xs">by {k.createdByName}</span>
                      {k.expiresAt ? <span className="block text-xs">expires {when(k.expiresAt)}</span> : null}
                    </td>
                    <td className="px-3 py-2 text-slate-600">{when(k.lastUsedAt)}</td>
                    <td className="px-3 py-2">
                      {k.state === "active" ? (
                        <Form method="post" aria-label={`Revoke ${k.name}`}>
                          <input type="hidden" name="intent" value="revoke" />
                          <input type="hidden" name="id" value={k.id} />
                          <button
                            type="submit"
                            className="rounded-md border border-red-300 px-3 py-1 text-red-700 hover:bg-red-50"
                          >
                            Revoke {k.name}
                          </button>
                        </Form>
                      ) : (
                        <span className="rounded bg-slate-100 px-2 py-0.5 text-xs text-slate-600">{k.state}</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-labelledby="new-key-heading">
        <h2 id="new-key-heading" className="font-semibold">
          Create a key
        </h2>
        <Form method="post" className="mt-2 space-y-3 rounded-lg border border-slate-200 bg-white p-3">
          <input type="hidden" name="intent" value="create" />
          <div className="flex flex-wrap items-end gap-3">
            <label className="text-sm">
              Key name <input name="name" required maxLength={80} placeholder="e.g. CRM sync" className={input} />
            </label>
            <label className="text-sm">
              Expires (optional) <input name="expiresAt" type="date" className={input} />
            </label>
            <label className="text-sm">
              Requests a minute{" "}
              <input
                name="rateLimitPerMinute"
                type="number"
                min={1}
                max={100000}
                placeholder={String(defaultPerMinute)}
                className={`${input} w-28`}
              />
            </label>
          </div>
          <ChoiceGrid legend="Scopes" name="scopes" choices={apiScopes} help={scopeHelp} />
          <button
            type="submit"
            disabled={busy}
            className="rounded-md bg-brand-600 px-4 py-1.5 font-medium text-white disabled:opacity-60"
          >
            Create key
          </button>
        </Form>
      </section>
      <section aria-labelledby="webhooks-heading">
        <h2 id="webhooks-heading" className="font-semibold">
          Webhooks
        </h2>
        <p className="text-sm text-slate-600">
          Tandem POSTs each event to your endpoints, signed, at least once, retrying for a day. An endpoint that keeps
          failing is turned off.
        </p>
        {endpoints.length === 0 ? (
          <p className="mt-2 text-sm text-slate-600">No endpoints yet.</p>
        ) : (
          <ul className="mt-2 space-y-2">
            {endpoints.map((e) => (
              <li key={e.id} data-testid="webhook-endpoint" className="rounded-lg border border-slate-200 bg-white p-3">
                <div className="flex flex-wrap items-center gap-2">
                  <span className="break-all font-mono text-sm">{e.url}</span>
                  <span
                    className={`rounded px-1.5 py-0.5 text-xs ${e.enabled ? "bg-emerald-100 text-emerald-900" : "bg-slate-200 text-slate-700"}`}
                  >
                    {e.enabled ? "on" : "off"}
                  </span>
                  <Link to={`?endpoint=${e.id}`} className="ml-auto text-sm text-brand-700 underline">
                    Delivery log
                  </Link>
                  <Form method="post">
                    <input type="hidden" name="intent" value="toggle-webhook" />
                    <input type="hidden" name="id" value={e.id} />
                    <input type="hidden" name="enabled" value={e.enabled ? "false" : "true"} />
                    <button type="submit" className="rounded-md border border-slate-300 px-2 py-1 text-sm">
                      {e.enabled ? "Turn off" : "Turn on"}
                    </button>
                  </Form>
                  <Form method="post">
                    <input type="hidden" name="intent" value="delete-webhook" />
                    <input type="hidden" name="id" value={e.id} />
                    <button type="submit" className="rounded-md border border-red-300 px-2 py-1 text-sm text-red-700">
                      Remove
                    </button>
                  </Form>
                </div>
                <p className="mt-1 text-xs text-slate-600">{e.events.join(", ")}</p>
                {e.disabledReason ? <p className="mt-1 text-sm text-red-700">Turned off: {e.disabledReason}</p> : null}
                {shownEndpoint === e.id ? (
                  <table className="mt-2 w-full text-left text-sm" aria-label={`Deliveries to ${e.url}`}>
                    <thead className="text-slate-600">
                      <tr>
                        <th className="py-1 font-medium">Event</th>
                        <th className="py-1 font-medium">Status</th>
                        <th className="py-1 font-medium">Response</th>
                        <th className="py-1 font-medium">Attempts</th>
                        <th className="py-1 font-medium">When</th>
                        <th className="py-1 font-medium">
                          <span className="sr-only">Actions</span>
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {deliveries.map((d) => (
                        <tr key={d.id} className="border-t border-slate-100" data-testid="webhook-delivery">
                          <td className="py-1 font-mono text-xs">{d.eventType}</td>
                          <td className="py-1">{d.status}</td>
                          <td className="py-1">{d.lastStatusCode ?? d.lastError ?? "—"}</td>
                          <td className="py-1">{d.attempts}</td>
                          <td className="py-1 text-slate-600">{when(d.at)}</td>
                          <td className="py-1">
                            <Form method="post">
                              <input type="hidden" name="intent" value="redeliver" />
                              <input type="hidden" name="id" value={d.id} />
                              <button type="submit" className="text-sm text-brand-700 underline">
                                Redeliver
                              </button>
                            </Form>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                ) : null}
              </li>
            ))}
          </ul>
        )}
        <Form method="post" className="mt-3 space-y-3 rounded-lg border border-slate-200 bg-white p-3">
          <input type="hidden" name="intent" value="create-webhook" />
          <div className="flex flex-wrap items-end gap-3">
            <label className="text-sm">
              Endpoint URL{" "}
              <input
                name="url"
                type="url"
                required
                placeholder="https://example.com/tandem"
                className={`${input} w-80`}
              />
            </label>
            <label className="text-sm">
              Signing secret (optional){" "}
              <input name="secret" minLength={24} placeholder="generated if empty" className={input} />
            </label>
          </div>
          <ChoiceGrid legend="Events" name="events" choices={webhookEventTypes} help={eventHelp} />
          <button
            type="submit"
            disabled={busy}
            className="rounded-md bg-brand-600 px-4 py-1.5 font-medium text-white disabled:opacity-60"
          >
            Add endpoint
          </button>
        </Form>
      </section>
    </main>
  );
}

export { DashboardErrorBoundary as ErrorBoundary } from "~/components/dashboard-error.tsx";
