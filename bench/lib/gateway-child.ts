// A gateway in its own process for the gateway benchmark: started with the parent's environment, reports its
// port over IPC and, when asked, its CPU time, so requests per second can be divided by the cores it used.
import { startGateway } from "@/server/gateway/gateway";

const gateway = await startGateway({ port: 0, domain: "gw.test" });
process.send?.({ port: gateway.port });
process.on("message", (msg: { cpu?: boolean; stop?: boolean }) => {
  if (msg.cpu) process.send?.({ cpu: process.cpuUsage() });
  if (msg.stop) void gateway.stop().then(() => process.exit(0));
});
