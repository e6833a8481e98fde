// A form that starts a long run (a replay, a migration): a dry run straight away, a real run only after
// "are you sure?". The form's state, the problem it shows, and the two buttons with their confirmation.
import { useState, type FormEvent, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Card } from "../../components/ui.js";
import { FormProblemText } from "./fields.js";
import type { Built, FormProblem } from "./requests.js";

export function useRunForm<F, R>(empty: F, toRequest: (form: F, dryRun: boolean) => Built<R, F>, start: (request: R) => void) {
  const [form, setForm] = useState<F>(empty);
  const [problem, setProblem] = useState<FormProblem<F> | null>(null);
  const [confirming, setConfirming] = useState<R | null>(null);
  // The form a dry run was started with: what it found holds while the form is unchanged.
  const [dryRunOf, setDryRunOf] = useState<F | null>(null);

  function set<K extends keyof F>(key: K, value: F[K]) {
    setForm((f) => ({ ...f, [key]: value }));
    setProblem(null);
    setConfirming(null);
  }
  function build(dryRun: boolean): R | null {
    const built = toRequest(form, dryRun);
    setProblem(built.problem ?? null);
    return built.request ?? null;
  }
  function dryRun(event: FormEvent) {
    event.preventDefault();
    const request = build(true);
    if (!request) return;
    setDryRunOf(form);
    start(request);
  }
  return {
    form,
    set,
    problem,
    dryRun,
    /** Whether the latest dry run was of the form as it is now. */
    dryRunIsCurrent: dryRunOf === form,
    confirming: confirming !== null,
    ask: () => setConfirming(build(false)),
    confirm: () => {
      if (confirming) start(confirming);
      setConfirming(null);
    },
    cancel: () => setConfirming(null),
  };
}

/** A section that starts runs: its title and hint, the form's fields (children), the problem it shows, the
 * dry-run (submit) and real-run buttons with the question before a real run, and the run below. The words
 * are the section's (`texts`: title, hint, dryRun, start, confirm, confirmYes). */
export function RunFormCard<F>({
  texts,
  form,
  running,
  detail,
  children,
  run,
}: {
  texts: "ops.replay" | "ops.migrate";
  form: { problem: FormProblem<F> | null; dryRun: (event: FormEvent) => void; confirming: boolean; ask: () => void; confirm: () => void; cancel: () => void };
  running: boolean;
  /** Said with the question before a real run. */
  detail: string;
  children: ReactNode;
  run: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Card title={t(`${texts}.title`)} id={texts.replace(".", "-")}>
      <p className="muted">{t(`${texts}.hint`)}</p>
      <form className="form ops-form" onSubmit={form.dryRun}>
        {children}
        <FormProblemText problem={form.problem} />
        <div className="row">
          <button type="submit" className="button" disabled={running}>
            {t(`${texts}.dryRun`)}
          </button>
          <button type="button" className="button primary" disabled={running} onClick={form.ask}>
            {t(`${texts}.start`)}
          </button>
        </div>
        {form.confirming && <ConfirmRun question={t(`${texts}.confirm`)} detail={detail} confirmLabel={t(`${texts}.confirmYes`)} onConfirm={form.confirm} onCancel={form.cancel} />}
      </form>
      {run}
    </Card>
  );
}

/** "Are you sure?" before a run that changes things (a real replay, a re-drive of all, a migration). */
export function ConfirmRun({ question, detail, confirmLabel, onConfirm, onCancel }: { question: string; detail?: string; confirmLabel: string; onConfirm: () => void; onCancel: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="confirm" role="group" aria-label={question} data-testid="confirm-run">
      <span>
        <strong>{question}</strong> {detail}
      </span>
      <button type="button" className="button danger" autoFocus onClick={onConfirm}>
        {confirmLabel}
      </button>
      <button type="button" className="button" onClick={onCancel}>
        {t("common.cancel")}
      </button>
    </div>
  );
}
