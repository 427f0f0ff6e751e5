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
    "The person's name (an operator's), or Tandem, or the AI agent."
    actorName: String!
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
    "Who asked: the linked account, the name given in the chat, or the follow-up email."
    requester: String
    "The operator working it."
    assignee: Operator
    "Where a person can reply when the customer has left the chat."
    contactEmail: String
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
    assignee: TicketAssigneeFilter
  }

  enum TicketAssigneeFilter {
    "Assigned to the operator asking."
    ME
    NOBODY
  }

  input UpdateTicketInput {
    status: TicketStatus
    priority: Priority
    "Internal to the team unless noteToCustomer is true."
    note: String
    "Also send the note to the customer, in their conversation. Default false: notes stay internal."
    noteToCustomer: Boolean
    "An operator to work the ticket; null unassigns; absent leaves it as it is."
    assigneeId: ID
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
