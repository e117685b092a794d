/** One unit of a deploy, in the order it is applied. */
export interface PlannedUnit {
  readonly kind: 'infrastructure' | 'service';
  readonly name: string;
  /** The deploy group (services) or `infrastructure`. */
  readonly group: string;
  readonly dependsOn: readonly string[];
}

/**
 * Infrastructure order (reference 2.5): depth-first over `dependsOn` (restricted to enabled items), roots in
 * alphabetical order, so every item follows what it depends on. Pure.
 * @throws Error "infrastructure dependency cycle detected at X: a -> b -> a"
 */
export function orderInfrastructure(items: readonly { name: string; dependsOn: readonly string[] }[]): string[] {
  const byName = new Map(items.map((i) => [i.name, i]));
  const done = new Set<string>();
  const out: string[] = [];
  const visit = (name: string, path: string[]): void => {
    if (done.has(name)) return;
    if (path.includes(name)) throw new Error(`infrastructure dependency cycle detected at ${name}: ${[...path.slice(path.indexOf(name)), name].join(' -> ')}`);
    const item = byName.get(name);
    if (!item) return; // unknown or disabled dependencies are ignored
    for (const dep of [...item.dependsOn].sort()) visit(dep, [...path, name]);
    done.add(name);
    out.push(name);
  };
  for (const name of [...byName.keys()].sort()) visit(name, []);
  return out;
}

/**
 * Service order (reference 2.5): by deploy group in `deployOrder`, then unknown groups alphabetically; inside
 * a group, repeatedly the alphabetically first service whose dependencies are satisfied (already applied, or
 * not an enabled service). Pure.
 * @throws Error "service dependency deadlock in group G: unresolved a, b" (a cycle, or a dependency on a later group)
 */
export function orderServices(
  services: readonly { name: string; deployGroup?: string | undefined; dependsOn: readonly string[] }[],
  deployOrder: readonly string[],
  alreadyApplied: readonly string[] = [],
): { group: string; name: string }[] {
  const enabledNames = new Set(services.map((s) => s.name));
  const groups = new Map<string, typeof services[number][]>();
  for (const s of services) groups.set(s.deployGroup ?? '', [...(groups.get(s.deployGroup ?? '') ?? []), s]);
  const ordered = [...deployOrder.filter((g) => groups.has(g)), ...[...groups.keys()].filter((g) => !deployOrder.includes(g)).sort()];
  const applied = new Set(alreadyApplied);
  const out: { group: string; name: string }[] = [];
  for (const group of ordered) {
    const pending = [...(groups.get(group) ?? [])].sort((a, b) => a.name.localeCompare(b.name));
    while (pending.length > 0) {
      const i = pending.findIndex((s) => s.dependsOn.every((d) => applied.has(d) || !enabledNames.has(d)));
      if (i < 0) throw new Error(`service dependency deadlock in group ${group || '(none)'}: unresolved ${pending.map((s) => s.name).join(', ')}`);
      const [next] = pending.splice(i, 1);
      if (!next) break;
      applied.add(next.name);
      out.push({ group, name: next.name });
    }
  }
  return out;
}

/** The whole deploy: infrastructure first, then services, each with its group and dependencies. Pure. */
export function planDeploy(stack: {
  infrastructure: readonly { name: string; dependsOn: readonly string[] }[];
  services: readonly { name: string; deployGroup?: string | undefined; dependsOn: readonly string[] }[];
  deployOrder: readonly string[];
}): PlannedUnit[] {
  const infra = orderInfrastructure(stack.infrastructure);
  const infraByName = new Map(stack.infrastructure.map((i) => [i.name, i]));
  const svcByName = new Map(stack.services.map((s) => [s.name, s]));
  return [
    ...infra.map((name) => ({ kind: 'infrastructure' as const, name, group: 'infrastructure', dependsOn: infraByName.get(name)?.dependsOn ?? [] })),
    ...orderServices(stack.services, stack.deployOrder, infra).map((u) => ({ kind: 'service' as const, name: u.name, group: u.group, dependsOn: svcByName.get(u.name)?.dependsOn ?? [] })),
  ];
}
