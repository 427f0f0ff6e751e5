export const inboxTypeDefs = /* GraphQL */ `
  "The operators' inbox views."
  enum InboxView {
    "Conversations you own, and escalations offered to you."
    MINE
    "Waiting for a person, offered to nobody yet."
    UNASSIGNED
    ALL_OPEN
    "Open, with an AI agent answering."
    AI
    "Waiting for a person (offered or not)."
    WAITING
    RESOLVED
    "Every conversation, open or resolved: for search."
    ALL
  }

  input ConversationFilter {
    "ALL_OPEN when omitted."
    view: InboxView
    "technical, billing or sales: the agent responsible now."
    department: String
    "Matches the customer's name or email, message text (notes included) and ticket ids."
    query: String
  }

  "A row of the inbox list."
  type ConversationListItem {
    conversation: Conversation!
    customerName: String!
    customerEmail: String
    "The operator who owns it, when a person does."
    owner: Operator
    "The open escalation, if any: its priority, reason, summary and who it is offered to."
    escalation: Escalation
    "Offered to this operator (pending escalations in auto-assignment)."
    offeredTo: Operator
    lastMessagePreview: String
    lastMessageAt: DateTime
    lastMessageRole: MessageRole
    "Since when the customer waits for a person (escalation, or first unanswered message)."
    waitingSince: DateTime
    "waitingSince plus the first-response target (SLA_FIRST_RESPONSE_MINUTES)."
    slaDueAt: DateTime
    "Customer messages you have not read."
    unread: Boolean!
  }

  type ConversationCounts {
    mine: Int!
    unassigned: Int!
    allOpen: Int!
    ai: Int!
    waiting: Int!
    technical: Int!
    billing: Int!
    sales: Int!
    "Conversations in Mine with unread customer messages (the dashboard's title badge)."
    unreadMine: Int!
  }

  enum OperatorNoticeType {
    MENTION
    ASSIGNED
    ESCALATION
    CUSTOMER_REPLY
  }

  "Something for the signed-in operator's attention."
  type OperatorNotice {
    type: OperatorNoticeType!
    conversationId: ID!
    by: String
    text: String!
    at: DateTime!
  }

  extend type Query {
    "Operators: one inbox view, filtered and searched; most urgent and longest waiting first (newest first for AI, RESOLVED and ALL)."
    conversations(filter: ConversationFilter, first: Int = 50): [ConversationListItem!]!
    "Operators: how many conversations each view holds now."
    conversationCounts: ConversationCounts!
  }

  extend type Mutation {
    "Operators: gives the conversation to another operator, who is notified. Another operator's conversation: admins only."
    reassignConversation(conversationId: ID!, operatorId: ID!): Conversation!
    "Operators: you have read the conversation up to seq (default: all of it). Returns the seq now recorded."
    markConversationRead(conversationId: ID!, seq: Int): Int!
  }

  extend type Subscription {
    "Operators: mentions, assignments, escalations offered to you, and customer replies in your conversations."
    myNotices: OperatorNotice!
  }
`;
