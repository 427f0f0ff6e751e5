/** A request for an action that the facts do not allow: its message is relayed to the model. */
export class ActionRefused extends Error {
  readonly reason: "not_ai" | "does_not_fit";
  constructor(
    message: string,
    /** "not_ai": a person has the conversation (or it is closed), so no AI action may run at all. */
    reason: "not_ai" | "does_not_fit" = "does_not_fit",
  ) {
    super(message);
    this.reason = reason;
  }
}
