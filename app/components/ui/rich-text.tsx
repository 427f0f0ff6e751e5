/**
 * Renders message text safely: everything is text, except Markdown links whose target is one
 * of our own help articles (/help/slug), which become links. No HTML from a message is ever
 * interpreted, so `<script>` or `<img onerror>` in a message is just text.
 */
const LINK = /\[([^\]\n]{1,120})\]\((\/help\/[a-z0-9-]{1,80})\)/g;

export function RichText({ text }: { text: string }) {
  const parts: React.ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push(
      <a
        key={match.index}
        href={match[2]}
        target="_blank"
        rel="noreferrer"
        className="font-medium text-brand-700 underline"
      >
        {match[1]}
      </a>,
    );
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return <>{parts}</>;
}
