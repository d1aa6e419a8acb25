/**
 * Under the mock engine Pulumi's log.warn prints through console.warn with a stack trace.
 * The warnings virtkit emits are asserted where they matter; here they are only noise.
 */
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === "string" && args[0].startsWith("warning: [runtime]")) return;
  warn(...args);
};
