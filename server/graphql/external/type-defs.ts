export const externalTypeDefs = /* GraphQL */ `
  enum TranscriptRole {
    CUSTOMER
    "Your system's agent."
    AGENT
  }

  input TranscriptMessageInput {
    role: TranscriptRole!
    content: String!
  }

  input CreateEscalationInput {
    "Your system's id for the conversation. While it is open, the same id returns the same escalation."
    externalConversationId: String!
    customerName: String
    "How the customer can be reached: an email or a phone number."
    customerContact: String
    "Why a person is needed (up to 500 characters)."
    reason: String!
    "The case so far, for the team (default: the reason)."
    summary: String
    "Default MEDIUM."
    priority: Priority
    "The conversation so far, oldest first (at most 200 messages)."
    transcript: [TranscriptMessageInput!]
  }

  type CreateEscalationPayload {
    escalation: Escalation!
    "True when this external conversation already had an open escalation, which is returned."
    duplicate: Boolean!
  }

  input PostExternalMessageInput {
    escalationId: ID!
    content: String!
    "Makes retries safe: a repeated id returns the message already stored."
    clientMessageId: String!
  }

  extend type Escalation {
    "The integration that handed the conversation over (null for Tandem's own)."
    integration: String
    "The integration's own id for the conversation."
    externalConversationId: String
  }

  extend type Conversation {
    "The integration that handed the conversation over (null for Tandem's own)."
    integration: String
  }

  extend type Mutation {
    "Integrations (escalations:write): hand one of your conversations to the team."
    createEscalation(input: CreateEscalationInput!): CreateEscalationPayload!
    "Integrations (escalations:write): the customer wrote again on your side."
    postExternalMessage(input: PostExternalMessageInput!): SendMessagePayload!
    "Integrations (escalations:write): the conversation ended on your side (or your agent takes it back)."
    closeExternalConversation(escalationId: ID!): Conversation!
  }

  extend type Subscription {
    """
    Integrations (escalations:write): what the customer should hear in an escalation you created (the team's
    replies, who joined, status changes), live. Resume with after: the last seq you saw.
    """
    escalationEvents(escalationId: ID!, after: Int): ConversationEvent!
  }
`;
