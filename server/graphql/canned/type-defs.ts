export const cannedTypeDefs = /* GraphQL */ `
  "A saved reply: operators insert it with / in the composer; admins manage them."
  type CannedResponse {
    id: ID!
    "What follows / in the composer, e.g. refund-timeline."
    shortcut: String!
    title: String!
    "May hold {{customer.first_name}}, {{customer.name}}, {{operator.first_name}} and {{operator.name}}."
    body: String!
    updatedAt: DateTime!
  }

  input CannedResponseInput {
    shortcut: String
    title: String
    body: String
  }

  extend type Query {
    "Operators: every saved reply, by shortcut."
    cannedResponses: [CannedResponse!]!
  }

  extend type Mutation {
    "Admins only. shortcut, title and body are required."
    createCannedResponse(input: CannedResponseInput!): CannedResponse!
    "Admins only."
    updateCannedResponse(id: ID!, input: CannedResponseInput!): CannedResponse!
    "Admins only."
    deleteCannedResponse(id: ID!): CannedResponse!
  }
`;
