// Shared building blocks (no feature imports them from another feature: they live here).
import { useEffect, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { errorKind, serverMessage } from "../lib/errors.js";

export function Card({ title, children, className = "", actions, id }: { title?: ReactNode; children: ReactNode; className?: string; actions?: ReactNode; id?: string }) {
  const headingId = id ? `${id}-title` : undefined;
  return (
    <section className={`card ${className}`} aria-labelledby={headingId} id={id}>
      {(title || actions) && (
        <div className="card-head">
          {title && <h2 id={headingId}>{title}</h2>}
          {actions && <div className="card-actions">{actions}</div>}
        </div>
      )}
      {children}
    </section>
  );
}

/** A spinner that, after a few seconds, says the network is slow instead of spinning silently. */
export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setSlow(true), 3000);
    return () => clearTimeout(timer);
  }, []);
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{label ?? t("common.loading")}</span>
      {slow && <span className="muted"> {t("common.slow")}</span>}
    </div>
  );
}

/** What went wrong, in words for the person, with a retry where that can help. */
export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  const kind = errorKind(error);
  const detail = serverMessage(error);
  return (
    <div className="error-state" role="alert">
      <p>
        <strong>{t(`errors.${kind}.title`)}</strong> {t(`errors.${kind}.body`)}
      </p>
      {detail && <p className="muted">{detail}</p>}
      {onRetry && kind !== "notFound" && (
        <button type="button" className="button" onClick={onRetry}>
          {t("common.retry")}
        </button>
      )}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty-state">
      <h2>{title}</h2>
      {children}
    </div>
  );
}

export function Stat({ label, value, secondary, metric, raw }: { label: string; value: string; secondary?: string; metric?: string; raw?: number }) {
  return (
    <div className="stat" data-metric={metric} data-value={raw === undefined ? undefined : String(raw)}>
      <dt>{label}</dt>
      <dd>
        <span className="stat-value">{value}</span>
        {secondary && <span className="stat-secondary">{secondary}</span>}
      </dd>
    </div>
  );
}

/** "Load more" under a paged list (an infinite query), while there is more. */
export function LoadMore({ query }: { query: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => Promise<unknown> } }) {
  const { t } = useTranslation();
  if (!query.hasNextPage) return null;
  return (
    <button type="button" className="button" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
      {query.isFetchingNextPage ? t("common.loading") : t("common.loadMore")}
    </button>
  );
}

/** A choice of a number of days (a chart's range, a dashboard's window). */
export function DaysSelect({ label, days, choices, onChange, testid }: { label: string; days: number; choices: readonly number[]; onChange: (days: number) => void; testid?: string }) {
  const { t } = useTranslation();
  return (
    <label className="inline-field">
      <span>{label}</span>
      <select value={days} onChange={(e) => onChange(Number(e.target.value))} data-testid={testid}>
        {choices.map((d) => (
          <option key={d} value={d}>
            {t("common.days", { count: d })}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A query's data once it is there; before that a spinner, and what went wrong (with a retry) if it failed. */
export function QueryView<T>({ query, children }: { query: { isPending: boolean; isError: boolean; error: unknown; data: T | undefined; refetch: () => unknown }; children: (data: T) => ReactNode }) {
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  return <>{children(query.data as T)}</>;
}
