/** A labelled select. `any` adds an empty first option (for filters); `name` defaults to the id. */
export function SelectField({
  id,
  name = id,
  label,
  defaultValue,
  options,
  any,
}: {
  id: string;
  name?: string;
  label: string;
  defaultValue: string;
  options: ReadonlyArray<{ value: string; label: string }>;
  any?: string;
}) {
  return (
    <div>
      <label htmlFor={id} className="block text-xs font-medium text-slate-600">
        {label}
      </label>
      <select
        id={id}
        name={name}
        defaultValue={defaultValue}
        className="rounded-md border border-slate-300 px-2 py-1.5"
      >
        {any ? <option value="">{any}</option> : null}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Options from enum values, shown with underscores as spaces. */
export const enumOptions = (values: readonly string[], labels?: Record<string, string>) =>
  values.map((value) => ({ value, label: labels?.[value] ?? value.replace(/_/g, " ") }));
