// What every simulated component of one cluster can reach: storage, API semantics, events, faults, timers.
import type { EventRecorder } from "./events";
import type { Faults } from "./faults";
import type { ObjectService } from "./objects";
import type { Store } from "./store";
import type { Timers } from "./types";

export interface SimContext {
  name: string;
  region: string;
  store: Store;
  objects: ObjectService;
  events: EventRecorder;
  faults: Faults;
  timers: Timers;
  /** Base delay between binding and running; faults may add to it. */
  podStartDelayMs: number;
  /** Nodes whose kubelet is switched off (node down fault). */
  downNodes: Set<string>;
}
