// The setup form's draft, kept for the whole session: leaving the setup screen and coming back
// (or starting several runs one after another) keeps what was typed.
import { presetNames, type PresetName } from '../../shared/presets';
import { draftFromPreset, draftFromRun, type Draft } from './config-form';
import type { RunRecord } from '../../shared/results';

const firstPreset: PresetName = presetNames.includes('mnist-fc-quick' as PresetName) ? ('mnist-fc-quick' as PresetName) : presetNames[0];

export const setup = $state<{ draft: Draft; preset: PresetName | ''; source: string | null }>({
  draft: draftFromPreset(firstPreset),
  preset: firstPreset,
  source: null,
});

/** Loads a preset into the form. */
export function loadPreset(name: PresetName): void {
  setup.draft = draftFromPreset(name);
  setup.preset = name;
  setup.source = null;
}

/** Loads an earlier run's config into the form ("clone and edit"). */
export function loadRun(run: Pick<RunRecord, 'id' | 'name' | 'config'>): void {
  setup.draft = draftFromRun(run);
  setup.preset = '';
  setup.source = `a copy of run #${run.id}${run.name ? ` (${run.name})` : ''}`;
}
