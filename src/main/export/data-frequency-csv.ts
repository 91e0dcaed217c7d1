// Tidy CSV of a data set's own frequency content (`lab analyse --csv`), in the same long form as
// a run's frequencies.csv: kind = lfr at grid k, kind = rdf at midpoint k; delta = 1/k.
import type { DataFrequency } from '../engine/data-frequency';
import { toCsv } from './csv';

/** Columns: dataset,samples,kind,k,delta,value. */
export function dataFrequencyCsv(result: DataFrequency): string {
  const rows = [
    ...result.k.map((k, i) => [result.dataset, result.samples, 'lfr', k, 1 / k, result.lfr[i]]),
    ...result.rdfK.map((k, i) => [result.dataset, result.samples, 'rdf', k, 1 / k, result.rdf[i]]),
  ];
  return toCsv(['dataset', 'samples', 'kind', 'k', 'delta', 'value'], rows);
}
