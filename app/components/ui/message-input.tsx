/**
 * The message box both sides type into: labelled, Enter sends, Shift+Enter adds a line, and
 * every keystroke is reported (for typing indicators). On touch screens Enter adds a line (there
 * is no Shift key to reach for) and the Send button sends.
 */
export function MessageInput({
  id,
  label,
  value,
  placeholder,
  onChange,
  autoFocus = false,
  onKeyDown,
  aria,
}: {
  id: string;
  label: string;
  value: string;
  placeholder: string;
  onChange: (value: string) => void;
  autoFocus?: boolean;
  /** Runs first; if it prevents the default, Enter does not send (e.g. it picked a suggestion). */
  onKeyDown?: (event: React.KeyboardEvent<HTMLTextAreaElement>) => void;
  /** For a box that offers suggestions (a combobox). */
  aria?: React.AriaAttributes & { role?: string };
}) {
  return (
    <>
      <label htmlFor={id} className="sr-only">
        {label}
      </label>
      <textarea
        id={id}
        name="content"
        rows={2}
        // Focus is where the person is about to type (the chat just started, or a reply was chosen).
        autoFocus={autoFocus}
        maxLength={4000}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        {...aria}
        onKeyDown={(e) => {
          onKeyDown?.(e);
          if (e.defaultPrevented) return;
          const touch = typeof matchMedia === "function" && matchMedia("(pointer: coarse)").matches;
          if (e.key === "Enter" && !e.shiftKey && !touch && !e.nativeEvent.isComposing) {
            e.preventDefault();
            e.currentTarget.form?.requestSubmit();
          }
        }}
        placeholder={placeholder}
        className="min-h-[2.75rem] flex-1 resize-none rounded-md border border-slate-300 px-3 py-2 focus:border-brand-600 focus:outline-none focus:ring-2 focus:ring-brand-600/30"
      />
    </>
  );
}
