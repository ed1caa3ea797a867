/** The issues of a `config.invalid` (or `protocol.invalid_args`) refusal: `{path, message}` each. */
export function IssueList({ details }: { details: unknown }) {
  if (!Array.isArray(details) || details.length === 0) return null;
  return (
    <ul className="issues" data-testid="issues">
      {details.map((d: { path?: unknown; message?: unknown }, i) => (
        <li key={i}>
          <code>{String(d.path ?? '')}</code> {String(d.message ?? '')}
        </li>
      ))}
    </ul>
  );
}
