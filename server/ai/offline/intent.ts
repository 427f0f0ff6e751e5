/**
 * Deterministic intent reading for the offline model. Rules are ordered and explainable: each
 * intent names the phrases that trigger it, so a wrong answer can be traced to one rule.
 */
export type Intent = "greeting" | "thanks" | "technical" | "billing" | "sales" | "human" | "unknown";

const rules: Array<{ intent: Intent; patterns: RegExp[] }> = [
  {
    intent: "human",
    patterns: [/\b(talk|speak|chat)\s+(to|with)\s+(a\s+)?(person|human|someone|agent|representative|manager)\b/i, /\breal person\b/i],
  },
  {
    intent: "billing",
    patterns: [/\b(bill(ing|ed)?|invoice|charged?|refund|payment|paid|card|subscription fee|double[- ]?charge)\b/i],
  },
  {
    intent: "technical",
    patterns: [
      /\b(boot|crash(es|ed|ing)?|error|broken|won'?t (start|turn on|work)|not working|slow|freez(e|es|ing)|screen|battery|wi-?fi|outage|down|bug|install)\b/i,
    ],
  },
  {
    intent: "sales",
    patterns: [/\b(price|pricing|cost|plan|upgrade|buy|purchase|quote|discount|pro|business|enterprise)\b/i],
  },
  { intent: "thanks", patterns: [/^\s*(thanks|thank you|cheers|great,? thanks)\b/i] },
  { intent: "greeting", patterns: [/^\s*(hi|hello|hey|good (morning|afternoon|evening))( there| team| all)?[\s!.,]*$/i] },
];

export function classifyIntent(text: string): Intent {
  for (const rule of rules) if (rule.patterns.some((p) => p.test(text))) return rule.intent;
  return "unknown";
}
