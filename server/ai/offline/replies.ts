import { classifyIntent, type Intent } from "./intent.ts";

const teams: Record<"technical" | "billing" | "sales", string> = {
  technical: "Technical Support",
  billing: "Billing",
  sales: "Sales",
};

/** Phrases the triage reply from the customer's latest message. Never invents facts. */
export function composeTriageReply(latest: string, isFirstTurn: boolean): { intent: Intent; text: string } {
  const intent = classifyIntent(latest);
  const hello = isFirstTurn ? "Hi, I'm Tandem's assistant. " : "";
  switch (intent) {
    case "greeting":
      return {
        intent,
        text: `${hello || "Hello again! "}I can help with technical problems, billing questions, and plans or pricing. What can I do for you today?`,
      };
    case "thanks":
      return { intent, text: "You're welcome! Is there anything else I can help you with?" };
    case "human":
      return {
        intent,
        text: `${hello}I understand you'd like to speak with a person. I've noted your request so a member of our support team can pick up this conversation.`,
      };
    case "technical":
    case "billing":
    case "sales":
      return {
        intent,
        text: `${hello}That sounds like a question for our ${teams[intent]} team. Could you share a little more detail, such as the device, order or invoice involved, so we can sort it out quickly?`,
      };
    default:
      return {
        intent,
        text: `${hello}Thanks for your message. Could you tell me a bit more about what you need? I can help with technical problems, billing, and plans or pricing.`,
      };
  }
}
