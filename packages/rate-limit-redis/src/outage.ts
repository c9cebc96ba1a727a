import { type Clock, systemClock } from '@brace/core';

/** What `onOutage` receives: Redis became unreachable (`down`) or answers again (`up`). */
export interface RedisOutageEvent {
  /** `down`: the store now answers from its local limiter at once; `up`: from Redis again. */
  state: 'down' | 'up';
  /** When, on the store's clock (epoch ms). */
  at: number;
}

/**
 * @internal Fail-open's outage state: the first failure marks Redis down, so later calls are
 * answered locally at once instead of each waiting for its own timeout; one probe at a time
 * runs in the background every `intervalMs` until one answers, which marks Redis up again.
 */
export class Outage {
  down = false;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly probe: () => Promise<boolean>,
    private readonly onChange: (event: RedisOutageEvent) => void,
  ) {}

  /** A call failed: Redis is down until a probe answers. */
  fail(): void {
    if (this.down) return;
    this.down = true;
    this.onChange({ state: 'down', at: this.clock.now() });
    this.schedule();
  }

  private schedule(): void {
    if (this.clock === systemClock) {
      const timer = setTimeout(this.check, this.intervalMs) as { unref?: () => void };
      timer.unref?.(); // a probe never keeps the process alive
    } else {
      this.clock.sleep(this.intervalMs).then(this.check);
    }
  }

  private readonly check = (): void => {
    this.probe().then((ok) => {
      if (!ok) {
        this.schedule();
        return;
      }
      this.down = false;
      this.onChange({ state: 'up', at: this.clock.now() });
    });
  };
}
