import type { Decision, Situation } from "./brain.ts";

type Out = Record<string, unknown>;

/** What to do right now with a device that overheats, smokes or swells. */
export const SAFETY_ADVICE =
  "Please stop using it now: unplug it and the charger, don't charge it again, and keep it away from anything that can burn, on a hard surface. If there is smoke or fire, leave the room and call the emergency services. I've flagged this as urgent for our team, who will contact you about a safe return and a replacement.";
const say = (text: string): Decision => ({ kind: "text", text });

const stem = (w: string) => w.toLowerCase().replace(/(ing|ed|es|s)$/, "");
const words = (t: string) =>
  new Set(
    t
      .toLowerCase()
      .match(/[a-z]{3,}/g)
      ?.map(stem) ?? [],
  );

/** The sentences of an article that best answer the question, in the article's own order. */
export function bestSentences(body: string, question: string, count = 2): string {
  const sentences = body.match(/[^.!?]+[.!?]+/g)?.map((x) => x.trim()) ?? [body];
  const q = words(question);
  const scored = sentences.map((text, i) => ({ text, i, score: [...words(text)].filter((w) => q.has(w)).length }));
  const best = [...scored].sort((a, b) => b.score - a.score || a.i - b.i).slice(0, count);
  return best
    .sort((a, b) => a.i - b.i)
    .map((x) => x.text)
    .join(" ");
}

/** Turns the latest tool result into the reply, or into the next tool call of a chain. */
export function phraseToolResult(s: Situation): Decision {
  const { toolName, output } = s.lastToolResult!;
  const o = (output ?? {}) as Out;
  if (typeof o.error === "string") {
    if (toolName === "lookup_account") {
      return say(
        `${o.error} I can't see account details here, so I'd rather not guess. If you'd like, I can bring in a member of our billing team, who can verify who you are.`,
      );
    }
    return say(`${o.error}`);
  }
  switch (toolName) {
    case "search_knowledge":
      return phraseKnowledge(s, o);
    case "check_system_status": {
      const incidents = (o.incidents as Array<{ service: string; title: string; status: string }>) ?? [];
      const services = (o.services as Array<{ id: string; name: string; status: string }>) ?? [];
      if (o.allOperational && incidents.length === 0)
        return say(
          "I've checked: all Northwind services are running normally right now. If something isn't working for you, tell me what you see and I'll help.",
        );
      const affected = services
        .filter((x) => x.status !== "operational")
        .map((x) => `${x.name} is ${x.status === "outage" ? "down" : "degraded"}`);
      const notes = incidents.map((i) => `${i.title} (${i.status})`);
      const state = affected.length > 0 ? `${affected.join("; ")}.` : "every service is up.";
      const open = notes.length > 0 ? ` Open incident${notes.length > 1 ? "s" : ""}: ${notes.join("; ")}.` : "";
      return say(
        `I've checked our systems: ${state}${open}${affected.length > 0 ? " Everything else is operational." : ""} Our engineers are on it; no action is needed from you.`,
      );
    }
    case "get_ticket_status":
      return say(
        `Ticket ${o.ticketId} ("${o.subject}") is ${String(o.status).replace(/_/g, " ")}, with ${o.priority} priority in ${o.department}. It was last updated on ${o.updatedAt}.`,
      );
    case "lookup_account":
      return s.agent === "sales" ? phraseUpgrade(o) : phraseBilling(s, o);
    case "refund_payment":
      return phraseRefund(o);
    case "update_case":
      return phraseCase(s, o);
    case "create_ticket":
      if (!o.ticketId) {
        return say(
          "I've asked for a ticket for this. A person from our team checks it before it is opened, and you'll see it here as soon as it is.",
        );
      }
      return say(
        `I've created ticket ${o.ticketId} for our ${o.department} team, with ${o.priority} priority.` +
          (o.escalated
            ? " I've also asked a member of our team to join this conversation. They can see everything so far, so you won't need to repeat yourself."
            : " You can ask me for its status at any time."),
      );
    case "change_plan":
      return say(
        o.status === "executed"
          ? `Done: ${String(o.summary ?? "your plan is changed")}. The change is prorated on your next invoice.`
          : o.status === "proposed"
            ? `I've asked for the change: ${String(o.summary ?? "your new plan")}. A person from our team confirms plan changes before they take effect; you'll see it here.`
            : "I couldn't change the plan myself, so a person from our team will follow up with you here.",
      );
    case "cancel_subscription":
      return say(
        o.status === "executed"
          ? "Your subscription is cancelled, and you won't be charged again."
          : o.status === "proposed"
            ? "I've asked for your subscription to be cancelled. A person from our billing team confirms cancellations before they take effect; you'll see it here."
            : "I couldn't cancel it myself, so a person from our billing team will follow up with you here.",
      );
    case "escalate_to_human":
      if (s.latest.intent === "safety") return say(SAFETY_ADVICE);
      return say(
        o.someoneOnline === false
          ? "I've passed everything we've discussed to our team, so you won't need to repeat anything."
          : "I've asked a member of our support team to join this conversation. They can see everything we've discussed, so you won't need to repeat anything.",
      );
    case "update_ticket":
      return say(`I've added your note to ticket ${o.ticketId}.`);
    default:
      return say("Done.");
  }
}

function phraseKnowledge(s: Situation, o: Out): Decision {
  const articles = (o.articles as Array<{ title: string; url: string; excerpt: string; slug: string }>) ?? [];
  const top = articles[0];
  if (!top) {
    return say(
      "I couldn't find a help article about that. Could you tell me a bit more, or would you like me to bring in a member of our team?",
    );
  }
  const cite = `Source: [${top.title}](${top.url})`;
  if (s.agent === "technical") {
    const steps = top.excerpt.match(/\d\. [^.]+\./g);
    const intro = s.latest.entities.devices[0]
      ? `Sorry to hear your ${s.latest.entities.devices[0]} is giving you trouble. `
      : "Sorry to hear that. ";
    const body = steps?.length
      ? `Let's try these steps:\n${steps.join("\n")}`
      : bestSentences(top.excerpt, s.latest.text, 3);
    return say(`${intro}${body}\n\nIf none of this helps, tell me and I'll open a ticket for a repair.\n${cite}`);
  }
  return say(`${bestSentences(top.excerpt, s.latest.text, s.agent === "sales" ? 4 : 2)}\n\n${cite}`);
}

function phraseBilling(s: Situation, o: Out): Decision {
  const dup = (o.duplicateCharges as Array<{ invoiceId: string; amount: string; payments: string[] }>) ?? [];
  const payments =
    (o.payments as Array<{ id: string; invoiceId: string; amount: string; method: string; paidAt: string }>) ?? [];
  if (dup[0]) {
    const d = dup[0];
    const paid = payments.find((p) => p.invoiceId === d.invoiceId);
    const duplicate = d.payments.at(-1)!;
    // The facts make the case: ask for the refund, with the reasoning built from them. Whether it
    // runs now or waits for a person is the autonomy policy's call, not the model's.
    if (s.tools.has("refund_payment")) {
      return {
        kind: "tool",
        name: "refund_payment",
        input: {
          paymentId: duplicate,
          reason: "duplicate payment",
          reasoning: `Invoice ${d.invoiceId} (${d.amount}) was paid twice: ${d.payments.join(" and ")}${paid ? `, both with ${paid.method} on ${paid.paidAt}` : ""}. ${duplicate} is the second payment for the same invoice, so it is the duplicate.`,
          confidence: 0.9,
        },
      };
    }
    return say(
      `Thanks, ${o.name}. I can see invoice ${d.invoiceId} (${d.amount}) was paid twice: payments ${d.payments.join(" and ")}${paid ? `, both with ${paid.method} on ${paid.paidAt}` : ""}. ` +
        "Refunding the duplicate needs a quick verification by a person on our billing team, so I can't issue it myself. Shall I open a case for it?",
    );
  }
  const invoices =
    (o.invoices as Array<{ id: string; description: string; amount: string; status: string; issuedAt: string }>) ?? [];
  const latest = invoices[0];
  return say(
    `Thanks, ${o.name}. You're on the ${o.plan} plan. ` +
      (latest
        ? `Your latest invoice is ${latest.id} for ${latest.amount} (${latest.description}), issued ${latest.issuedAt}, and it is ${latest.status}. `
        : "") +
      "I don't see any duplicate charges. What would you like to check?",
  );
}

/** What became of a refund request, in the customer's words. */
function phraseRefund(o: Out): Decision {
  const summary = String(o.summary ?? "the refund");
  if (o.status === "executed") {
    return say(
      `I found the duplicate and the refund has gone through: ${summary}. It reaches your account in 3–5 business days.`,
    );
  }
  if (o.status === "failed" || o.status === "rejected" || o.status === "expired") {
    return say(
      "I couldn't complete the refund myself, so a person from our billing team will follow up with you here.",
    );
  }
  return say(
    `I found the duplicate charge and asked for the refund: ${summary}. A person from our billing team checks refunds before they go through; you'll see the outcome right here.`,
  );
}

function phraseUpgrade(o: Out): Decision {
  const next = o.plan === "Basic" ? "Pro" : o.plan === "Pro" ? "Business" : null;
  return say(
    `You're on the ${o.plan} plan${o.protectionPlan ? " with Device Protection" : ""}. ` +
      (next
        ? `Moving up to ${next} is prorated, so you only pay the difference for the rest of the month. See [Comparing Basic, Pro and Business plans](/help/plan-comparison) for what each includes. Shall I move you to ${next}?`
        : "That's our most complete plan already. If you need more seats, I can bring in our sales team."),
  );
}

function phraseCase(s: Situation, o: Out): Decision {
  switch (o.step) {
    case "ticket":
      return {
        kind: "tool",
        name: "create_ticket",
        input: { description: String(o.summary), department: String(o.department), priority: String(o.priority) },
      };
    case "confirm":
      return say(`Here's what I have: ${o.summary}. Shall I create the ticket? Please answer yes or no.`);
    case "cancelled":
      return say("Okay, I've closed this without opening a ticket. Is there anything else I can help with?");
    case "details": {
      const first = !s.facts.openCase;
      const opener = first
        ? s.latest.frustrated
          ? "I'm really sorry this has dragged on. I'll open a high-priority case and get a person on it. "
          : "I'll open a case so this gets followed up. "
        : "Thanks. ";
      if (!o.nextQuestion)
        return say("No problem. What should I change: the device or order, when it started, or what you've tried?");
      return say(`${opener}${o.nextQuestion}`);
    }
    default:
      return say("Thanks. Could you tell me a little more?");
  }
}
