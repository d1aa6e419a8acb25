import * as pulumi from "@pulumi/pulumi";

/** A provider resource the program registered under the mock engine. */
export interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
  options?: pulumi.ResourceOptions;
}

/**
 * Installs Pulumi's mock engine and records every registered resource (with its options,
 * captured by a stack transformation since mocks do not see options). Await before
 * importing or constructing the program.
 */
export async function installMocks(): Promise<{ resources: Registered[]; reset: () => void }> {
  const resources: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "libvirt:index/volume:Volume" || args.type === "pulumi-nodejs:dynamic/virtkit:LuksVolume") state.path = `/var/lib/libvirt/images/${String(args.inputs.name)}`;
        if (args.type === "libvirt:index/domain:Domain") state.uuid = `uuid-${args.name}`;
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    "virtkit",
    "test",
    false,
  );
  return { resources, reset: () => resources.splice(0) };
}

/** Resolves an Output in a test (an un-awaited apply could never fail the test). */
export function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

/** Whether an Output is marked secret. */
export function isSecret(o: pulumi.Output<unknown>): Promise<boolean> {
  return (o as unknown as { isSecret: Promise<boolean> }).isSecret;
}

/** Lets registrations that wait on outputs settle. */
export const settle = () => new Promise((r) => setTimeout(r, 50));

/**
 * The registration of `type`/`name`, once it has happened: resources whose inputs hold
 * outputs register asynchronously, later under load. Fails after a few seconds.
 */
export async function registration(resources: Registered[], type: string, name: string): Promise<Registered> {
  for (let waited = 0; waited < 5000; waited += 20) {
    const found = resources.find((r) => r.type === type && r.name === name);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${type} "${name}" was never registered`);
}

/** What a child resource of `type` was registered with (mocks never see options). */
export interface Captured {
  name: string;
  props: Record<string, unknown>;
  opts: pulumi.ResourceOptions;
}

/**
 * A transformation to pass in a component's options, recording the props and options of
 * its children of `type`; read them from `captured` (also by resource name).
 */
export function captureChildren(type: string): { transformation: pulumi.ResourceTransformation; captured: Captured[]; byName: (name: string) => Captured | undefined } {
  const captured: Captured[] = [];
  const transformation: pulumi.ResourceTransformation = (args) => {
    if (args.type === type) captured.push({ name: args.name, props: args.props as Record<string, unknown>, opts: args.opts });
    return undefined;
  };
  return { transformation, captured, byName: (name) => captured.find((c) => c.name === name) };
}

/** How a secret input reaches the mock engine: Pulumi's secret envelope around the value. */
export const secretInput = (value: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });
