// useEventStream keeps one live stream open while a component is mounted
// (lib/eventStream.ts): it reconnects when the org or the query changes,
// keeps the handlers in refs (a re-render never reopens the stream) and
// reconnects at once when the browser comes back online.
import { useEffect, useRef, useState } from "react";
import { useSession } from "../auth/session";
import { connectStream, type StreamEvent, type StreamHandle, type StreamState } from "./eventStream";

export interface UseEventStreamOptions {
  enabled?: boolean;
  query?: Record<string, string | string[] | undefined>;
  onEvent: (e: StreamEvent) => void;
  onResync?: (id: string) => void;
}

export interface EventStreamControl {
  state: StreamState;
  reconnect(): void;
}

export function useEventStream({ enabled = true, query, onEvent, onResync }: UseEventStreamOptions): EventStreamControl {
  const [state, setState] = useState<StreamState>({ status: "connecting", attempt: 0, lastEventId: "" });
  const handlers = useRef({ onEvent, onResync });
  handlers.current = { onEvent, onResync };
  const handle = useRef<StreamHandle | null>(null);
  const org = useSession().org?.id ?? null;
  const q = JSON.stringify(query ?? {});
  useEffect(() => {
    if (!enabled) return;
    const h = connectStream({
      orgId: org,
      query: JSON.parse(q) as UseEventStreamOptions["query"],
      onEvent: (e) => handlers.current.onEvent(e),
      onResync: (id) => handlers.current.onResync?.(id),
      onState: setState,
    });
    handle.current = h;
    const online = () => h.reconnect();
    window.addEventListener("online", online);
    return () => {
      window.removeEventListener("online", online);
      h.close();
      handle.current = null;
    };
  }, [enabled, org, q]);
  return { state, reconnect: () => handle.current?.reconnect() };
}
