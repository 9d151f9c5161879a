// The signed-in user, their orgs and the selected org.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useLayoutEffect, useMemo, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, useLocation } from "react-router";
import { api } from "../api/client";
import { auth } from "../api/endpoints";
import { ApiError } from "../api/problem";
import type { Me, OrgMembership } from "../api/types";
import { ProblemAlert, Spinner } from "../components/ui";
import { applyLocale, currentLocale, effectiveLocale, localeKey } from "../i18n";

interface Session {
  me: Me;
  org: OrgMembership | null;
  selectOrg: (id: string) => void;
  logout: () => Promise<void>;
  /** can reports whether the selected org grants perm (true when the server did not list permissions). */
  can: (perm: string) => boolean;
}

const Ctx = createContext<Session | null>(null);

export const ME_KEY = ["me"] as const;

export function useSession(): Session {
  const s = useContext(Ctx);
  if (!s) throw new Error("useSession outside SessionProvider");
  return s;
}

/** orgKey scopes a query key to the selected org, so switching org refetches. */
export function useOrgKey(...parts: unknown[]): unknown[] {
  const { org } = useSession();
  return ["org", org?.id ?? "", ...parts];
}

/** chooseOrg keeps the remembered org when the user still belongs to it. */
export function chooseOrg(orgs: OrgMembership[], remembered: string | null): OrgMembership | null {
  return orgs.find((o) => o.id === remembered) ?? orgs[0] ?? null;
}

export function RequireSession({ children }: { children: ReactNode }) {
  const qc = useQueryClient();
  const loc = useLocation();
  const me = useQuery({ queryKey: ME_KEY, queryFn: auth.me, retry: false, staleTime: 60_000 });
  const [orgId, setOrgId] = useState<string | null>(api.orgId);
  // Any 401 means the session is gone (expired, revoked, signed out
  // elsewhere): go to the login page and come back here afterwards.
  const [expired, setExpired] = useState(false);
  useEffect(() => {
    api.setUnauthorizedHandler(() => setExpired(true));
    return () => api.setUnauthorizedHandler(undefined);
  }, []);

  const org = me.data ? chooseOrg(me.data.orgs ?? [], orgId) : null;
  // Synchronised during render (idempotent) so that children's first
  // requests already carry X-Org-ID.
  if (org && api.orgId !== org.id) api.setOrg(org.id);

  const selectOrg = useCallback(
    (id: string) => {
      api.setOrg(id);
      setOrgId(id);
      qc.removeQueries({ queryKey: ["org"] });
      void qc.invalidateQueries({ queryKey: ME_KEY });
    },
    [qc],
  );
  const logout = useCallback(async () => {
    try {
      await auth.logout();
    } finally {
      qc.clear();
      window.location.assign("/login");
    }
  }, [qc]);

  // The user's language and zone (else the org's): applied before the
  // children render, and the subtree remounts when it changes so every
  // string and time is redrawn.
  const want = effectiveLocale(me.data?.user, org);
  const wantKey = localeKey(want);
  const [applied, setApplied] = useState(() => localeKey(currentLocale()));
  useLayoutEffect(() => {
    if (!me.data || wantKey === applied) return;
    applyLocale(want);
    setApplied(wantKey);
  }, [me.data, want, wantKey, applied]);
  const { t } = useTranslation();

  const value = useMemo<Session | null>(() => {
    if (!me.data) return null;
    const perms = org?.permissions;
    return {
      me: { ...me.data, orgs: me.data.orgs ?? [] },
      org,
      selectOrg,
      logout,
      can: (p: string) => !perms || perms.includes(p),
    };
  }, [me.data, org, selectOrg, logout]);

  if (expired || (me.error instanceof ApiError && me.error.status === 401)) {
    const next = loc.pathname + loc.search;
    return <Navigate to={`/login${next !== "/" ? `?next=${encodeURIComponent(next)}` : ""}`} replace />;
  }
  if (!value) {
    return me.error ? (
      <div className="mx-auto max-w-lg p-8">
        <ProblemAlert error={me.error} />
      </div>
    ) : (
      <div className="grid h-full place-items-center">
        <Spinner label={t("common:checkingSession")} />
      </div>
    );
  }
  if (wantKey !== applied) return null;
  return (
    <Ctx.Provider value={value}>
      <LocaleScope key={applied}>{children}</LocaleScope>
    </Ctx.Provider>
  );
}

function LocaleScope({ children }: { children: ReactNode }) {
  return <>{children}</>;
}
