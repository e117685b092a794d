import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';

export interface ConfirmProps {
  open: boolean;
  title: string;
  confirmLabel: string;
  children: ComponentChildren;
  onConfirm: () => void;
  onClose: () => void;
}

/**
 * A modal <dialog>: focus starts on Cancel, Escape or Cancel closes it, the confirm button (`data-confirm`) runs
 * `onConfirm`. The browser traps focus and gives it back to the button that opened it.
 */
export function ConfirmDialog({ open, title, confirmLabel, children, onConfirm, onClose }: ConfirmProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.returnValue = '';
      dialog.showModal();
    } else if (!open && dialog.open) dialog.close();
  }, [open]);
  const closed = (): void => {
    if (ref.current?.returnValue === 'confirm') onConfirm();
    onClose();
  };
  return (
    <dialog ref={ref} class="confirm" aria-labelledby={`${id}-title`} onClose={closed}>
      <form method="dialog">
        <h2 id={`${id}-title`}>{title}</h2>
        <div class="confirm-body">{children}</div>
        <div class="confirm-buttons">
          <button type="submit" value="cancel" autoFocus>
            Cancel
          </button>
          <button type="submit" value="confirm" class="danger" data-confirm="">
            {confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
