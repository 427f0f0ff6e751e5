import type { InboxRow } from "#server/conversations/inbox.ts";

/** An inbox row as the browser gets it: plain JSON, times as ISO strings, the SLA due time worked out. */
export function toListItem(r: InboxRow, firstResponseMs: number) {
  const e = r.escalation;
  return {
    id: r.conversation.id,
    status: r.conversation.status,
    agent: r.conversation.currentAgent,
    /** The integration that handed the conversation over (the escalation API), if any. */
    integration: r.conversation.integrationName,
    customer: r.customerName,
    email: r.customerEmail,
    owner: r.conversation.owner === "ai" ? null : { id: r.conversation.owner, name: r.ownerName ?? "an operator" },
    escalation: e && {
      id: e.id,
      status: e.status,
      priority: e.priority,
      reason: e.reason,
      summary: e.summary,
      claimedBy: e.claimedBy,
      claimedByName: r.claimedByName,
      assignedToName: e.status === "pending" ? r.assignedToName : null,
    },
    preview: r.lastMessage && {
      role: r.lastMessage.role,
      who: r.lastMessage.authorName,
      text: r.lastMessage.content,
      at: r.lastMessage.at.toISOString(),
    },
    waitingSince: r.waitingSince?.toISOString() ?? null,
    slaDueAt: r.waitingSince ? new Date(r.waitingSince.getTime() + firstResponseMs).toISOString() : null,
    unread: r.unread,
    updatedAt: r.conversation.updatedAt.toISOString(),
    rating: r.conversation.csatScore,
    wants: r.conversation.summary?.wants ?? null,
  };
}

export type ListItem = ReturnType<typeof toListItem>;
