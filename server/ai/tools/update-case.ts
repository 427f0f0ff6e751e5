import { tool } from "ai";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { and, asc, gt } from "drizzle-orm";
import { departments, messages, priorities } from "../../../drizzle/schema.ts";
import type { Queryable } from "../../db/client.ts";
import { lockConversationIfAny, setWorkflow } from "../../conversations/transitions.ts";
import {
  customerConfirmed,
  detailQuestions,
  missingDetails,
  nextStep,
  readCase,
  summarise,
  type CaseState,
} from "../case.ts";
import type { ToolContext } from "./context.ts";

const caseInput = z.object({
  reason: z.string().max(300).optional(),
  department: z.enum(departments).optional(),
  priority: z.enum(priorities).optional(),
  escalate: z.boolean().optional().describe("Also hand the case to a human once the ticket exists."),
  device: z.string().max(200).optional(),
  since: z.string().max(200).optional(),
  tried: z.string().max(300).optional(),
  confirmed: z.boolean().optional(),
  cancel: z.boolean().optional(),
});

/** Records what the customer said for the escalation workflow and returns the next step. */
export const updateCase = (ctx: ToolContext) =>
  tool({
    description:
      "Escalation workflow (Reason → Details → Confirmation → Ticket). Start a case with a reason, add details as the customer gives them (device, since, tried), record the customer's answer to the summary (confirmed true/false), or cancel. Returns the next step and what is still missing.",
    inputSchema: caseInput,
    execute: async (input) =>
      ctx.db.transaction(async (tx) => {
        const row = await lockConversationIfAny(tx, ctx.conversationId);
        const existing = readCase(row?.workflow);
        const fresh = !existing || existing.step === "done" || existing.step === "cancelled";
        if (fresh && !input.reason) return { error: "Start a case with the reason first." };
        let state: CaseState = fresh
          ? {
              step: "details",
              reason: input.reason!,
              department: input.department ?? ctx.agent.department ?? "technical",
              priority: input.priority ?? "medium",
              escalate: input.escalate ?? false,
              details: {},
            }
          : { ...existing, details: { ...existing.details } };
        if (!fresh && input.reason) state.reason = input.reason;
        if (input.department) state.department = input.department;
        if (input.priority) state.priority = input.priority;
        if (input.escalate !== undefined) state.escalate = input.escalate;
        const corrected = (["device", "since", "tried"] as const).some((key) => input[key]);
        for (const key of ["device", "since", "tried"] as const) if (input[key]) state.details[key] = input[key];
        if (input.cancel) state = { ...state, step: "cancelled" };
        // "No" with a correction goes straight back to the summary; a bare "no" asks what to change.
        else if (input.confirmed === false) state = { ...state, step: corrected ? nextStep(state) : "details" };
        else state = { ...state, step: nextStep(state) };
        // The summary is (re)put to the customer whenever the case arrives at confirmation or its details change there.
        if (state.step === "confirm" && (existing?.step !== "confirm" || corrected || fresh))
          state.summaryAtSeq = row!.lastSeq;
        // Confirmation is the server's finding from the customer's own reply, whatever the model says.
        const confirmed =
          input.confirmed === true &&
          customerConfirmed(state, await customerRepliesAfter(tx, ctx.conversationId, state.summaryAtSeq));
        await setWorkflow(tx, ctx.conversationId, { ...(row?.workflow ?? {}), case: { ...state, confirmed } });
        const missing = missingDetails(state);
        if (input.confirmed === true && !confirmed && state.step === "confirm") {
          return {
            step: "confirm",
            error:
              "The customer has not confirmed this summary in their own words yet. Show them the summary and ask them to confirm.",
            summary: summarise(state),
          };
        }
        return {
          step: confirmed ? "ticket" : state.step,
          missing,
          nextQuestion: missing[0] ? detailQuestions[missing[0]] : null,
          summary: summarise(state),
          priority: state.priority,
          department: state.department,
        };
      }),
  });

/** The customer's messages after the summary was put to them. */
export async function customerRepliesAfter(db: Queryable, conversationId: string, seq: number | undefined) {
  if (seq === undefined) return [];
  return db
    .select({ role: messages.role, seq: messages.seq, content: messages.content })
    .from(messages)
    .where(and(eq(messages.conversationId, conversationId), eq(messages.role, "customer"), gt(messages.seq, seq)))
    .orderBy(asc(messages.seq))
    .limit(5);
}
