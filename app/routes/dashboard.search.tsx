import type { LoaderFunctionArgs } from "@remix-run/node";
import { listConversations } from "#server/conversations/inbox.ts";
import { listTickets } from "#server/tickets/service.ts";
import { runLoader } from "~/lib/action-error.server.ts";
import { requireOperatorSession } from "~/lib/operator.server.ts";

/** The command bar's results (Ctrl/Cmd+K): conversations and tickets matching the words typed. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  const query = new URL(request.url).searchParams.get("q")?.trim() ?? "";
  if (!query) return { query, results: [] };
  const { db } = context.services;
  const [conversations, tickets] = await runLoader(() =>
    Promise.all([listConversations(db, actor, { view: "all", query }, 8), listTickets(db, actor, { search: query })]),
  );
  return {
    query,
    results: [
      ...conversations.map((r) => ({
        kind: "conversation" as const,
        href: `/dashboard/conversations/${r.conversation.id}`,
        title: r.customerName,
        detail: `${r.conversation.status.replace("_", " ")} · ${r.lastMessage?.content.slice(0, 80) ?? ""}`,
      })),
      ...tickets.slice(0, 5).map((t) => ({
        kind: "ticket" as const,
        href: `/dashboard/tickets/${t.id}`,
        title: `${t.id} · ${t.subject}`,
        detail: t.status.replace(/_/g, " "),
      })),
    ],
  };
}
