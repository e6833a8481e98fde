// Form pieces of the ops sections: labelled fields that show their own problem (FormProblem from requests.ts).
import { useId } from "react";
import { useTranslation } from "react-i18next";
import type { FormProblem } from "./requests.js";

export function TextField<F>({
  label,
  value,
  onChange,
  type = "text",
  inputMode,
  multiline = false,
  problem,
  field,
  placeholder,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  type?: "text" | "datetime-local" | "number" | "month";
  inputMode?: "numeric" | "text";
  multiline?: boolean;
  problem?: FormProblem<F> | null;
  field?: keyof F & string;
  placeholder?: string;
}) {
  const id = useId();
  const invalid = problem != null && field !== undefined && problem.field === field;
  return (
    <label className="field" htmlFor={id}>
      <span>{label}</span>
      {multiline ? (
        <textarea id={id} value={value} rows={2} onChange={(e) => onChange(e.target.value)} placeholder={placeholder} spellCheck={false} />
      ) : (
        <input id={id} type={type} inputMode={inputMode} value={value} onChange={(e) => onChange(e.target.value)} aria-invalid={invalid} placeholder={placeholder} spellCheck={false} />
      )}
    </label>
  );
}

export function Checkbox({ label, checked, onChange }: { label: string; checked: boolean; onChange: (checked: boolean) => void }) {
  return (
    <label className="check-field">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <span>{label}</span>
    </label>
  );
}

export function FormProblemText<F>({ problem }: { problem: FormProblem<F> | null }) {
  const { t } = useTranslation();
  if (!problem) return null;
  return (
    <p className="field-error" role="alert">
      {t(`ops.problems.${problem.problem}`)}
    </p>
  );
}
