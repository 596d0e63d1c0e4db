// Instance change notifications over Redis pub/sub: the gateway's route table and live portal updates follow them.
import { getRedis, redisKey } from "@/server/redis/client";

export function instanceChannel(): string {
  return redisKey("events", "instances");
}

/** Best effort: a lost notification only delays an update until the next poll or resync. */
export async function publishInstanceChange(instanceId: string): Promise<void> {
  await getRedis()
    .publish(instanceChannel(), instanceId)
    .catch(() => {});
}
