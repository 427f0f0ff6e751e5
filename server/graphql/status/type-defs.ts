export const statusTypeDefs = /* GraphQL */ `
  enum ServiceStatus {
    OPERATIONAL
    DEGRADED
    OUTAGE
  }

  enum IncidentStatus {
    INVESTIGATING
    IDENTIFIED
    MONITORING
    RESOLVED
  }

  "A customer-facing service whose health the agents report when asked."
  type SystemService {
    id: ID!
    name: String!
    status: ServiceStatus!
    updatedAt: DateTime!
  }

  type Incident {
    id: ID!
    service: SystemService!
    title: String!
    status: IncidentStatus!
    startedAt: DateTime!
    resolvedAt: DateTime
  }

  "What the agents' check_system_status tool sees."
  type SystemStatus {
    "True when every service is operational and no incident is open."
    allOperational: Boolean!
    services: [SystemService!]!
    "Unresolved incidents, newest first."
    openIncidents: [Incident!]!
  }

  input OpenIncidentInput {
    serviceId: ID!
    title: String!
    "INVESTIGATING, IDENTIFIED or MONITORING."
    status: IncidentStatus!
  }

  extend type Query {
    "Operators only."
    systemStatus: SystemStatus!
  }

  extend type Mutation {
    "Admins only. Customers who ask whether something is down hear the new status at once."
    setServiceStatus(serviceId: ID!, status: ServiceStatus!): SystemService!
    "Admins only."
    openIncident(input: OpenIncidentInput!): Incident!
    "Admins only. RESOLVED closes the incident."
    updateIncident(id: ID!, status: IncidentStatus!): Incident!
  }
`;
