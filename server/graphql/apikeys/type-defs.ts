export const apiKeyTypeDefs = /* GraphQL */ `
  "What an API key may do. TICKETS_READ is tickets:read, and so on; ADMIN grants every scope and the admin fields."
  enum ApiScope {
    CONVERSATIONS_READ
    CONVERSATIONS_WRITE
    ESCALATIONS_READ
    ESCALATIONS_WRITE
    TICKETS_READ
    TICKETS_WRITE
    DECISIONS_READ
    DECISIONS_WRITE
    CUSTOMERS_READ
    WEBHOOKS_MANAGE
    ADMIN
  }

  "A key a third party calls the API with. Its secret is shown once, when it is created."
  type ApiKey {
    id: ID!
    name: String!
    "The secret's first characters, to recognise it (e.g. tdm_3q9Z0aB)."
    prefix: String!
    scopes: [ApiScope!]!
    "Requests per minute, over every instance."
    rateLimitPerMinute: Int!
    createdByName: String!
    createdAt: DateTime!
    "Null: it never expires."
    expiresAt: DateTime
    lastUsedAt: DateTime
    revokedAt: DateTime
    "False once revoked or expired."
    active: Boolean!
  }

  "One operation a key ran: the audit trail of the API."
  type ApiKeyUse {
    operationType: String!
    "The operation's name, or its root fields when it has none."
    operation: String!
    clientIp: String!
    requestId: String!
    at: DateTime!
  }

  type CreateApiKeyPayload {
    apiKey: ApiKey!
    "Send it as Authorization: Bearer <secret>, or as apiKey in graphql-ws connection_init. Shown only now."
    secret: String!
  }

  input CreateApiKeyInput {
    name: String!
    scopes: [ApiScope!]!
    expiresAt: DateTime
    "Default: API_KEY_RATE_LIMIT_PER_MINUTE (600)."
    rateLimitPerMinute: Int
  }

  extend type Query {
    "Admins: every API key, newest first."
    apiKeys: [ApiKey!]!
    "Admins: a key's latest operations, newest first."
    apiKeyUses(id: ID!, first: Int = 50): [ApiKeyUse!]!
  }

  extend type Mutation {
    "Admins: a new key. The answer holds its secret, which is never shown again."
    createApiKey(input: CreateApiKeyInput!): CreateApiKeyPayload!
    "Admins: revokes at once; the key's open sockets close."
    revokeApiKey(id: ID!): ApiKey!
  }
`;
