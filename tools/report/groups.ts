// Channel groups for the report's collapsible channel plots: a group a channel names itself
// (the simulator's plant stage), else one read off the names: the part before a separator
// ("pump1.temp" -> "pump1"), or a plant tag's stage digit ("LIT301" -> "stage 3", the SWaT
// naming), else blocks of GROUP_SIZE channels in column order.

export interface ReportChannel {
  name: string;
  unit?: string;
  /** The group it is plotted in (default: read off the names). */
  group?: string;
}

const GROUP_SIZE = 10;
const SEPARATED = /^([^._:/]+)[._:/]/;
const TAG = /^[A-Za-z]+(\d)\d+$/;

/** The channels by group, groups in order of their first channel. */
export function channelGroups(channels: ReportChannel[]): { group: string; channels: ReportChannel[] }[] {
  const names = channels.map((c) => c.name);
  const rule: (c: ReportChannel, i: number) => string =
    names.every((n) => SEPARATED.test(n)) ? (c) => SEPARATED.exec(c.name)![1]
      : names.every((n) => TAG.test(n)) ? (c) => `stage ${TAG.exec(c.name)![1]}`
        : (_, i) => `channels ${Math.floor(i / GROUP_SIZE) * GROUP_SIZE + 1}-${Math.min(channels.length, (Math.floor(i / GROUP_SIZE) + 1) * GROUP_SIZE)}`;
  const out = new Map<string, ReportChannel[]>();
  channels.forEach((c, i) => {
    const g = c.group ?? rule(c, i);
    out.set(g, [...(out.get(g) ?? []), c]);
  });
  return [...out].map(([group, cs]) => ({ group, channels: cs }));
}
