import type { Priority, Ticket, TicketAuditRow, TicketStatus } from "../../../drizzle/schema.ts";
import type { InboxEvent } from "../../events/types.ts";
import { requireStaff, seesCustomer } from "../../auth/access.ts";
import {
  getTicketAudit,
  getTicketForOperator,
  listTickets,
  ticketPeople,
  updateTicketAsOperator,
} from "../../tickets/service.ts";
import { inArray } from "drizzle-orm";
import { operators } from "../../../drizzle/schema.ts";
import { loadBatched } from "../batch.ts";
import type { GraphQLContext } from "../context.ts";

const upper = (s: string | null) => (s ? s.toUpperCase() : null);
const lower = <T extends string>(s: string | null | undefined) => (s ? (s.toLowerCase() as T) : undefined);

export const ticketResolvers = {
  Query: {
    tickets: (
      _: unknown,
      args: {
        filter?: {
          status?: string;
          department?: string;
          priority?: string;
          search?: string;
          assignee?: "ME" | "NOBODY" | null;
        } | null;
      },
      ctx: GraphQLContext,
    ) =>
      listTickets(ctx.services.db, ctx.actor, {
        status: lower<TicketStatus>(args.filter?.status),
        department: lower(args.filter?.department),
        priority: lower<Priority>(args.filter?.priority),
        search: args.filter?.search ?? undefined,
        assignee: args.filter?.assignee ? (lower(args.filter.assignee) === "me" ? "me" : "nobody") : undefined,
      }),
    ticket: (_: unknown, args: { id: string }, ctx: GraphQLContext) =>
      getTicketForOperator(ctx.services.db, ctx.actor, args.id),
  },
  Mutation: {
    updateTicket: (
      _: unknown,
      args: {
        id: string;
        input: {
          status?: string | null;
          priority?: string | null;
          note?: string | null;
          noteToCustomer?: boolean | null;
          assigneeId?: string | null;
        };
      },
      ctx: GraphQLContext,
    ) =>
      updateTicketAsOperator(ctx.services, ctx.actor, args.id, {
        status: lower<TicketStatus>(args.input.status),
        priority: lower<Priority>(args.input.priority),
        note: args.input.note ?? undefined,
        noteToCustomer: args.input.noteToCustomer ?? false,
        // Absent: unchanged; null: unassign.
        assigneeId: args.input.assigneeId,
      }),
  },
  Subscription: {
    ticketEvents: {
      subscribe: async (_: unknown, args: { ticketId: string }, ctx: GraphQLContext) => {
        const ticket = await getTicketForOperator(ctx.services.db, ctx.actor, args.ticketId);
        return ctx.services.bus.subscribe("ticket", ticket.id, ctx.signal);
      },
      resolve: (event: InboxEvent) => event,
    },
  },
  Ticket: {
    department: (t: Ticket) => upper(t.department),
    priority: (t: Ticket) => upper(t.priority),
    status: (t: Ticket) => upper(t.status),
    createdAt: (t: Ticket) => t.createdAt.toISOString(),
    updatedAt: (t: Ticket) => t.updatedAt.toISOString(),
    // One query per field for a whole list of tickets, not one per ticket.
    assignee: async (t: Ticket, _: unknown, ctx: GraphQLContext) =>
      t.assigneeId
        ? ((await loadBatched(ctx, "ticket.assignee", t.assigneeId, async (ids) => {
            const rows = await ctx.services.db.select().from(operators).where(inArray(operators.id, ids));
            return new Map(rows.map((r) => [r.id, r]));
          })) ?? null)
        : null,
    contactEmail: (t: Ticket, _: unknown, ctx: GraphQLContext) => (seesCustomer(ctx.actor) ? t.contactEmail : null),
    requester: async (t: Ticket, _: unknown, ctx: GraphQLContext) =>
      !seesCustomer(ctx.actor)
        ? null
        : ((await loadBatched(ctx, "ticket.requester", t, async (list: Ticket[]) => {
            const people = await ticketPeople(ctx.services.db, list);
            return new Map(list.map((x) => [x, people.get(x.id)?.requester ?? null]));
          })) ?? null),
    audit: (t: Ticket, _: unknown, ctx: GraphQLContext) => {
      requireStaff(ctx.actor, "tickets:read");
      return getTicketAudit(ctx.services.db, t.id);
    },
  },
  TicketAuditEntry: {
    statusBefore: (a: TicketAuditRow) => upper(a.statusBefore),
    statusAfter: (a: TicketAuditRow) => upper(a.statusAfter),
    priorityBefore: (a: TicketAuditRow) => upper(a.priorityBefore),
    priorityAfter: (a: TicketAuditRow) => upper(a.priorityAfter),
    at: (a: TicketAuditRow) => a.createdAt.toISOString(),
  },
};
