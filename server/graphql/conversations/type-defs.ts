export const conversationTypeDefs = /* GraphQL */ `
  "An ISO-8601 date-time string."
  scalar DateTime

  enum ConversationStatus {
    "The AI is handling the conversation."
    OPEN
    "Waiting for a human operator to pick it up."
    WAITING_HUMAN
    "A human operator owns the conversation."
    WITH_HUMAN
    "Closed. The customer can start a new conversation."
    RESOLVED
  }

  type Conversation {
    id: ID!
    status: ConversationStatus!
    "Key of the AI agent currently responsible, e.g. triage."
    currentAgent: String!
    "Highest event seq so far; pass it as \`after\` to conversationEvents to resume."
    lastSeq: Int!
    customerName: String
    "Whether the conversation is linked to a verified customer account."
    customerLinked: Boolean!
    "Token usage and estimated cost of the AI replies so far."
    usage: ConversationUsage!
    createdAt: DateTime!
    updatedAt: DateTime!
    "Messages, oldest first. Use first/after to read forward or last/before to read back from the newest."
    messages(first: Int, after: String, last: Int, before: String): MessageConnection!
    "Operators only (null for customers): the model's summary of the case for the team."
    summary: CaseSummary
    "The customer's rating once resolved (CSAT), or null."
    rating: Rating
  }

  type Rating {
    "1 to 5."
    score: Int!
    comment: String
    at: DateTime!
  }

  type CaseFact {
    label: String!
    value: String!
  }

  "What the team reads first: written by the model in use as the conversation moves on."
  type CaseSummary {
    "What the customer wants."
    wants: String!
    "Facts found: invoice, amount, device, ticket, account."
    facts: [CaseFact!]!
    "What the AI or the team already tried."
    tried: [String!]!
    "What is still open, and who must act."
    pending: String!
    "The conversation's lastSeq when it was written."
    atSeq: Int!
    model: String!
    at: DateTime!
  }

  enum MessageRole {
    CUSTOMER
    AGENT
    OPERATOR
    SYSTEM
    "A private note by an operator: operators and the AI agent read it; customers never receive it."
    NOTE
  }

  enum MessageStatus {
    STREAMING
    COMPLETE
    FAILED
    "Generated after a human took over; never shown to the customer."
    DISCARDED
  }

  type MessageUsage {
    inputTokens: Int!
    outputTokens: Int!
    model: String!
    "Estimated from the configured price table; 0 for the offline model."
    costUsd: Float!
  }

  type ConversationUsage {
    inputTokens: Int!
    outputTokens: Int!
    costUsd: Float!
  }

  "Who wrote a message: label AI replies as such."
  enum AuthorType {
    AI
    HUMAN
    SYSTEM
  }

  type Message {
    id: ID!
    conversationId: ID!
    "The seq of the event that created this message."
    seq: Int!
    role: MessageRole!
    "AI for agent replies, HUMAN for customers and operators, SYSTEM for Tandem's own notices."
    authorType: AuthorType!
    "Agent key or operator id; null for customer and system messages."
    author: String
    authorName: String
    content: String!
    status: MessageStatus!
    clientMessageId: String
    "Notes only: the ids of the operators mentioned with @name (they are notified)."
    mentions: [ID!]
    usage: MessageUsage
    createdAt: DateTime!
    completedAt: DateTime
  }

  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  type MessageEdge {
    cursor: String!
    node: Message!
  }

  type MessageConnection {
    edges: [MessageEdge!]!
    pageInfo: PageInfo!
  }

  enum ConversationEventType {
    MESSAGE_CREATED
    MESSAGE_COMPLETED
    "Ephemeral: a piece of an in-flight reply. Has no seq."
    MESSAGE_DELTA
    """
    Ephemeral: the partial text of an in-flight reply so far. Has no seq. Sent when a
    subscription starts, and afterwards only when it adds text this subscription lacks (after a
    delta it missed).
    """
    MESSAGE_SNAPSHOT
    STATUS_CHANGED
    AGENT_CHANGED
    HANDOFF
    ESCALATION
    ASSIGNMENT
    DECISION
    "An AI agent used a tool."
    TOOL_RESULT
    OPERATOR_JOINED
    "Ephemeral: someone is typing. Has no seq."
    TYPING
    "Ephemeral, operators only: another operator has the conversation open. Has no seq."
    VIEWING
  }

  "Who of the team has the conversation open, and whether they are writing."
  type Viewing {
    operatorId: ID!
    name: String!
    composing: Boolean!
  }

  type Typing {
    "CUSTOMER or OPERATOR."
    role: MessageRole!
    name: String
  }

  """
  Text of an in-flight reply starting at a character offset. Applying the same delta twice, or
  a snapshot (offset 0) after deltas, gives the same text: assembly is idempotent.
  """
  type MessageDelta {
    messageId: ID!
    offset: Int!
    text: String!
  }

  type ConversationEvent {
    conversationId: ID!
    "Per-conversation sequence number; null for ephemeral events (deltas and snapshots)."
    seq: Int
    type: ConversationEventType!
    at: DateTime!
    "Set for MESSAGE_CREATED and MESSAGE_COMPLETED."
    message: Message
    "Set for MESSAGE_DELTA and MESSAGE_SNAPSHOT."
    delta: MessageDelta
    "Set for STATUS_CHANGED."
    status: ConversationStatus
    "Set for AGENT_CHANGED and HANDOFF: the agent now responsible."
    agent: String
    "A human-readable summary of the event, when it has one."
    note: String
    "Set for TYPING."
    typing: Typing
    "Set for VIEWING."
    viewing: Viewing
    "Set for TOOL_RESULT: the tool's name."
    tool: String
    "Set for TOOL_RESULT, for operators only: the tool's output as JSON."
    toolOutput: String
  }

  input StartConversationInput {
    customerName: String
    "Links the conversation to this customer's account, but only with a valid identitySignature."
    customerEmail: String
    "When identitySignature stops being valid, in Unix seconds; at most 7 days ahead."
    identityExpiresAt: Int
    """
    hex(HMAC-SHA256(IDENTITY_SECRET, "<lower-cased customerEmail>:<identityExpiresAt>")), computed by your backend.
    """
    identitySignature: String
  }

  input RateConversationInput {
    conversationId: ID!
    "1 (very unhappy) to 5 (very happy)."
    score: Int!
    comment: String
  }

  type StartConversationPayload {
    conversation: Conversation!
    "The customer's secret for this conversation. Shown once; send it as a Bearer token."
    token: String!
  }

  input SendMessageInput {
    conversationId: ID!
    content: String!
    "Generated by the client; a retry with the same id returns the first message."
    clientMessageId: String!
  }

  type SendMessagePayload {
    message: Message!
    "True when this was a retry and the first message was returned."
    duplicate: Boolean!
  }

  type Query {
    "The conversation the caller may see. Customers see only their own."
    conversation(id: ID!): Conversation!
  }

  type Mutation {
    "Operators: you have this conversation open (send every 15 s while it is); composing: you are writing in it."
    setViewing(conversationId: ID!, composing: Boolean): Boolean!
    "Customers: an email for a follow-up when nobody can answer in the chat; it goes on the conversation's open tickets."
    leaveFollowUpEmail(conversationId: ID!, email: String!): Boolean!
    startConversation(input: StartConversationInput): StartConversationPayload!
    sendMessage(input: SendMessageInput!): SendMessagePayload!
    "The customer rates their resolved conversation (CSAT). All a resolved conversation's token may still change."
    rateConversation(input: RateConversationInput!): Conversation!
    "Tells the other side you are typing. Send it at most every few seconds while typing."
    setTyping(conversationId: ID!): Boolean!
  }

  type Subscription {
    """
    Stored events with seq > after, then live events, with no gap and no duplicate. Then, for
    replies still streaming, a snapshot followed by their deltas.
    """
    conversationEvents(conversationId: ID!, after: Int): ConversationEvent!
  }
`;
