/** A coded engine error, shown as `code: message` (tests and people read the code). */
import type { CodedError } from '../store/app-store';

export function ErrorText({ error, testId }: { error: CodedError | null; testId?: string }) {
  if (!error) return null;
  return (
    <div className="error" role="alert" data-testid={testId} data-code={error.code}>
      <code>{error.code}</code> {error.message}
    </div>
  );
}
