import { main } from "@pulumi/pulumi/provider";
import { VirtkitProvider } from "./provider";

// The plugin's entry point: bin/pulumi-resource-virtkit runs it with the engine's arguments.
void main(new VirtkitProvider(), process.argv.slice(2));
