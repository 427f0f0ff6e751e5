export const conductorTypeDefs = /* GraphQL */ `
  """
  MONITORING: watching, nothing wrong. WAITING_APPROVAL: an intervention waits for an operator.
  INTERVENING: an intervention ran and the trouble is still there. LEARNING: an intervention ran,
  the trouble eased, its outcome is being measured. IDLE: nothing to watch (or a person has it).
  """
  enum ConductorStatus {
    MONITORING
    WAITING_APPROVAL
    INTERVENING
    LEARNING
    IDLE
  }

  enum AnomalyKind {
    FRUSTRATION_RISING
    STUCK_IN_LOOP
    WAITING_TOO_LONG
    AI_FAILING
  }

  "A named kind of trouble in a conversation, and the signals behind it in plain words."
  type Anomaly {
    kind: AnomalyKind!
    "The event seq its episode began at: one intervention per episode."
    episodeSeq: Int!
    explanation: String!
  }

  "The conductor's reading of one open conversation, kept up to date from its events."
  type ConversationHealth {
    conversationId: ID!
    customerName: String
    "1 is healthy, 0 as bad as it gets."
    score: Float!
    status: ConductorStatus!
    anomalies: [Anomaly!]!
    "The customer's latest sentiment, -1 to 1 (frustration counts as very negative)."
    sentiment: Float
    "Latest minus the best of the recent ones: negative when falling."
    sentimentTrend: Float!
    "How many times the latest question has been asked."
    repeats: Int!
    "Failed or cut-off AI replies in a row."
    aiFailures: Int!
    waitingSince: DateTime
    "The agent answering now."
    agent: String!
    updatedAt: DateTime!
  }

  type Conductor {
    "Whether this deployment runs the conductor (CONDUCTOR=on)."
    enabled: Boolean!
    status: ConductorStatus!
    "Open conversations, least healthy first."
    watched: [ConversationHealth!]!
  }

  enum InterventionOutcome {
    PENDING
    SUCCESS
    FAILURE
  }

  type ContextEntry {
    key: String!
    value: String!
  }

  "One intervention the conductor chose, from its pick to its outcome. Its decision holds the reasoning."
  type Intervention {
    id: ID!
    conversationId: ID!
    anomaly: AnomalyKind!
    intervention: String!
    contextKey: String!
    context: [ContextEntry!]!
    "The value drawn from the posterior by Thompson sampling."
    sampled: Float!
    "True when another intervention had the better record and this one was tried to learn."
    explored: Boolean!
    "Health when it was picked."
    scoreBefore: Float!
    "When the event that began the anomaly happened."
    anomalyAt: DateTime
    "From the anomaly to this decision, in milliseconds: the conductor's reaction time."
    reactionMs: Int
    outcome: InterventionOutcome!
    outcomeReason: String
    decision: Decision
    createdAt: DateTime!
    "When its outcome is judged."
    dueAt: DateTime!
    settledAt: DateTime
  }

  "What the conductor learned about one intervention in one context: a Beta posterior."
  type InterventionStat {
    intervention: String!
    contextKey: String!
    context: [ContextEntry!]!
    attempts: Int!
    successes: Int!
    alpha: Float!
    beta: Float!
    "Posterior mean success rate."
    mean: Float!
    "The central 90 % interval of the posterior."
    low: Float!
    high: Float!
    updatedAt: DateTime!
  }

  enum ConductorEventType {
    HEALTH_CHANGED
    INTERVENTION_CHANGED
  }

  "A nudge to refetch the conductor's view."
  type ConductorEvent {
    type: ConductorEventType!
    conversationId: ID
    at: DateTime!
  }

  extend type Query {
    "Operators: the conductor's status and the conversations it watches."
    conductor(first: Int): Conductor!
    "Operators: one conversation's health (null before the conductor has read it)."
    conversationHealth(conversationId: ID!): ConversationHealth
    "Operators: interventions, newest first (of one conversation when given). Each is also a decision (agent 'conductor')."
    interventions(conversationId: ID, first: Int): [Intervention!]!
    "Operators: the learned table, per intervention and context."
    interventionStats: [InterventionStat!]!
  }

  extend type Subscription {
    "Operators: health, anomaly and intervention changes, live."
    conductorEvents: ConductorEvent!
  }
`;
