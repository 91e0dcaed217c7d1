// The setup form's sweep choices, kept for the whole session like the draft (setup-state).
import { emptySweepForm, type SweepForm } from './sweep-form';

export const sweepForm = $state<SweepForm>(emptySweepForm());
