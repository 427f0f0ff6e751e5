export const operatorTypeDefs = /* GraphQL */ `
  enum OperatorRole {
    OPERATOR
    ADMIN
  }

  enum Availability {
    ONLINE
    AWAY
    OFFLINE
  }

  type Operator {
    id: ID!
    email: String!
    name: String!
    role: OperatorRole!
    "What the operator chose. Only an operator who is ONLINE and connected is offered escalations."
    availability: Availability!
    "Seen in the last 90 seconds: a request, or an open dashboard (inboxEvents subscription)."
    connected: Boolean!
    lastSeenAt: DateTime
    capacity: Int!
    disabled: Boolean!
    "Set after a generated or admin-reset password: only changePassword and signOut work until it is changed."
    mustChangePassword: Boolean!
  }

  enum Priority {
    LOW
    MEDIUM
    HIGH
    URGENT
  }

  enum EscalationStatus {
    PENDING
    CLAIMED
    RESOLVED
  }

  type Escalation {
    id: ID!
    conversation: Conversation!
    reason: String!
    "The AI's summary of the case."
    summary: String!
    priority: Priority!
    status: EscalationStatus!
    "The agent that escalated."
    agent: String!
    ticketId: String
    claimedBy: Operator
    customerEmail: String
    createdAt: DateTime!
    waitingSeconds: Int!
  }

  type Inbox {
    "Unresolved escalations, most urgent first, then oldest first."
    escalations: [Escalation!]!
    "Open conversations the AI is handling, newest activity first."
    aiConversations: [Conversation!]!
  }

  type SignInPayload {
    operator: Operator!
    "Session token: send as a Bearer token or as token in connection_init. Expires in 12 hours."
    token: String!
  }

  input HandBackInput {
    conversationId: ID!
    "triage, technical, billing or sales."
    agent: String!
    note: String!
  }

  input AddPrivateNoteInput {
    conversationId: ID!
    "Up to 4,000 characters. @name mentions notify those operators."
    body: String!
    "Makes retries safe: a repeated id returns the note already stored."
    clientMessageId: String
  }

  input CreateOperatorInput {
    email: String!
    name: String!
    role: OperatorRole!
    password: String!
  }

  input UpdateOperatorInput {
    role: OperatorRole
    disabled: Boolean
    capacity: Int
  }

  enum InboxEventType {
    CONVERSATION_CHANGED
    OPERATOR_CHANGED
    TICKET_CHANGED
    STATUS_CHANGED
  }

  "A nudge that the inbox changed; refetch the inbox query to get the truth."
  type InboxEvent {
    type: InboxEventType!
    conversationId: ID
    ticketId: ID
    reason: String!
    at: DateTime!
  }

  extend type Query {
    "The signed-in operator."
    me: Operator!
    inbox: Inbox!
    operators: [Operator!]!
  }

  extend type Mutation {
    signIn(email: String!, password: String!): SignInPayload!
    signOut: Boolean!
    "Exactly one operator wins; a second claim is a CONFLICT."
    claimEscalation(id: ID!): Escalation!
    "From now on the AI posts nothing to this conversation; a reply it is generating is discarded."
    takeOverConversation(conversationId: ID!): Conversation!
    sendOperatorMessage(input: SendMessageInput!): SendMessagePayload!
    "The note becomes a private note the agent reads; the customer never sees it."
    handBackToAgent(input: HandBackInput!): Conversation!
    "Operators: a note on the conversation for the team and the AI agent, never sent to the customer."
    addPrivateNote(input: AddPrivateNoteInput!): Message!
    resolveConversation(conversationId: ID!): Conversation!
    setAvailability(availability: Availability!): Operator!
    createOperator(input: CreateOperatorInput!): Operator!
    updateOperator(id: ID!, input: UpdateOperatorInput!): Operator!
    "Your own password (at least 12 characters). Your other sessions end."
    changePassword(currentPassword: String!, newPassword: String!): Operator!
    "Admins only: sets another operator's password, ends all their sessions, and makes them change it at next sign-in."
    resetOperatorPassword(operatorId: ID!, newPassword: String!): Operator!
  }

  extend type Subscription {
    inboxEvents: InboxEvent!
  }
`;
