import type { Department, Priority } from "../../drizzle/schema.ts";

/**
 * The escalation workflow: Reason → Details → Confirmation → Ticket. Stored on the conversation
 * (`workflow`), so a restart or a handoff continues where the customer was.
 */
export type CaseStep = "details" | "confirm" | "done" | "cancelled";

export interface CaseState {
  step: CaseStep;
  reason: string;
  department: Department;
  priority: Priority;
  escalate: boolean;
  details: { device?: string; since?: string; tried?: string };
  ticketId?: string;
  /** The conversation's last seq when the summary was put to the customer: a confirmation must come after it. */
  summaryAtSeq?: number;
}

/** A plain "yes" to the summary, as a person would read it: affirmative, and not also a "no". */
const AFFIRM =
  /^\s*(yes|yeah|yep|yup|sure|correct|right|ok(ay)?|please do|go ahead|confirm(ed)?|sounds good|do it|that'?s (right|correct)|exactly|absolutely|perfect)\b/i;
const NEGATION = /\b(no|not|don'?t|wrong|incorrect|change|wait)\b/i;
export const isAffirmative = (text: string): boolean => AFFIRM.test(text) && !NEGATION.test(text.replace(AFFIRM, ""));

/**
 * Whether the customer confirmed the summary: a fact the server establishes from the stored
 * messages (a customer message after the summary was put to them, that says yes), never a flag a
 * model can set.
 */
export function customerConfirmed(
  state: CaseState,
  history: Array<{ role: string; seq: number; content: string }>,
): boolean {
  if (state.step !== "confirm" || state.summaryAtSeq === undefined) return false;
  const reply = history.find((m) => m.role === "customer" && m.seq > state.summaryAtSeq!);
  return !!reply && isAffirmative(reply.content);
}

export const requiredDetails = ["device", "since", "tried"] as const;
export type DetailKey = (typeof requiredDetails)[number];

export const detailQuestions: Record<DetailKey, string> = {
  device: "Which device or order is this about?",
  since: "When did it start?",
  tried: "What have you tried so far?",
};

export function missingDetails(state: CaseState): DetailKey[] {
  return requiredDetails.filter((k) => !state.details[k]?.trim());
}

export function nextStep(state: CaseState): CaseStep {
  if (state.step === "done" || state.step === "cancelled") return state.step;
  return missingDetails(state).length > 0 ? "details" : "confirm";
}

export function summarise(state: CaseState): string {
  const d = state.details;
  return [
    `Issue: ${state.reason}`,
    d.device ? `Device or order: ${d.device}` : null,
    d.since ? `Started: ${d.since}` : null,
    d.tried ? `Already tried: ${d.tried}` : null,
  ]
    .filter(Boolean)
    .join(". ");
}

export function readCase(workflow: unknown): CaseState | null {
  const c = (workflow as { case?: CaseState } | null)?.case;
  return c && typeof c === "object" && typeof c.step === "string" ? c : null;
}

/** An open case, i.e. one that is collecting details or waiting for confirmation. */
export const isOpenCase = (c: CaseState | null): boolean => !!c && (c.step === "details" || c.step === "confirm");
