// The run history table: what each column shows, sorting by a column, filtering by status,
// sweep group and a free-text search over name, tags, notes, data set and model. Pure functions.
import { formatNumber } from '../../shared/charts';
import { learningRateAt, type ExperimentConfig } from '../../shared/config';
import type { GroupRecord, RunRecord, RunStatus } from '../../shared/results';
import { sweepValueText, valueAt } from '../../shared/sweep';
import { dataSetText, modelText } from './format';

export const sortColumns = ['id', 'name', 'status', 'group', 'data', 'model', 'settings', 'epochs', 'loss', 'date'] as const;
export type SortColumn = (typeof sortColumns)[number];
export interface SortOrder {
  column: SortColumn;
  descending: boolean;
}

/** The key settings of a run in a few words: optimiser and rate, batch size, epochs, backend. */
export function settingsText(config: ExperimentConfig): string {
  try {
    const t = config.training;
    const rate = t.schedule.length > 1 ? `${formatNumber(learningRateAt(t.schedule, 1))}…` : formatNumber(t.schedule[0].rate);
    const stop = t.stop.lossBelow !== null ? ` · stop < ${formatNumber(t.stop.lossBelow)}` : '';
    return `${t.optimiser.kind} ${rate} · batch ${t.batchSize} · ≤${t.stop.maxEpochs} epochs${stop} · ${t.loss}`;
  } catch {
    return '';
  }
}

/** Epochs done of the maximum, e.g. '12 / 100'. */
export function epochsText(run: RunRecord): string {
  const max = run.config?.training?.stop?.maxEpochs;
  return `${run.lastEpoch ?? 0} / ${max ?? '?'}`;
}

function safe(f: () => string): string {
  try {
    return f();
  } catch {
    return '';
  }
}

/** The value a column sorts by. */
function sortKey(run: RunRecord, column: SortColumn): string | number {
  switch (column) {
    case 'id':
      return run.id;
    case 'name':
      return run.name.toLowerCase();
    case 'status':
      return run.status;
    case 'group':
      // Single runs after every group, whichever the direction (see sortRuns).
      return run.groupId ?? Number.POSITIVE_INFINITY;
    case 'data':
      return safe(() => dataSetText(run.config)).toLowerCase();
    case 'model':
      return safe(() => modelText(run.config)).toLowerCase();
    case 'settings':
      return safe(() => settingsText(run.config)).toLowerCase();
    case 'epochs':
      return run.lastEpoch ?? -1;
    case 'loss':
      // Runs without a loss (or with NaN) sort after every number, whichever the direction.
      return run.finalLoss !== null && Number.isFinite(run.finalLoss) ? run.finalLoss : Number.POSITIVE_INFINITY;
    case 'date':
      return run.createdAt;
  }
}

/** The runs sorted by one column (ties by id, newest first). */
export function sortRuns(runs: readonly RunRecord[], order: SortOrder): RunRecord[] {
  const dir = order.descending ? -1 : 1;
  return [...runs].sort((a, b) => {
    const ka = sortKey(a, order.column);
    const kb = sortKey(b, order.column);
    if (order.column === 'loss' || order.column === 'group') {
      const missA = ka === Number.POSITIVE_INFINITY;
      const missB = kb === Number.POSITIVE_INFINITY;
      if (missA !== missB) return missA ? 1 : -1;
    }
    if (ka < kb) return -dir;
    if (ka > kb) return dir;
    return b.id - a.id;
  });
}

/** The next order when a column header is clicked: the same column flips, a new one starts
 *  ascending (text) or descending (id, date, epochs). */
export function nextOrder(current: SortOrder, column: SortColumn): SortOrder {
  if (current.column === column) return { column, descending: !current.descending };
  return { column, descending: column === 'id' || column === 'date' || column === 'epochs' };
}

/** Whether a run matches every word of the search (in name, tags, notes, data set, model, status, id). */
export function matchesSearch(run: RunRecord, search: string): boolean {
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = [
    `#${run.id}`,
    run.name,
    run.status,
    run.tags.join(' '),
    run.notes,
    safe(() => dataSetText(run.config)),
    safe(() => modelText(run.config)),
  ]
    .join(' ')
    .toLowerCase();
  return words.every((w) => haystack.includes(w));
}

/** The group filter: any run (''), only single runs ('none'), or the runs of one group (its id). */
export type GroupFilter = '' | 'none' | number;

/** Whether a run passes the group filter. */
export function matchesGroup(run: Pick<RunRecord, 'groupId'>, group: GroupFilter): boolean {
  if (group === '') return true;
  if (group === 'none') return run.groupId === undefined || run.groupId === null;
  return run.groupId === group;
}

/** The runs that pass the status filter ('' for any), the group filter and the search. */
export function filterRuns(runs: readonly RunRecord[], status: RunStatus | '', search: string, group: GroupFilter = ''): RunRecord[] {
  return runs.filter((r) => (status === '' || r.status === status) && matchesGroup(r, group) && matchesSearch(r, search));
}

/** A group filter from the select's value ('', 'none' or a group id as text). */
export function parseGroupFilter(value: string): GroupFilter {
  if (value === '' || value === 'none') return value;
  const id = Number(value);
  return Number.isSafeInteger(id) && id > 0 ? id : '';
}

/** A group in a menu: '#3 seeds: seed × 3 runs'. */
export function groupLabel(group: Pick<GroupRecord, 'id' | 'name' | 'varyPath' | 'runIds'>): string {
  const runs = `${group.runIds.length} run${group.runIds.length === 1 ? '' : 's'}`;
  return `#${group.id} ${group.name || 'sweep'} (${group.varyPath}, ${runs})`;
}

/** The group cell of a run: its group's id and name and the run's swept value; null for a single run. */
export function groupCell(run: Pick<RunRecord, 'groupId' | 'config'>, groups: readonly GroupRecord[]): { id: number; name: string; value: string } | null {
  if (run.groupId === undefined || run.groupId === null) return null;
  const group = groups.find((g) => g.id === run.groupId);
  if (!group) return { id: run.groupId, name: `group ${run.groupId}`, value: '' };
  let value = '';
  try {
    value = `${group.varyPath} = ${sweepValueText(valueAt(run.config, group.varyPath))}`;
  } catch {
    value = group.varyPath;
  }
  return { id: group.id, name: group.name || `group ${group.id}`, value };
}

/** Tags typed as text ('baseline, mnist') as a clean list: trimmed, no empties, no repeats. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(',').map((t) => t.trim()).filter(Boolean))];
}
