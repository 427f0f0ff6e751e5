/** "Export CSV · Export JSON" links to a page's export route. */
export function ExportLinks({ href }: { href: (format: "csv" | "json") => string }) {
  return (
    <span className="flex gap-3 text-sm">
      <a href={href("csv")} className="text-brand-700 underline">
        Export CSV
      </a>
      <a href={href("json")} className="text-brand-700 underline">
        Export JSON
      </a>
    </span>
  );
}
