/** What a form action said: an error as an alert, a success as a status line. */
export function ActionResult({
  result,
  className = "",
}: {
  result: { ok?: string; error?: string } | undefined;
  className?: string;
}) {
  if (result?.error) {
    return (
      <p role="alert" className={`rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 ${className}`}>
        {result.error}
      </p>
    );
  }
  if (result?.ok) {
    return (
      <p role="status" className={`rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900 ${className}`}>
        {result.ok}
      </p>
    );
  }
  return null;
}
