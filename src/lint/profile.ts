// DOCKWALL_PROFILE=1: lint prints on stderr the time each rule and the
// engine's partition take, wall and CPU (CPU is what compares on a loaded machine).

export const PROFILE = !!process.env.DOCKWALL_PROFILE;

export interface ProfileStart {
  wall: number;
  cpu: NodeJS.CpuUsage;
}

export function profileStart(): ProfileStart {
  return { wall: performance.now(), cpu: process.cpuUsage() };
}

export function profileSince(t0: ProfileStart): string {
  const c = process.cpuUsage(t0.cpu);
  return `${(performance.now() - t0.wall).toFixed(1)} ms (CPU ${((c.user + c.system) / 1000).toFixed(1)} ms)`;
}
