import { and, asc, desc, eq, ilike, inArray, ne, or, sql, type SQL } from "drizzle-orm";
import {
  conversationReads,
  conversations,
  customers,
  departments,
  escalations,
  messages,
  operators,
  tickets,
  type Conversation,
  type Department,
  type Escalation,
  type Message,
} from "../../drizzle/schema.ts";
import type { Actor } from "../auth/actor.ts";
import type { Queryable } from "../db/client.ts";
import { badInput } from "../errors.ts";
import { requireOperator, requireStaff, type StaffActor } from "../auth/access.ts";
import { optionalText } from "../policy/input.ts";
import { getConversation } from "./service.ts";

/**
 * The operators' inbox: named views over every conversation, search, unread state and the
 * first-response clock. Read-only, apart from `conversation_reads`, which this module owns.
 */

export const inboxViews = ["mine", "unassigned", "all_open", "ai", "waiting", "resolved", "all"] as const;
export type InboxView = (typeof inboxViews)[number];

export const viewNames: Record<InboxView, string> = {
  mine: "Mine",
  unassigned: "Unassigned",
  all_open: "All open",
  ai: "Handled by the AI",
  waiting: "Waiting for a human",
  resolved: "Resolved",
  all: "Everything",
};

export interface ConversationFilter {
  view?: unknown;
  department?: unknown;
  query?: unknown;
}

export interface InboxRow {
  conversation: Conversation;
  /** The name to show: given in the chat, else the account's, else the email. */
  customerName: string;
  customerEmail: string | null;
  /** The operator who owns it, when a person does. */
  ownerName: string | null;
  /** The open escalation (pending or claimed), if any, with the names of who it is offered to and who claimed it. */
  escalation: Escalation | null;
  assignedToName: string | null;
  claimedByName: string | null;
  lastMessage: { role: Message["role"]; authorName: string | null; content: string; at: Date } | null;
  /** When the customer started waiting for a person: the escalation, or their first unanswered message. */
  waitingSince: Date | null;
  unread: boolean;
}

const OPEN_ESCALATION = sql`(select e.id from ${escalations} e where e.conversation_id = ${conversations.id} and e.status <> 'resolved' order by e.created_at desc limit 1)`;

/** The newest customer message no person or agent has answered yet, for conversations a person owns. */
const UNANSWERED_SINCE = sql<Date | null>`(select min(m.created_at) from ${messages} m where m.conversation_id = ${conversations.id} and m.role = 'customer' and m.seq > coalesce((select max(r.seq) from ${messages} r where r.conversation_id = ${conversations.id} and r.role = 'operator'), 0))`;

const LAST_CUSTOMER_SEQ = sql`(select max(m.seq) from ${messages} m where m.conversation_id = ${conversations.id} and m.role = 'customer')`;

const priorityRank = sql<number>`case ${escalations.priority} when 'urgent' then 0 when 'high' then 1 when 'medium' then 2 when 'low' then 3 else 4 end`;

function parseFilter(filter: ConversationFilter) {
  const view = filter.view ?? "all_open";
  if (typeof view !== "string" || !(inboxViews as readonly string[]).includes(view))
    throw badInput(`view is one of: ${inboxViews.join(", ")}.`, "view");
  const department = filter.department ?? null;
  if (
    department !== null &&
    (typeof department !== "string" || !(departments as readonly string[]).includes(department))
  )
    throw badInput(`department is one of: ${departments.join(", ")}.`, "department");
  const query = optionalText(filter.query, "query", 200)?.trim() || null;
  return { view: view as InboxView, department: department as Department | null, query };
}

function viewCondition(view: InboxView, me: string): SQL {
  switch (view) {
    case "mine":
      return or(
        and(eq(conversations.owner, me), ne(conversations.status, "resolved")),
        and(eq(escalations.status, "pending"), eq(escalations.assignedTo, me)),
      )!;
    case "unassigned":
      return and(eq(conversations.status, "waiting_human"), sql`${escalations.assignedTo} is null`)!;
    case "all_open":
      return and(ne(conversations.status, "resolved"), sql`${conversations.lastSeq} > 0`)!;
    case "ai":
      return and(eq(conversations.status, "open"), eq(conversations.owner, "ai"), sql`${conversations.lastSeq} > 0`)!;
    case "waiting":
      return eq(conversations.status, "waiting_human");
    case "resolved":
      return eq(conversations.status, "resolved");
    case "all":
      return sql`${conversations.lastSeq} > 0`;
  }
}

/** Conversations, customers (name, email), message text and ticket ids that contain `query`. */
function searchCondition(query: string): SQL {
  const like = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return or(
    ilike(conversations.customerName, like),
    ilike(customers.name, like),
    ilike(customers.email, like),
    sql`exists (select 1 from ${messages} m where m.conversation_id = ${conversations.id} and m.status <> 'discarded' and m.content ilike ${like})`,
    sql`exists (select 1 from ${tickets} t where t.conversation_id = ${conversations.id} and t.id ilike ${like})`,
    sql`${conversations.id}::text = ${query.toLowerCase()}`,
  )!;
}

const assignee = sql<string | null>`(select o.name from ${operators} o where o.id = ${escalations.assignedTo})`;
const claimer = sql<string | null>`(select o.name from ${operators} o where o.id = ${escalations.claimedBy})`;
const ownerName = sql<string | null>`(select o.name from ${operators} o where o.id::text = ${conversations.owner})`;

function baseQuery(db: Queryable, me: string) {
  return db
    .select({
      conversation: conversations,
      customerName: customers.name,
      customerEmail: customers.email,
      escalation: escalations,
      assignedToName: assignee,
      claimedByName: claimer,
      ownerName,
      unansweredSince: UNANSWERED_SINCE,
      lastReadSeq: conversationReads.lastReadSeq,
      lastCustomerSeq: sql<number | null>`${LAST_CUSTOMER_SEQ}`,
    })
    .from(conversations)
    .leftJoin(customers, eq(customers.id, conversations.customerId))
    .leftJoin(escalations, sql`${escalations.id} = ${OPEN_ESCALATION}`)
    .leftJoin(
      conversationReads,
      and(eq(conversationReads.conversationId, conversations.id), eq(conversationReads.operatorId, me)),
    );
}

/** An API key is nobody's operator: its "mine" and "unread" views are empty. */
const NOBODY = "00000000-0000-0000-0000-000000000000";
const staffId = (actor: StaffActor) => (actor.kind === "operator" ? actor.operatorId : NOBODY);

/** One view of the inbox, searched and filtered: the list pane and `conversations(filter)` in the API. */
export async function listConversations(
  db: Queryable,
  actor: Actor,
  filter: ConversationFilter = {},
  first = 50,
): Promise<InboxRow[]> {
  const me = staffId(requireStaff(actor, "conversations:read"));
  const { view, department, query } = parseFilter(filter);
  if (!Number.isInteger(first) || first < 1 || first > 200) throw badInput("first is 1 to 200.", "first");
  const where = [viewCondition(view, me)];
  if (department) where.push(eq(conversations.currentAgent, department));
  if (query) where.push(searchCondition(query));
  const order =
    view === "resolved" || view === "ai" || view === "all"
      ? [desc(conversations.updatedAt)]
      : [asc(priorityRank), asc(sql`coalesce(${escalations.createdAt}, ${conversations.updatedAt})`)];
  const rows = await baseQuery(db, me)
    .where(and(...where))
    .orderBy(...order)
    .limit(first);
  const last = await lastMessages(
    db,
    rows.map((r) => r.conversation.id),
  );
  return rows.map((r) => {
    const c = r.conversation;
    const e = r.escalation && r.escalation.status !== "resolved" ? r.escalation : null;
    const waitingSince =
      c.status === "waiting_human"
        ? (e?.createdAt ?? c.updatedAt)
        : c.status === "with_human" && r.unansweredSince
          ? new Date(r.unansweredSince)
          : null;
    return {
      conversation: c,
      customerName: c.customerName ?? r.customerName ?? r.customerEmail ?? "Anonymous customer",
      customerEmail: r.customerEmail,
      ownerName: r.ownerName,
      escalation: e,
      assignedToName: r.assignedToName,
      claimedByName: r.claimedByName,
      lastMessage: last.get(c.id) ?? null,
      waitingSince,
      unread: (r.lastCustomerSeq ?? 0) > (r.lastReadSeq ?? 0),
    };
  });
}

/** The newest message of each conversation worth previewing (notes included: operators read this). */
async function lastMessages(db: Queryable, ids: string[]) {
  const out = new Map<string, NonNullable<InboxRow["lastMessage"]>>();
  if (!ids.length) return out;
  const rows = await db
    .selectDistinctOn([messages.conversationId], {
      conversationId: messages.conversationId,
      role: messages.role,
      authorName: messages.authorName,
      content: messages.content,
      at: messages.createdAt,
    })
    .from(messages)
    .where(and(inArray(messages.conversationId, ids), ne(messages.status, "discarded"), ne(messages.content, "")))
    .orderBy(messages.conversationId, desc(messages.seq));
  for (const r of rows)
    out.set(r.conversationId, { role: r.role, authorName: r.authorName, content: r.content.slice(0, 160), at: r.at });
  return out;
}

export interface ViewCounts {
  views: Record<Exclude<InboxView, "resolved" | "all">, number>;
  /** Open conversations per department (the agent currently responsible). */
  departments: Record<Department, number>;
  /** Conversations in Mine with customer messages the operator has not read: the title badge. */
  unreadMine: number;
}

/** Live counts for the views pane and the title badge, in one query. */
export async function countViews(db: Queryable, actor: Actor): Promise<ViewCounts> {
  const me = staffId(requireStaff(actor, "conversations:read"));
  const f = (cond: SQL) => sql<number>`count(*) filter (where ${cond})::int`;
  const unread = sql`coalesce(${LAST_CUSTOMER_SEQ}, 0) > coalesce(${conversationReads.lastReadSeq}, 0)`;
  const [row] = await db
    .select({
      mine: f(viewCondition("mine", me)),
      unassigned: f(viewCondition("unassigned", me)),
      all_open: f(viewCondition("all_open", me)),
      ai: f(viewCondition("ai", me)),
      waiting: f(viewCondition("waiting", me)),
      technical: f(and(viewCondition("all_open", me), eq(conversations.currentAgent, "technical"))!),
      billing: f(and(viewCondition("all_open", me), eq(conversations.currentAgent, "billing"))!),
      sales: f(and(viewCondition("all_open", me), eq(conversations.currentAgent, "sales"))!),
      unreadMine: f(and(viewCondition("mine", me), unread)!),
    })
    .from(conversations)
    .leftJoin(escalations, sql`${escalations.id} = ${OPEN_ESCALATION}`)
    .leftJoin(
      conversationReads,
      and(eq(conversationReads.conversationId, conversations.id), eq(conversationReads.operatorId, me)),
    )
    .where(ne(conversations.status, "resolved"));
  const n = (v: unknown) => Number(v ?? 0);
  return {
    views: {
      mine: n(row?.mine),
      unassigned: n(row?.unassigned),
      all_open: n(row?.all_open),
      ai: n(row?.ai),
      waiting: n(row?.waiting),
    },
    departments: { technical: n(row?.technical), billing: n(row?.billing), sales: n(row?.sales) },
    unreadMine: n(row?.unreadMine),
  };
}

/** The operator has read the conversation up to `seq` (never moves backwards). */
export async function markRead(db: Queryable, actor: Actor, conversationId: unknown, seq: unknown): Promise<number> {
  const op = requireOperator(actor);
  const conversation = await getConversation(db, actor, conversationId);
  const upTo = seq === undefined || seq === null ? conversation.lastSeq : seq;
  if (typeof upTo !== "number" || !Number.isInteger(upTo) || upTo < 0)
    throw badInput("seq must be a whole number of 0 or more.", "seq");
  const value = Math.min(upTo, conversation.lastSeq);
  const [row] = await db
    .insert(conversationReads)
    .values({ operatorId: op.operatorId, conversationId: conversation.id, lastReadSeq: value })
    .onConflictDoUpdate({
      target: [conversationReads.operatorId, conversationReads.conversationId],
      set: {
        lastReadSeq: sql`greatest(${conversationReads.lastReadSeq}, excluded.last_read_seq)`,
        readAt: new Date(),
      },
    })
    .returning({ lastReadSeq: conversationReads.lastReadSeq });
  return row!.lastReadSeq;
}

/** The customer's other conversations (for a linked account), newest first: the sidebar's history. */
export async function earlierConversations(db: Queryable, actor: Actor, conversation: Conversation, limit = 10) {
  requireStaff(actor, "conversations:read");
  if (!conversation.customerId) return [];
  return db
    .select({
      id: conversations.id,
      status: conversations.status,
      createdAt: conversations.createdAt,
      summary: conversations.summary,
      csatScore: conversations.csatScore,
    })
    .from(conversations)
    .where(and(eq(conversations.customerId, conversation.customerId), ne(conversations.id, conversation.id)))
    .orderBy(desc(conversations.createdAt))
    .limit(limit);
}
