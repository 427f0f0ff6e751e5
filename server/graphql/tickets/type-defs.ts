export const ticketTypeDefs = /* GraphQL */ `
  enum TicketStatus {
    OPEN
    IN_PROGRESS
    WAITING_ON_CUSTOMER
    RESOLVED
    CLOSED
  }

  enum Department {
    TECHNICAL
    BILLING
    SALES
  }

  "One change to a ticket: who, what, when, and the state before and after."
  type TicketAuditEntry {
    id: ID!
    "customer, system, agent:<key> or operator:<id>."
    actor: String!
    action: String!
    note: String
    statusBefore: TicketStatus
    statusAfter: TicketStatus
    priorityBefore: Priority
    priorityAfter: Priority
    at: DateTime!
  }

  type Ticket {
    id: ID!
    subject: String!
    description: String!
    department: Department!
    priority: Priority!
    status: TicketStatus!
    conversationId: ID
    createdAt: DateTime!
    updatedAt: DateTime!
    "Newest first."
    audit: [TicketAuditEntry!]!
  }

  input TicketFilter {
    status: TicketStatus
    department: Department
    priority: Priority
    "Matches id, subject or description."
    search: String
  }

  input UpdateTicketInput {
    status: TicketStatus
    priority: Priority
    note: String
  }

  extend type Query {
    tickets(filter: TicketFilter): [Ticket!]!
    ticket(id: ID!): Ticket!
  }

  extend type Mutation {
    "Audited; anyone viewing the ticket is told, and the customer hears of a status change in their chat."
    updateTicket(id: ID!, input: UpdateTicketInput!): Ticket!
  }

  extend type Subscription {
    ticketEvents(ticketId: ID!): InboxEvent!
  }
`;
