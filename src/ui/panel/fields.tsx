// Labelled form fields with validation on commit: a typed value that is out of range is not
// taken; the field says what it accepts and goes back to the last good value on blur.
import { useId, useState } from 'preact/hooks';

export function NumberField(props: {
  label: string;
  value: number;
  min: number;
  max: number;
  step?: number;
  testid: string;
  /** shown under the field when what was typed is not accepted */
  accepts: string;
  disabled?: boolean;
  onCommit: (v: number) => void;
  title?: string;
}) {
  const id = useId();
  const [draft, setDraft] = useState<string | null>(null);
  const [invalid, setInvalid] = useState(false);
  const parse = (text: string): number | null => {
    if (!/^\s*\d+\s*$/.test(text)) return null;
    const v = Number(text);
    return v >= props.min && v <= props.max ? v : null;
  };
  const commit = (text: string) => {
    const v = parse(text);
    setDraft(null);
    setInvalid(v === null);
    if (v !== null && v !== props.value) props.onCommit(v);
  };
  return (
    <div class="sd-field" title={props.title}>
      <label for={id}>{props.label}</label>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={props.min}
        max={props.max}
        step={props.step ?? 1}
        value={draft ?? String(props.value)}
        disabled={props.disabled}
        data-testid={props.testid}
        aria-invalid={invalid || undefined}
        aria-describedby={invalid ? `${id}-err` : undefined}
        onInput={(e) => {
          const text = e.currentTarget.value;
          setDraft(text);
          const v = parse(text);
          setInvalid(false);
          if (v !== null && v !== props.value) props.onCommit(v);
        }}
        onChange={(e) => commit(e.currentTarget.value)}
        onBlur={(e) => {
          if (draft !== null) commit(e.currentTarget.value);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit(e.currentTarget.value);
        }}
      />
      {invalid && (
        <span class="sd-field-error" id={`${id}-err`} role="alert">
          {props.accepts}
        </span>
      )}
    </div>
  );
}

export function SelectField<T extends string | number>(props: {
  label: string;
  value: T;
  options: readonly { value: T; label: string; disabled?: boolean }[];
  testid: string;
  disabled?: boolean;
  onChange: (v: T) => void;
  title?: string;
}) {
  const id = useId();
  return (
    <div class="sd-field" title={props.title}>
      <label for={id}>{props.label}</label>
      <select
        id={id}
        data-testid={props.testid}
        value={String(props.value)}
        disabled={props.disabled}
        onChange={(e) => {
          const raw = e.currentTarget.value;
          const opt = props.options.find((o) => String(o.value) === raw);
          if (opt) props.onChange(opt.value);
        }}
      >
        {props.options.map((o) => (
          <option key={String(o.value)} value={String(o.value)} disabled={o.disabled}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
