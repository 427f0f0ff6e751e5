const rates = /* GraphQL */ `
    conversations: Int!
    aiResolutions: Int!
    "AI resolutions over the conversations already judged; null when none is."
    aiResolutionRate: Float
    handoffs: Int!
    "Conversations escalated to a person, over all conversations."
    handoffRate: Float
    "Ratings given."
    csatResponses: Int!
    "Share of ratings that are 4 or 5."
    csat: Float
    "Average rating, 1 to 5."
    csatAverage: Float
    "Estimated AI spend in USD."
    costUsd: Float!
    costPerConversation: Float
    costPerResolution: Float
`;

const times = /* GraphQL */ `
    "Conversations still inside the 24 hours after the AI's last answer: not judged yet."
    undetermined: Int!
    "Seconds from the customer's first message to the first reply, median and 90th percentile."
    firstResponseP50: Float
    firstResponseP90: Float
    "Escalations opened, and how many were claimed."
    escalations: Int!
    claimed: Int!
    "Seconds an escalation waited to be claimed, median and 90th percentile."
    waitP50: Float
    waitP90: Float
`;

export const analyticsTypeDefs = /* GraphQL */ `
  "The figures of a range or of one UTC day (docs/decisions/018-analytics.md gives the definitions)."
  type AnalyticsFigures {
${rates}${times}  }

  type AnalyticsDay {
    "The UTC day, YYYY-MM-DD."
    day: String!
${rates}${times}  }

  "One AI agent: conversations it answered in; resolutions, handoffs and ratings of the conversations it ended."
  type AnalyticsAgent {
    agent: String!
${rates}  }

  type AnalyticsOperator {
    operatorId: ID!
    name: String!
    "Conversations the operator replied in."
    conversations: Int!
    "Of those, resolved while the operator owned them."
    resolved: Int!
    csatResponses: Int!
    csat: Float
    "Escalations the operator claimed, and the median seconds they had waited."
    claimed: Int!
    claimWaitP50: Float
  }

  type AnalyticsReport {
    from: DateTime!
    to: DateTime!
    days: Int!
    totals: AnalyticsFigures!
    byDay: [AnalyticsDay!]!
    byAgent: [AnalyticsAgent!]!
    byOperator: [AnalyticsOperator!]!
  }

  extend type Query {
    "The team's analytics over the last 7, 30 or 90 UTC days, today included. Operators, admins, and keys with conversations:read."
    analytics(days: Int! = 30): AnalyticsReport!
  }
`;
