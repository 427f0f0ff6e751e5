export const webhookTypeDefs = /* GraphQL */ `
  "CONVERSATION_CREATED is conversation.created in deliveries, and so on."
  enum WebhookEventType {
    CONVERSATION_CREATED
    MESSAGE_CREATED
    ESCALATION_CREATED
    "A person took the conversation: claimed its escalation or took it over."
    ESCALATION_CLAIMED
    "Resolved, or handed back to an AI agent."
    ESCALATION_RESOLVED
    TICKET_CREATED
    TICKET_UPDATED
    DECISION_PROPOSED
    "Approved, auto-approved, executed, failed, rejected or expired."
    DECISION_DECIDED
  }

  "Where Tandem sends signed events (Tandem-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of \\"<t>.<raw body>\\">)."
  type WebhookEndpoint {
    id: ID!
    url: String!
    description: String
    events: [WebhookEventType!]!
    enabled: Boolean!
    "Why Tandem turned it off (deliveries failing for a day); null when on or turned off by a person."
    disabledReason: String
    createdByName: String!
    createdAt: DateTime!
  }

  type CreateWebhookEndpointPayload {
    endpoint: WebhookEndpoint!
    "The signing secret: the one given, or a generated whsec_… one. Shown only now."
    secret: String!
  }

  enum WebhookDeliveryStatus {
    PENDING
    DELIVERED
    "Given up after failing for a day; its endpoint was turned off."
    FAILED
  }

  "One event sent (or to be sent) to one endpoint: the delivery log."
  type WebhookDelivery {
    id: ID!
    "The same for every delivery of one event, redeliveries included: de-duplicate by it."
    eventId: ID!
    eventType: WebhookEventType!
    status: WebhookDeliveryStatus!
    attempts: Int!
    lastStatusCode: Int
    lastError: String
    lastAttemptAt: DateTime
    nextAttemptAt: DateTime
    deliveredAt: DateTime
    createdAt: DateTime!
  }

  input CreateWebhookEndpointInput {
    "https (plain http is accepted outside production)."
    url: String!
    events: [WebhookEventType!]!
    "At least 24 characters; omitted, one is generated."
    secret: String
    description: String
  }

  input UpdateWebhookEndpointInput {
    url: String
    events: [WebhookEventType!]
    "true turns it on again after Tandem turned it off."
    enabled: Boolean
    description: String
  }

  extend type Query {
    "Admins and keys with webhooks:manage."
    webhookEndpoints: [WebhookEndpoint!]!
    "Admins and keys with webhooks:manage: an endpoint's deliveries, newest first."
    webhookDeliveries(endpointId: ID!, first: Int = 50): [WebhookDelivery!]!
  }

  extend type Mutation {
    "Admins and keys with webhooks:manage."
    createWebhookEndpoint(input: CreateWebhookEndpointInput!): CreateWebhookEndpointPayload!
    "Admins and keys with webhooks:manage."
    updateWebhookEndpoint(id: ID!, input: UpdateWebhookEndpointInput!): WebhookEndpoint!
    "Admins and keys with webhooks:manage. Its deliveries go with it."
    deleteWebhookEndpoint(id: ID!): WebhookEndpoint!
    "Admins and keys with webhooks:manage: sends the delivery's event again now, with the same event id."
    redeliverWebhook(deliveryId: ID!): WebhookDelivery!
  }
`;
