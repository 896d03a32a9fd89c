/**
 * The dApp's client of the API: the typed client of the wire contract (src/api/wire), on the page's own origin,
 * the session token as a bearer, every answer checked against its schema, every error an ApiFailure.
 */
export { ApiClient as Api, ApiFailure } from "../../api/wire/client";
