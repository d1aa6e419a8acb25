/**
 * The committed @pulumi/libvirt binding (sdks/libvirt), which scripts/gen-libvirt-sdk makes
 * with Pulumi's own tools (tests/e2e/bindingDrift.e2e.test.ts keeps it what they make): what
 * it registers with the engine, that it passes nested args through untouched, and what its
 * schema.json says of the properties virtkit relies on.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as Libvirt from "@pulumi/libvirt";
import { attributeAt, loadProviderSchema, type ResourceType } from "../support/providerSchema";

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

    it("marks read-only exactly what the provider computes and a program cannot set", () => {
        const readOnly: string[] = [];
        const walk = (r: string, attrs: Record<string, { readOnly: boolean; kind: string; properties?: Record<string, any> }>, prefix: string) => {
            for (const [name, a] of Object.entries(attrs)) {
                if (a.readOnly) readOnly.push(`${r} ${prefix}${name}`);
                if (a.properties) walk(r, a.properties, `${prefix}${name}${a.kind === "list" || a.kind === "set" ? "[]" : ""}.`);
            }
        };
        for (const r of ["libvirt_domain", "libvirt_volume", "libvirt_pool", "libvirt_network", "libvirt_cloudinit_disk"] as const) {
            const schema = loadProviderSchema().resources[r];
            walk(r, { ...schema.inputs, ...schema.outputs }, "");
        }
        expect(readOnly.sort()).toEqual([
            "libvirt_cloudinit_disk path",
            "libvirt_cloudinit_disk size",
            "libvirt_domain domainId",
            "libvirt_domain uuid",
            "libvirt_network uuid",
            "libvirt_pool allocation",
            "libvirt_pool available",
            "libvirt_pool capacity",
            "libvirt_pool uuid",
            "libvirt_volume allocation",
            "libvirt_volume key",
            "libvirt_volume path",
            "libvirt_volume physical",
            "libvirt_volume target.path",
        ]);
    });

    it("lets a program set what the provider's documentation called read-only (virtkit now passes VLAN tags and disk secret UUIDs)", () => {
        for (const p of ["devices.interfaces[].vlan.tags[].id", "devices.disks[].encryption.secrets[].uuid", "cpu.numa.cells[].id"]) {
            expect({ p, readOnly: attributeAt("libvirt_domain", p)?.readOnly }).toEqual({ p, readOnly: false });
        }
        expect(attributeAt("libvirt_network", "vlan.tags[].id")).toMatchObject({ readOnly: false, required: true });
        expect(attributeAt("libvirt_volume", "target.encryption.secret.uuid")).toMatchObject({ readOnly: false, required: true });
    });

    it("has no singular spellings of pluralised lists and no top-level id", () => {
        for (const p of ["cpuTune.vcpuPin", "cpu.numa.cell", "cpuTune.ioThreadPin", "secLabel", "id"]) {
            expect({ p, attr: attributeAt("libvirt_domain", p) }).toEqual({ p, attr: undefined });
        }
    });

    it("marks the auto-named name optional on every resource", () => {
        for (const r of Object.keys(loadProviderSchema().resources) as ResourceType[]) {
            expect({ r, name: attributeAt(r, "name") }).toMatchObject({ r, name: { required: false, autoNamed: true } });
        }
    });
});
