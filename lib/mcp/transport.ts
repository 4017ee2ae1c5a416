/** How an MCP client talks to the server over HTTP. */
export enum McpTransport {
  /** Streamable HTTP (MCP 2025-03-26 and later): one endpoint, POST and optional SSE responses. */
  STREAMABLE_HTTP = 'streamable-http',
  /** HTTP with Server-Sent Events (the older transport): a long-lived GET stream plus POSTed messages. */
  SSE = 'sse',
}
