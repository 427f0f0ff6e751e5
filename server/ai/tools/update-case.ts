import { tool } from "ai";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { conversations, departments, priorities } from "../../../drizzle/schema.ts";
import { detailQuestions, missingDetails, nextStep, readCase, summarise, type CaseState } from "../case.ts";
import type { ToolContext } from "./context.ts";

/** Records what the customer said for the escalation workflow and returns the next step. */
export const updateCase = (ctx: ToolContext) =>
  tool({
    description:
      "Escalation workflow (Reason → Details → Confirmation → Ticket). Start a case with a reason, add details as the customer gives them (device, since, tried), record the customer's answer to the summary (confirmed true/false), or cancel. Returns the next step and what is still missing.",
    inputSchema: z.object({
      reason: z.string().max(300).optional(),
      department: z.enum(departments).optional(),
      priority: z.enum(priorities).optional(),
      escalate: z.boolean().optional().describe("Also hand the case to a human once the ticket exists."),
      device: z.string().max(200).optional(),
      since: z.string().max(200).optional(),
      tried: z.string().max(300).optional(),
      confirmed: z.boolean().optional(),
      cancel: z.boolean().optional(),
    }),
    execute: async (input) =>
      ctx.db.transaction(async (tx) => {
        const [row] = await tx.select().from(conversations).where(eq(conversations.id, ctx.conversationId)).for("update");
        const existing = readCase(row?.workflow);
        const fresh = !existing || existing.step === "done" || existing.step === "cancelled";
        if (fresh && !input.reason) return { error: "Start a case with the reason first." };
        let state: CaseState = fresh
          ? {
              step: "details",
              reason: input.reason!,
              department: input.department ?? (ctx.agent.department ?? "technical"),
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
        const confirmed = input.confirmed === true && state.step === "confirm";
        await tx
          .update(conversations)
          .set({ workflow: { ...(row?.workflow ?? {}), case: { ...state, confirmed } } })
          .where(eq(conversations.id, ctx.conversationId));
        const missing = missingDetails(state);
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
