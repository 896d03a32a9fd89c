/** The dApp's HTTP client: JSON both ways, the session token as a bearer, every error as an ApiFailure. */

export interface FieldProblem {
  path: string;
  message: string;
}

/** An answer other than 2xx: the API's stable code, its sentence, and the wrong fields. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldProblem[],
    /** The body, for answers that carry more than an error (a refused funding check's failures). */
    readonly body: unknown,
  ) {
    super(message);
    this.name = "ApiFailure";
  }
}

export class Api {
  token: string | null = null;

  constructor(private readonly base = "") {}

  async get<T>(path: string): Promise<T> {
    return this.send<T>("GET", path);
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return this.send<T>("POST", path, body);
  }

  async delete<T>(path: string): Promise<T> {
    return this.send<T>("DELETE", path);
  }

  private async send<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.token !== null) headers.authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      throw new ApiFailure(0, "UNREACHABLE", error instanceof Error ? error.message : String(error), [], null);
    }
    const text = await response.text();
    const parsed: unknown = text === "" ? null : JSON.parse(text);
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string; fields?: FieldProblem[] } } | null)?.error;
      throw new ApiFailure(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? response.statusText, error?.fields ?? [], parsed);
    }
    return parsed as T;
  }
}
