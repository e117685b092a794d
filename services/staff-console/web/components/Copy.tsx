import { useEffect, useRef, useState } from 'preact/hooks';
import { copyText } from '../clipboard.js';

function useCopy(text: string): [string, () => void] {
  const [state, setState] = useState('');
  const timer = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => () => clearTimeout(timer.current), []);
  const copy = (): void => {
    const show = (ok: boolean): void => {
      setState(ok ? 'copied' : 'copy failed');
      clearTimeout(timer.current);
      timer.current = setTimeout(() => setState(''), 1_500);
    };
    void copyText(text).then(show, () => show(false));
  };
  return [state, copy];
}

/** A labelled value that copies itself on click or Enter, then says "copied". */
export function CopyChip({ label, value }: { label: string; value: string }) {
  const [state, copy] = useCopy(value);
  return (
    <button type="button" class="copy-chip" onClick={copy} aria-label={`Copy ${label} ${value}`}>
      <span class="copy-label">{label}</span>
      <code>{value}</code>
      <span class="copy-state" aria-live="polite">
        {state || 'copy'}
      </span>
    </button>
  );
}

/** A small "Copy" button for the text beside it. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, copy] = useCopy(text);
  return (
    <button type="button" class="copy-button" onClick={copy} aria-label={`Copy: ${label}`}>
      <span aria-live="polite">{state || 'Copy'}</span>
    </button>
  );
}
