// Which screen is shown. Kept in memory and in sessionStorage (so a reload of the window comes
// back to the same screen); the page address is left alone (the browser door keeps its access
// token there).
export type Route =
  | { screen: 'setup' }
  | { screen: 'live' }
  | { screen: 'runs' }
  | { screen: 'run'; runId: number }
  /** With `groupId`: the group mode of Compare (the runs are the group's). */
  | { screen: 'compare'; runIds: number[]; groupId?: number };

export type Screen = Route['screen'];

/** The navigation entry a screen belongs to. */
export function navOf(route: Route): 'setup' | 'live' | 'runs' | 'compare' {
  return route.screen === 'run' ? 'runs' : route.screen;
}

const key = 'frequency-lab:route';
const ids = (v: unknown): number[] => (Array.isArray(v) ? v.filter((x): x is number => Number.isSafeInteger(x) && x > 0) : []);

/** A route from stored text; the run history for anything unreadable. */
export function parseRoute(text: string | null): Route {
  try {
    const r = JSON.parse(text ?? '') as Record<string, unknown>;
    switch (r?.screen) {
      case 'setup':
      case 'live':
      case 'runs':
        return { screen: r.screen };
      case 'run':
        return Number.isSafeInteger(r.runId) && (r.runId as number) > 0 ? { screen: 'run', runId: r.runId as number } : { screen: 'runs' };
      case 'compare':
        return Number.isSafeInteger(r.groupId) && (r.groupId as number) > 0
          ? { screen: 'compare', runIds: ids(r.runIds), groupId: r.groupId as number }
          : { screen: 'compare', runIds: ids(r.runIds) };
    }
  } catch {
    /* fall through */
  }
  return { screen: 'runs' };
}

export function loadRoute(storage: Pick<Storage, 'getItem'> | undefined = globalThis.sessionStorage): Route {
  try {
    return parseRoute(storage?.getItem(key) ?? null);
  } catch {
    return { screen: 'runs' };
  }
}

export function saveRoute(route: Route, storage: Pick<Storage, 'setItem'> | undefined = globalThis.sessionStorage): void {
  try {
    storage?.setItem(key, JSON.stringify(route));
  } catch {
    /* storage unavailable: the route lives in memory only */
  }
}
