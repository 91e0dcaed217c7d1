// The setup form's context: every field reads and writes the draft by its dotted path and shows
// the validation messages for that path. Provided by SetupScreen, used by the field components.
import { getContext, setContext } from 'svelte';

export interface ConfigForm {
  /** The draft value at a dotted path ('training.schedule[0].rate'). */
  get(path: string): unknown;
  /** Writes a value at a dotted path (undefined leaves an optional field out). */
  set(path: string, value: unknown): void;
  /** The messages to show at a field ('subtree': also its entries' messages). */
  messages(path: string, mode?: 'exact' | 'subtree'): string[];
}

const key = Symbol('config-form');

export function provideForm(form: ConfigForm): void {
  setContext(key, form);
}

export function useForm(): ConfigForm {
  const form = getContext<ConfigForm | undefined>(key);
  if (!form) throw new Error('a setup field is used outside the setup form');
  return form;
}

/** The DOM id of a field's input. */
export function fieldId(path: string): string {
  return `field-${path.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}
