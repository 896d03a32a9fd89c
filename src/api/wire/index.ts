/** The API's wire contract: its shapes, its route table, and the client typed by them (see each module). */
export * from "./schemas";
export * from "./routes";
export * from "./client";
