/**
 * The committed @pulumi/libvirt binding (sdks/libvirt): what it registers with the
 * engine, that it passes nested args through untouched, and that it is exactly what
 * scripts/gen-libvirt-sdk.js generates from the provider's schema docs.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type * as Libvirt from "@pulumi/libvirt";
import { attributeAt, type ResourceType } from "../support/providerSchema";

const REPO = path.resolve(__dirname, "..", "..");
const GENERATOR = path.join(REPO, "scripts", "gen-libvirt-sdk.js");
const SDK_DIR = path.join(REPO, "sdks", "libvirt");
const SCHEMA_DOCS = path.resolve(process.env.LIBVIRT_SCHEMA_DOCS ?? path.join(REPO, "..", "shared", "provider-schema"));

const PARAMETER_JSON = '{"remote":{"url":"registry.opentofu.org/dmacvicar/libvirt","version":"0.9.7"}}';

interface Registered {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    provider: string | undefined;
    packageRef: string;
}

interface PackageRequest {
    name: string;
    version: string;
    downloadUrl: string;
    parameterization: { name: string; version: string; value: string } | undefined;
}

const registered: Registered[] = [];
const packageRequests: PackageRequest[] = [];
const packageRefs = new Map<string, string>();
let libvirt: typeof Libvirt;

beforeAll(async () => {
    await pulumi.runtime.setMocks(
        {
            newResource: (args: pulumi.runtime.MockResourceArgs) => {
                registered.push({
                    type: args.type,
                    name: args.name,
                    inputs: args.inputs,
                    provider: args.provider,
                    packageRef: packageRefs.get(`${args.type}::${args.name}`) ?? "",
                });
                return { id: `${args.name}-id`, state: args.inputs };
            },
            call: () => ({}),
        },
        "project",
        "stack",
        false,
    );
    // The mocks do not show the package reference, so watch the monitor requests.
    const monitor = pulumi.runtime.getMonitor() as any;
    const registerResource = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: any) => {
        packageRefs.set(`${req.getType()}::${req.getName()}`, req.getPackageref());
        return registerResource(req, cb);
    };
    const registerPackage = monitor.registerPackage.bind(monitor);
    monitor.registerPackage = (req: any, cb: any) => {
        const p = req.getParameterization();
        packageRequests.push({
            name: req.getName(),
            version: req.getVersion(),
            downloadUrl: req.getDownloadUrl(),
            parameterization: p && { name: p.getName(), version: p.getVersion(), value: p.getValue_asB64() },
        });
        return registerPackage(req, cb);
    };
    libvirt = await import("@pulumi/libvirt");
});

/** Resolves once the resource has been registered with the (mock) engine. */
async function registration(res: pulumi.Resource): Promise<Registered> {
    const urn = await new Promise<string>((resolve) => res.urn.apply(resolve));
    // urn:pulumi:<stack>::<project>::<type>::<name>
    const [, , type, name] = urn.split("::");
    const found = registered.filter((r) => r.name === name && r.type === type);
    if (found.length !== 1) throw new Error(`expected one registration of ${type}::${name}, saw ${found.length}`);
    return found[0];
}

describe("resource registration", () => {
    const cases: Array<[string, () => pulumi.CustomResource]> = [
        ["libvirt:index/domain:Domain", () => new libvirt.Domain("reg-domain", { type: "kvm" })],
        ["libvirt:index/volume:Volume", () => new libvirt.Volume("reg-volume", { pool: "default", capacity: 1073741824 })],
        ["libvirt:index/pool:Pool", () => new libvirt.Pool("reg-pool", { type: "dir", target: { path: "/var/lib/libvirt/images" } })],
        ["libvirt:index/network:Network", () => new libvirt.Network("reg-network", { forward: { mode: "nat" } })],
        [
            "libvirt:index/cloudinitDisk:CloudinitDisk",
            () => new libvirt.CloudinitDisk("reg-cloudinit", { userData: "#cloud-config\n", metaData: "instance-id: x\n" }),
        ],
    ];

    it.each(cases)("registers %s with the libvirt package reference", async (token, make) => {
        const res = make();
        const reg = await registration(res);
        expect(reg.type).toBe(token);
        // The mock monitor answers registerPackage with "mock-uuid"; without a package
        // reference the request carries "".
        expect(reg.packageRef).toBe("mock-uuid");
    });

    it("registers the terraform-provider package parameterized with dmacvicar/libvirt 0.9.7", async () => {
        await registration(new libvirt.Domain("pkg-domain", { type: "kvm" }));
        expect(packageRequests.length).toBeGreaterThan(0);
        for (const req of packageRequests) {
            expect(req).toEqual({
                name: "terraform-provider",
                version: "1.2.0",
                downloadUrl: "",
                parameterization: {
                    name: "libvirt",
                    version: "0.9.7",
                    value: Buffer.from(PARAMETER_JSON).toString("base64"),
                },
            });
        }
    });

    it("registers the package once however many resources use it", async () => {
        await Promise.all([
            registration(new libvirt.Volume("once-a", { pool: "default" })),
            registration(new libvirt.Volume("once-b", { pool: "default" })),
        ]);
        expect(packageRequests).toHaveLength(1);
    });

    it("registers the provider as pulumi:providers:libvirt with its uri", async () => {
        const provider = new libvirt.Provider("hv1", { uri: "qemu+ssh://root@hv1/system" });
        const reg = await registration(provider);
        expect(reg.type).toBe("pulumi:providers:libvirt");
        expect(reg.inputs).toEqual({ uri: "qemu+ssh://root@hv1/system" });
        expect(reg.packageRef).toBe("mock-uuid");
        expect(libvirt.Provider.isInstance(provider)).toBe(true);
        expect(libvirt.Domain.isInstance(provider)).toBe(false);
    });

    it("sends resources created with an explicit provider to that provider", async () => {
        const provider = new libvirt.Provider("hv2", { uri: "qemu:///system" });
        const domain = new libvirt.Domain("on-hv2", { type: "kvm" }, { provider });
        const reg = await registration(domain);
        expect(reg.provider).toBe("urn:pulumi:stack::project::pulumi:providers:libvirt::hv2::hv2-id");
        expect(libvirt.Domain.isInstance(domain)).toBe(true);
    });

    it("reads an existing domain through Domain.get under the same token", async () => {
        const got = libvirt.Domain.get("existing", "missing ID");
        const reg = await registration(got);
        expect(reg.type).toBe("libvirt:index/domain:Domain");
    });
});

describe("constructor arguments", () => {
    it("passes nested domain args through unchanged", async () => {
        const args: Libvirt.DomainArgs = {
            name: "db",
            type: "kvm",
            vcpu: 4,
            memory: 8,
            memoryUnit: "GiB",
            cpu: {
                mode: "host-passthrough",
                topology: { sockets: 1, dies: 1, cores: 2, threads: 2 },
                numa: { cells: [{ cpus: "0-3", memory: 8, unit: "GiB", memAccess: "shared" }] },
            },
            cpuTune: {
                vcpuPins: [
                    { vcpu: 0, cpuSet: "4" },
                    { vcpu: 1, cpuSet: "36" },
                    { vcpu: 2, cpuSet: "5" },
                    { vcpu: 3, cpuSet: "37" },
                ],
                emulatorPin: { cpuSet: "2-3" },
                ioThreadPins: [{ ioThread: 1, cpuSet: "2" }],
            },
            ioThreads: 1,
            memoryBacking: {
                memoryHugePages: { hugepages: [{ size: 1, unit: "GiB", nodeset: "0" }] },
                memoryLocked: true,
            },
            numaTune: {
                memory: { mode: "strict", nodeset: "0" },
                memNodes: [{ cellId: 0, mode: "strict", nodeset: "0" }],
            },
            os: { type: "hvm", typeMachine: "q35", firmware: "efi", bootDevices: [{ dev: "hd" }] },
            devices: {
                disks: [
                    {
                        source: { volume: { pool: "default", volume: "db-root.qcow2" } },
                        driver: { name: "qemu", type: "qcow2" },
                        target: { dev: "vda", bus: "virtio" },
                    },
                ],
                hostdevs: [
                    {
                        managed: true,
                        subsysPci: { source: { address: { domain: 0, bus: 59, slot: 2, function: 1 } } },
                    },
                ],
                interfaces: [
                    {
                        mac: { address: "52:54:00:12:34:56" },
                        source: { hostdev: { pci: { address: { domain: 0, bus: 59, slot: 2, function: 2 } } } },
                        managed: true,
                    },
                ],
            },
        };
        const reg = await registration(new libvirt.Domain("nested", args));
        expect(reg.inputs).toEqual(args);
    });

    it("resolves Output-valued nested args before registering", async () => {
        const reg = await registration(
            new libvirt.Domain("outputs", {
                type: "kvm",
                cpuTune: { vcpuPins: [{ vcpu: 0, cpuSet: pulumi.output("7") }] },
            }),
        );
        expect(reg.inputs).toEqual({ type: "kvm", cpuTune: { vcpuPins: [{ vcpu: 0, cpuSet: "7" }] } });
    });

    it("requires the domain type and the volume pool", () => {
        expect(() => new libvirt.Domain("no-type", {} as Libvirt.DomainArgs)).toThrow("Missing required property 'type'");
        expect(() => new libvirt.Volume("no-pool", {} as Libvirt.VolumeArgs)).toThrow("Missing required property 'pool'");
    });

    it("leaves name optional, as the bridge auto-names it", async () => {
        const reg = await registration(new libvirt.Volume("unnamed", { pool: "default" }));
        expect(reg.inputs).toEqual({ pool: "default" });
    });
});

describe("generator", () => {
    const haveDocs = fs.existsSync(path.join(SCHEMA_DOCS, "domain.md"));
    const itWithDocs = haveDocs ? it : it.skip;
    if (!haveDocs) {
        // Visible in the jest output as skipped tests, with the reason here.
        console.warn(`provider schema docs not found at ${SCHEMA_DOCS}; set LIBVIRT_SCHEMA_DOCS`);
    }

    function generateInto(dir: string): Map<string, Buffer> {
        execFileSync(process.execPath, [GENERATOR, SCHEMA_DOCS, "--out", dir], { stdio: "pipe" });
        return readTree(dir);
    }

    function readTree(dir: string, rel = ""): Map<string, Buffer> {
        const files = new Map<string, Buffer>();
        for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
            const r = rel === "" ? entry.name : `${rel}/${entry.name}`;
            if (entry.isDirectory()) {
                if (r === "bin" || r === "node_modules") continue;
                for (const [k, v] of readTree(dir, r)) files.set(k, v);
            } else {
                files.set(r, fs.readFileSync(path.join(dir, r)));
            }
        }
        return files;
    }

    let tmp: string;
    beforeAll(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gen-libvirt-sdk-"));
    });
    afterAll(() => {
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    itWithDocs("is deterministic: two runs give byte-identical files", () => {
        const a = generateInto(path.join(tmp, "a"));
        const b = generateInto(path.join(tmp, "b"));
        expect([...a.keys()]).toEqual([...b.keys()]);
        for (const [file, content] of a) {
            expect({ file, same: content.equals(b.get(file)!) }).toEqual({ file, same: true });
        }
    });

    itWithDocs("matches the committed sdks/libvirt (run `node scripts/gen-libvirt-sdk.js` if not)", () => {
        const fresh = generateInto(path.join(tmp, "fresh"));
        const committed = readTree(SDK_DIR);
        expect([...committed.keys()].sort()).toEqual([...fresh.keys()].sort());
        const stale = [...fresh].filter(([file, content]) => !content.equals(committed.get(file)!)).map(([f]) => f);
        expect(stale).toEqual([]);
    });

    itWithDocs("fails loudly on a type it does not know instead of guessing", () => {
        const docs = path.join(tmp, "bad-docs");
        fs.cpSync(SCHEMA_DOCS, docs, { recursive: true });
        const volume = path.join(docs, "volume.md");
        fs.writeFileSync(volume, fs.readFileSync(volume, "utf8").replace("- `capacity` (Number)", "- `capacity` (Tuple)"));
        expect(() =>
            execFileSync(process.execPath, [GENERATOR, docs, "--out", path.join(tmp, "bad-out")], { stdio: "pipe" }),
        ).toThrow(/volume\.md:\d+: unsupported attribute type "\(Tuple\)"/);
    });
});

describe("schema.json", () => {
    const expectKind = (resource: ResourceType, p: string, kind: string, element?: string) => {
        const attr = attributeAt(resource, p);
        expect({ path: p, kind: attr?.kind, element: attr?.element }).toEqual({ path: p, kind, element });
    };

    // Rest parameters below: jest would pass `done` to a third named parameter on two-item rows.
    it.each([
        ["cpuTune.vcpuPins", "list", "object"],
        ["cpuTune.vcpuPins[].cpuSet", "string"],
        ["cpuTune.vcpuPins[].vcpu", "number"],
        ["cpuTune.emulatorPin.cpuSet", "string"],
        ["cpuTune.ioThreadPins[].ioThread", "number"],
        ["cpuTune.ioThreadPins[].cpuSet", "string"],
        ["cpuTune.vcpuScheds[].scheduler", "string"],
        ["cpu.mode", "string"],
        ["cpu.model", "string"],
        ["cpu.features[].name", "string"],
        ["cpu.features[].policy", "string"],
        ["cpu.topology.sockets", "number"],
        ["cpu.topology.dies", "number"],
        ["cpu.topology.cores", "number"],
        ["cpu.topology.threads", "number"],
        ["cpu.numa.cells[].cpus", "string"],
        ["cpu.numa.cells[].memory", "number"],
        ["cpu.numa.cells[].unit", "string"],
        ["cpu.numa.cells[].memAccess", "string"],
        ["cpu.numa.cells[].discard", "string"],
        ["memoryBacking.memoryHugePages.hugepages", "list", "object"],
        ["memoryBacking.memoryHugePages.hugepages[].size", "number"],
        ["memoryBacking.memoryHugePages.hugepages[].unit", "string"],
        ["memoryBacking.memoryHugePages.hugepages[].nodeset", "string"],
        ["memoryBacking.memoryLocked", "boolean"],
        ["memoryBacking.memoryNosharepages", "boolean"],
        ["memoryBacking.memoryAccess.mode", "string"],
        ["memoryBacking.memorySource.type", "string"],
        ["memoryBacking.memoryAllocation.mode", "string"],
        ["numaTune.memory.mode", "string"],
        ["numaTune.memory.nodeset", "string"],
        ["numaTune.memory.placement", "string"],
        ["numaTune.memNodes[].cellId", "number"],
        ["numaTune.memNodes[].mode", "string"],
        ["numaTune.memNodes[].nodeset", "string"],
        ["ioThreads", "number"],
        ["os.type", "string"],
        ["os.typeMachine", "string"],
        ["os.firmware", "string"],
        ["os.bootDevices", "list", "object"],
        ["os.bootDevices[].dev", "string"],
        ["devices.disks[].source.volume.pool", "string"],
        ["devices.disks[].source.volume.volume", "string"],
        ["devices.disks[].source.file.file", "string"],
        ["devices.disks[].driver.type", "string"],
        ["devices.disks[].target.dev", "string"],
        ["devices.disks[].target.bus", "string"],
        ["devices.disks[].encryption.format", "string"],
        ["devices.interfaces[].source.network.network", "string"],
        ["devices.interfaces[].source.bridge.bridge", "string"],
        ["devices.interfaces[].source.hostdev.pci.address.domain", "number"],
        ["devices.interfaces[].source.hostdev.pci.address.bus", "number"],
        ["devices.interfaces[].source.hostdev.pci.address.slot", "number"],
        ["devices.interfaces[].source.hostdev.pci.address.function", "number"],
        ["devices.interfaces[].mac.address", "string"],
        ["devices.interfaces[].model.type", "string"],
        ["devices.interfaces[].managed", "boolean"],
        ["devices.interfaces[].vlan.trunk", "string"],
        ["devices.hostdevs[].managed", "boolean"],
        ["devices.hostdevs[].subsysPci.source.address.domain", "number"],
        ["devices.hostdevs[].subsysPci.source.address.bus", "number"],
        ["devices.hostdevs[].subsysPci.source.address.slot", "number"],
        ["devices.hostdevs[].subsysPci.source.address.function", "number"],
        ["devices.controllers[].type", "string"],
        ["devices.controllers[].model", "string"],
        ["devices.controllers[].index", "number"],
        ["devices.controllers[].pci.model.name", "string"],
        ["devices.controllers[].pci.target", "object"],
    ] as string[][])("libvirt_domain %s is a %s", (...[p, kind, element]: string[]) =>
        expectKind("libvirt_domain", p, kind, element),
    );

    it.each([
        ["capacity", "number"],
        ["capacityUnit", "string"],
        ["pool", "string"],
        ["backingStore.path", "string"],
        ["backingStore.format.type", "string"],
        ["target.format.type", "string"],
        ["target.encryption.format", "string"],
        ["target.encryption.secret.type", "string"],
        ["create.content.url", "string"],
    ])("libvirt_volume %s is a %s", (p, kind) => expectKind("libvirt_volume", p, kind));

    it.each([
        ["type", "string"],
        ["target.path", "string"],
        ["source.dir.path", "string"],
    ])("libvirt_pool %s is a %s", (p, kind) => expectKind("libvirt_pool", p, kind));

    it.each([
        ["forward.mode", "string"],
        ["forward.managed", "boolean"],
        ["forward.pfs[].dev", "string"],
        ["forward.dev", "string"],
        ["forward.addresses[].pci.bus", "number"],
    ])("libvirt_network %s is a %s", (p, kind) => expectKind("libvirt_network", p, kind));

    it("keeps the read-only attributes the provider computes, marked readOnly", () => {
        // Upstream marks these computed-only in v0.9.7 (cf. dmacvicar/terraform-provider-libvirt#1236).
        for (const p of ["cpu.numa.cells[].id", "devices.interfaces[].vlan.tags[].id", "uuid"]) {
            expect({ p, readOnly: attributeAt("libvirt_domain", p)?.readOnly }).toEqual({ p, readOnly: true });
        }
        expect(attributeAt("libvirt_volume", "target.encryption.secret.uuid")?.readOnly).toBe(true);
    });

    it("has no singular spellings of pluralised lists and no top-level id", () => {
        for (const p of ["cpuTune.vcpuPin", "cpu.numa.cell", "cpuTune.ioThreadPin", "secLabel", "id"]) {
            expect({ p, attr: attributeAt("libvirt_domain", p) }).toEqual({ p, attr: undefined });
        }
    });

    it("marks the auto-named name optional on every resource", () => {
        for (const r of ["libvirt_domain", "libvirt_volume", "libvirt_pool", "libvirt_network", "libvirt_cloudinit_disk"] as const) {
            expect({ r, name: attributeAt(r, "name") }).toMatchObject({ r, name: { required: false, autoNamed: true } });
        }
    });
});

describe("naming rules (ported from the bridge)", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const gen = require("../../scripts/gen-libvirt-sdk.js") as {
        pluralize(s: string): string;
        singularize(s: string): string;
        terraformToPulumiName(name: string, siblings: Map<string, { kind: string }>): string;
    };

    it.each([
        ["vcpu_pin", "vcpu_pins"],
        ["cell", "cells"],
        ["io_thread_pin", "io_thread_pins"],
        ["hugepages", "hugepages"],
        ["boot_devices", "boot_devices"],
        ["sec_label", "sec_labels"],
        ["entry", "entries"],
        ["address", "addresses"],
        ["status", "statuses"],
        ["person", "people"],
        // Go's template expansion reads `$1s` as the (absent) group "1s": the bridge really yields "".
        ["hive", ""],
    ])("pluralises %s as %s", (word, plural) => {
        expect(gen.pluralize(word)).toBe(plural);
    });

    it.each([
        ["vcpuPins", "vcpuPin"],
        ["hugepages", "hugepage"],
        ["caches", "cache"],
        ["addresses", "address"],
        ["bootDevices", "bootDevice"],
    ])("singularises %s as %s for nested type names", (word, singular) => {
        expect(gen.singularize(word)).toBe(singular);
    });

    it("camel-cases every underscore, single letters included", () => {
        const scalar = new Map([["x", { kind: "object" }]]);
        expect(gen.terraformToPulumiName("io_thread_i_ds", scalar)).toBe("ioThreadIDs");
        expect(gen.terraformToPulumiName("subsys_m_dev", scalar)).toBe("subsysMDev");
    });

    it("pluralises only lists and sets, and not onto a sibling's name", () => {
        const siblings = new Map([
            ["cell", { kind: "list" }],
            ["cells", { kind: "string" }],
            ["memory", { kind: "number" }],
            ["port_forward", { kind: "set" }],
        ]);
        expect(gen.terraformToPulumiName("cell", siblings)).toBe("cell");
        expect(gen.terraformToPulumiName("memory", siblings)).toBe("memory");
        expect(gen.terraformToPulumiName("port_forward", siblings)).toBe("portForwards");
    });
});
