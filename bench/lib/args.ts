// Minimal command-line reading for the bench and its children.

/** The value after `name` (e.g. --n 2000 or --n=2000); `fallback` when absent, an error when required. */
export function argValue(name: string, fallback?: string, argv: readonly string[] = process.argv.slice(2)): string {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === name && i + 1 < argv.length) return argv[i + 1];
    if (argv[i].startsWith(`${name}=`)) return argv[i].slice(name.length + 1);
  }
  if (fallback === undefined) throw new Error(`missing ${name}`);
  return fallback;
}

/** Every value given for `name`, comma lists split: --case a --case b,c gives [a, b, c]. */
export function argValues(name: string, argv: readonly string[] = process.argv.slice(2)): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === name && i + 1 < argv.length) out.push(...argv[i + 1].split(','));
    else if (argv[i].startsWith(`${name}=`)) out.push(...argv[i].slice(name.length + 1).split(','));
  }
  return out.map((s) => s.trim()).filter(Boolean);
}

export function hasFlag(name: string, argv: readonly string[] = process.argv.slice(2)): boolean {
  return argv.includes(name);
}
