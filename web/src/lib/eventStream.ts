// Live events from GET /api/v1/stream (Server-Sent Events, docs/events.md).
//
// The browser's EventSource cannot send the X-Org-ID header a session needs
// on org-scoped calls, so the stream is read with fetch and parsed here.
// The connection resumes after a drop with Last-Event-ID (the server sends
// what was missed, each event once), answers a "resync" event (the id was
// too old) by handing it to the caller to reload state, and backs off
// between attempts. A connection with no byte for longer than three
// heartbeats is treated as dead and reopened.
import { API, buildQuery } from "../api/client";
import { ApiError, networkError, parseProblem } from "../api/problem";

/** One SSE message as it arrives: id, event name, data text. */
export interface SSEMessage {
  id: string;
  event: string;
  data: string;
}

/** The event JSON the stream sends as data (docs/events.md). */
export interface StreamEvent<P = Record<string, unknown>> {
  id: string;
  org_id: string;
  seq: number;
  kind: string;
  subject: string;
  actor: string;
  occurred_at: string;
  payload: P;
}

/**
 * SSEParser splits a text/event-stream into messages (WHATWG HTML §9.2):
 * lines end in CR, LF or CRLF (also across chunks), comments start with
 * ":", data lines join with "\n", an empty line dispatches, the id
 * persists to later messages, a message without data is not dispatched.
 */
export class SSEParser {
  private buf = "";
  private data: string[] = [];
  private event = "";
  private lastId = "";
  private onMessage: (m: SSEMessage) => void;
  private onComment?: (text: string) => void;
  private onRetry?: (ms: number) => void;

  constructor(onMessage: (m: SSEMessage) => void, opts: { onComment?: (text: string) => void; onRetry?: (ms: number) => void } = {}) {
    this.onMessage = onMessage;
    this.onComment = opts.onComment;
    this.onRetry = opts.onRetry;
  }

  /** The last id seen (what Last-Event-ID resumes from). */
  get id(): string {
    return this.lastId;
  }

  feed(chunk: string) {
    this.buf += chunk;
    for (;;) {
      const lf = this.buf.indexOf("\n");
      const cr = this.buf.indexOf("\r");
      let end = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
      if (end < 0) return;
      // A CR at the very end may be the first half of a CRLF: wait.
      if (end === cr && end === this.buf.length - 1) return;
      const line = this.buf.slice(0, end);
      if (this.buf[end] === "\r" && this.buf[end + 1] === "\n") end++;
      this.buf = this.buf.slice(end + 1);
      this.line(line);
    }
  }

  private line(line: string) {
    if (line === "") {
      if (this.data.length > 0) this.onMessage({ id: this.lastId, event: this.event || "message", data: this.data.join("\n") });
      this.data = [];
      this.event = "";
      return;
    }
    if (line.startsWith(":")) {
      this.onComment?.(line.slice(1).trimStart());
      return;
    }
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "data":
        this.data.push(value);
        break;
      case "event":
        this.event = value;
        break;
      case "id":
        if (!value.includes("\0")) this.lastId = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.onRetry?.(Number(value));
        break;
    }
  }
}

export type StreamStatus = "connecting" | "live" | "reconnecting" | "stopped";

export interface StreamState {
  status: StreamStatus;
  /** Failed attempts since the last good connection. */
  attempt: number;
  /** When the next attempt starts (epoch ms), while reconnecting. */
  retryAt?: number;
  /** The last failure; for "stopped", why the stream gave up (401, 403, 4xx). */
  error?: ApiError;
  /** The id of the last event received (resumes from here). */
  lastEventId: string;
  /** When the last event arrived (epoch ms). */
  lastEventAt?: number;
}

export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

export interface StreamOptions {
  /** Query of GET /stream: kind (repeatable), subject, … */
  query?: Record<string, string | string[] | undefined>;
  orgId: string | null;
  /** Resume after this id (from an earlier connection). */
  lastEventId?: string;
  onEvent: (e: StreamEvent) => void;
  /** The server could not resume: reload state; the stream continues after id. */
  onResync?: (id: string) => void;
  onState?: (s: StreamState) => void;
  fetch?: FetchFn;
  /** Delay before attempt n (1-based) in ms; default 1 s doubling to 30 s, with jitter. */
  backoff?: (attempt: number) => number;
  /** Reopen a connection silent for this long (default 50 s: three heartbeats plus slack). */
  idleTimeoutMs?: number;
}

export interface StreamHandle {
  close(): void;
  /** Reconnect now (skips a pending back-off). */
  reconnect(): void;
}

export function defaultBackoff(attempt: number): number {
  const base = Math.min(30_000, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/** permanent reports failures retrying will not fix (sign-in, permission, bad request). */
export function permanent(err: ApiError): boolean {
  return err.status === 401 || err.status === 403 || err.status === 400 || err.status === 404 || err.status === 422;
}

/** connectStream opens the stream and keeps it open until close(). */
export function connectStream(opts: StreamOptions): StreamHandle {
  const doFetch: FetchFn = opts.fetch ?? ((i, init) => fetch(i, init));
  const backoff = opts.backoff ?? defaultBackoff;
  const idle = opts.idleTimeoutMs ?? 50_000;
  let closed = false;
  let ctrl: AbortController | null = null;
  let wake: (() => void) | null = null;
  const state: StreamState = { status: "connecting", attempt: 0, lastEventId: opts.lastEventId ?? "" };
  const emit = (patch: Partial<StreamState>) => {
    Object.assign(state, patch);
    if (!closed) opts.onState?.({ ...state });
  };

  const parser = new SSEParser((m) => {
    if (m.event === "resync") {
      emit({ lastEventId: m.id, lastEventAt: Date.now() });
      opts.onResync?.(m.id);
      return;
    }
    let e: StreamEvent;
    try {
      e = JSON.parse(m.data) as StreamEvent;
    } catch {
      return; // not an event body: ignore rather than break the stream
    }
    emit({ lastEventId: m.id || state.lastEventId, lastEventAt: Date.now() });
    opts.onEvent(e);
  });

  async function once(): Promise<ApiError | null> {
    ctrl = new AbortController();
    const headers: Record<string, string> = { Accept: "text/event-stream" };
    if (opts.orgId) headers["X-Org-ID"] = opts.orgId;
    if (state.lastEventId) headers["Last-Event-ID"] = state.lastEventId;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => ctrl?.abort(), idle);
    };
    try {
      arm();
      const res = await doFetch(`${API}/stream${buildQuery(opts.query)}`, { method: "GET", headers, credentials: "same-origin", signal: ctrl.signal, cache: "no-store" });
      if (!res.ok) return await parseProblem(res);
      if (!res.body) return new ApiError(0, { code: "bad_response", detail: "The stream answered without a body" });
      emit({ status: "live", attempt: 0, retryAt: undefined, error: undefined });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        arm();
        parser.feed(value);
      }
      // The server ends a connection after at most 30 minutes: reopen at once.
      return null;
    } catch (e) {
      if (closed) return null;
      return networkError(e);
    } finally {
      clearTimeout(timer);
    }
  }

  let now = false;
  let running = false;
  async function run() {
    running = true;
    while (!closed) {
      const err = await once();
      if (closed) break;
      if (err && permanent(err) && !now) {
        emit({ status: "stopped", error: err, retryAt: undefined });
        break;
      }
      const attempt = err && !now ? state.attempt + 1 : 0;
      const wait = err && !now ? backoff(attempt) : 0;
      now = false;
      emit({ status: "reconnecting", attempt, error: err ?? undefined, retryAt: Date.now() + wait });
      if (wait > 0)
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, wait);
          wake = () => (clearTimeout(t), resolve());
        });
      wake = null;
    }
    running = false;
  }
  void run();

  return {
    close() {
      closed = true;
      ctrl?.abort();
      wake?.();
    },
    reconnect() {
      if (closed) return;
      now = true;
      if (!running) void run();
      else if (wake) wake();
      else ctrl?.abort();
    },
  };
}
