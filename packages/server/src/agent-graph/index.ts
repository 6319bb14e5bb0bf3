/** agent-graph: the graph of agents, tools and models of one trace or many (docs/agent-graph.md). */
export { type AgentGraphRoutesOptions, agentGraphRoutes } from './agent-graph-routes.js';
export { toGraphSpan } from './graph-spans.js';
