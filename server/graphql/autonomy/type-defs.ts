export const autonomyTypeDefs = /* GraphQL */ `
  "Any JSON value."
  scalar JSON

  """
  MANUAL: the AI drafts and proposes, people decide. SEMI_AUTO: the AI replies; sensitive actions
  wait for approval unless pre-approved or earned by their track record. AUTO: the AI acts within
  the admin's limits and proposes beyond them.
  """
  enum AutonomyMode {
    MANUAL
    SEMI_AUTO
    AUTO
  }

  enum DecisionStatus {
    PROPOSED
    APPROVED
    REJECTED
    AUTO_APPROVED
    EXECUTED
    FAILED
    EXPIRED
  }

  "How an action has fared in this context: a Beta posterior over 'approved and not reversed'."
  type TrackRecord {
    attempts: Int!
    approvals: Int!
    rejections: Int!
    reversals: Int!
    "Posterior mean."
    successRate: Float!
    "One-sided 95 % lower bound; Semi-Auto runs the action by itself once this passes the threshold."
    lowerBound: Float!
  }

  "An action the AI wanted to take, with why, how sure, and what became of it."
  type Decision {
    id: ID!
    conversation: Conversation!
    agent: String!
    action: String!
    arguments: JSON!
    "One line, e.g. 'Refund €89.00 for duplicate payment on INV-1042: payment PAY-70422 on INV-1042'."
    summary: String!
    reasoning: String!
    "The model's own confidence, when it gave one."
    confidence: Float
    "From the track record of this action in this context; autonomy is gated on it."
    calibratedConfidence: Float!
    "Agent, customer plan, amount bucket."
    context: JSON!
    trackRecord: TrackRecord!
    status: DecisionStatus!
    decidedBy: Operator
    decidedByName: String
    rejectionReason: String
    result: JSON
    error: String
    createdAt: DateTime!
    decidedAt: DateTime
    expiresAt: DateTime!
  }

  input ActionPolicyInput {
    "Semi-Auto runs it without asking."
    preApproved: Boolean
    "Auto runs it up to this amount in cents (credits: per customer per month); -1: Auto always asks."
    autoLimitCents: Int
    "Semi-Auto also runs it once the track record's lower bound is above this (0 to 1)..."
    threshold: Float
    "...with at least this many decisions behind it."
    minDecisions: Int
  }

  type ActionPolicy {
    action: String!
    "low, medium or high."
    risk: String!
    preApproved: Boolean!
    autoLimitCents: Int!
    threshold: Float!
    minDecisions: Int!
  }

  type Autonomy {
    "The mode in force: the conversation's own when asked for one, else the global mode."
    mode: AutonomyMode!
    globalMode: AutonomyMode!
    proposalTtlMinutes: Int!
    actions: [ActionPolicy!]!
  }

  input DecisionFilter {
    status: DecisionStatus
    action: String
    agent: String
    conversationId: ID
  }

  enum DecisionEventType {
    DECISION_CHANGED
    MODE_CHANGED
  }

  "A nudge to refetch decisions or the mode."
  type DecisionEvent {
    type: DecisionEventType!
    decisionId: ID
    conversationId: ID
    "The decision's status; null for a mode change and for a draft's events."
    status: DecisionStatus
    mode: String
    at: DateTime!
  }

  enum DraftStatus {
    PENDING
    SENT
    DISCARDED
  }

  "In Manual mode, a reply the AI wrote that only operators see until one sends or discards it."
  type Draft {
    id: ID!
    conversationId: ID!
    agent: String!
    agentName: String!
    content: String!
    status: DraftStatus!
    createdAt: DateTime!
  }

  extend type Query {
    "Operators: the conversation's pending drafts, newest first."
    drafts(conversationId: ID!): [Draft!]!
    "Operators. With a conversation, the mode in force there."
    autonomy(conversationId: ID): Autonomy!
    "Operators. Newest first."
    decisions(filter: DecisionFilter, first: Int): [Decision!]!
    decision(id: ID!): Decision!
  }

  extend type Mutation {
    "Without conversationId: the global mode (admins). With one: that conversation's mode (operators); null mode returns it to the global one."
    setAutonomyMode(mode: AutonomyMode, conversationId: ID): Autonomy!
    "Operators. The action runs now, exactly once; a decision no longer proposed is a CONFLICT."
    approveDecision(id: ID!): Decision!
    "Operators. Nothing runs; the customer is told a person will follow up."
    rejectDecision(id: ID!, reason: String): Decision!
    "Admins: one gated action's policy."
    updateActionPolicy(action: String!, input: ActionPolicyInput!): Autonomy!
    "Operators: sends a draft to the customer as the agent's reply, as written or with your edit. Exactly once."
    sendDraft(id: ID!, content: String): Draft!
    "Operators: the draft is never sent."
    discardDraft(id: ID!): Draft!
  }

  extend type Subscription {
    "Operators: every decision and mode change, live."
    decisionEvents: DecisionEvent!
  }
`;
