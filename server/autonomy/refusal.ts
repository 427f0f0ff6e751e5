/** A request for an action that the facts do not allow: its message is relayed to the model. */
export class ActionRefused extends Error {}
